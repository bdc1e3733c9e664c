-- One announce, in one round trip (a function of the library in swarm.lua). ARGV[1]: the packed request (see redis-peer-store.ts),
-- ARGV[2]: this swarm's info hash (hex), ARGV[3]: the hash announced when it is an alias of
-- this swarm, else ''. Reply: a status byte, then for 0 (done) the counts and peers;
-- 1: unknown hash, served by the swarm whose hash follows; 2: the alias no longer holds;
-- 3: not a registered torrent (whitelist).
local a = ARGV[1]
local now, cutoff, sweepEvery, event, numwant, flags, key, up, down, left, rand1, rand2, peerId, pos =
  struct.unpack('>I4I4I2BI2Bi4dddI4I4c20', a)
local ep = string.sub(a, pos)
local hex, servedAs = ARGV[2], ARGV[3]
local wantOther, wantIds, similar = flags % 2 == 1, math.floor(flags / 2) % 2 == 1, math.floor(flags / 4) % 2 == 1
local registeredOnly = math.floor(flags / 8) % 2 == 1

local st = call('HMGET', R, '#t', '#c', '#n4', '#s4', '#n6', '#s6', ep, '#i')
-- Whitelist: a hash that is not a registered torrent is refused before anything is stored.
if registeredOnly and not st[8] then return '\3' end
if servedAs ~= '' then
  if not st[1] then return '\2' end
  local current = call('HGET', G, 'a:' .. servedAs)
  if current ~= hex then
    -- First announce of a similar hash: it becomes an alias unless something changed since the
    -- redirect (it became a torrent of its own, or the signature names another swarm).
    if current or call('ZSCORE', IDS, servedAs) or call('HGET', G, 's:' .. signature(servedAs)) ~= hex then return '\2' end
    addAlias(servedAs, hex)
  end
elseif not st[1] then
  local target = call('HGET', G, 'a:' .. hex)
  if not target and similar then target = call('HGET', G, 's:' .. signature(hex)) end
  if target then return '\1' .. target end
  create(hex, now, similar)
  st[1], st[2] = now, 0
end

local completed = tonumber(st[2])
load(F4, st[3], st[4])
load(F6, st[5], st[6])
local own, other = F4, F6
if #ep == 18 then own, other = F6, F4 end
local rec = st[7]
if now - tonumber(st[1]) >= sweepEvery then
  local gone = trim(F4, cutoff)
  gone = trim(F6, cutoff) or gone
  call('HSET', R, '#t', now)
  if gone then rec = call('HGET', R, ep) or nil end
end

local matched
rec, matched = find(own, ep, key, rec)
local _, slot, oldKey, oldFlags, oldUp, oldDown = nil, -1, 0, 0, 0, 0
if rec then slot, _, oldKey, oldFlags, oldUp, oldDown = struct.unpack(REC, rec) end

-- A download counts once per peer: on `completed`, or when a known leecher comes back with
-- nothing left (clients that stop right after finishing never send `completed`).
local peerFlags = oldFlags
if (event == 2 or (left == 0 and slot >= own.s)) and peerFlags % 2 == 0 then
  peerFlags = peerFlags + 1
  completed = completed + 1
  D.completed = D.completed + 1
  call('HINCRBY', R, '#c', 1)
end

local function counts (ownCount, otherCount)
  local seeders = F4.s + F6.s
  return struct.pack('>BI4I4dI2I2', 0, seeders, F4.n + F6.n - seeders, completed, ownCount, otherCount)
end

if event == 3 then
  if slot >= 0 then
    removeSlot(own, slot)
    forget(own, matched, rec)
  end
  finish()
  return counts(0, 0)
end

-- The reply is drawn before the announcer is stored, and skips its existing slot: a random
-- window of consecutive slots (cut where the range ends, wrapping, and at `skip`).
local out, ids = {}, {}
local function draw (F, from, want, skip, rand)
  local n = F.n - from
  local k = math.min(want, n - ((skip >= from) and 1 or 0))
  if n <= 0 or k <= 0 then return 0 end
  local len = F.len
  local slot = from + ((n <= k + 1) and 0 or (rand % n))
  local unvisited, copied = n, 0
  while copied < k and unvisited > 0 do
    if slot == F.n then slot = from end
    if slot == skip then
      slot = slot + 1
      unvisited = unvisited - 1
    else
      local stop = math.min(F.n, slot + k - copied, slot + unvisited)
      if skip > slot and skip < stop then stop = skip end
      local run = call('GETRANGE', F.e, slot * len, stop * len - 1)
      out[#out + 1] = run
      if wantIds then
        for i = 0, stop - slot - 1 do
          ids[#ids + 1] = string.sub(call('HGET', R, string.sub(run, i * len + 1, (i + 1) * len)), 5, 24)
        end
      end
      copied = copied + stop - slot
      unvisited = unvisited - (stop - slot)
      slot = stop
    end
  end
  return copied
end

local seeding = left == 0
local ownCount = draw(own, seeding and own.s or 0, numwant, slot, rand1)
local otherCount = 0
if wantOther and other.n > 0 then
  otherCount = draw(other, seeding and other.s or 0, numwant - ownCount, -1, rand2)
end

if slot < 0 then
  addPeer(own, ep, peerId, key, peerFlags, up, down, left, now)
else
  D.up = D.up + up - oldUp
  D.down = D.down + down - oldDown
  if matched ~= ep then
    -- Matched by key at another endpoint: the peer moved there.
    call('SETRANGE', own.e, slot * own.len, ep)
    call('HDEL', R, matched)
  end
  if oldKey ~= 0 and (oldKey ~= key or matched ~= ep) then
    local kf = keyField(own, oldKey)
    if call('HGET', R, kf) == matched then call('HDEL', R, kf) end
  end
  if key ~= 0 and (oldKey ~= key or matched ~= ep) then call('HSET', R, keyField(own, key), ep) end
  call('SETRANGE', own.t, slot * 4, struct.pack('>I4', now))
  call('HSET', R, ep, struct.pack(REC, slot, peerId, key, peerFlags, up, down, left))
  if seeding and slot >= own.s then
    local to = own.s
    own.s = own.s + 1
    D.seeders = D.seeders + 1
    if slot ~= to then swapSlots(own, slot, to) end
  elseif not seeding and slot < own.s then
    own.s = own.s - 1
    D.seeders = D.seeders - 1
    if slot ~= own.s then swapSlots(own, slot, own.s) end
  end
end
finish()
return counts(ownCount, otherCount) .. table.concat(out) .. table.concat(ids)
