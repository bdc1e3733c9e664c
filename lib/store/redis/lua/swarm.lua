-- The tracker's Redis Function library: helpers shared by every function that changes a
-- swarm, over the packed layout of one torrent, mirroring the memory store
-- (lib/store/memory/swarm-peers.ts) operation for operation. Loaded once (FUNCTION LOAD), so the
-- helpers are made once, not on every call as a script's would be.
--
-- KEYS of every function: 1 record hash, 2 IPv4 endpoints, 3 IPv4 last-seen times, 4 IPv6
-- endpoints, 5 IPv6 times, 6 the group hash (totals, aliases, signatures), 7 the group's torrent
-- index. All carry the same hash tag, so a call touches one slot of a Redis Cluster.
--
-- Per family, slot i of the endpoint string holds the i-th peer's compact endpoint and slot i
-- of the times string its last announce (u32). Seeders occupy slots [0, s), leechers [s, n);
-- the strings may run past n (a tail no one reads). The record hash maps each endpoint to its
-- record (REC), `k4:`/`k6:` + key to the endpoint holding that key, and `#`-fields to counters.
local REC = '>I4c20i4Bddd' -- slot, peer id, key, flags (1: counted), uploaded, downloaded, left
-- The keys of the call in progress (Redis runs one at a time), set by `begin`.
local R, G, IDS, F4, F6, D
-- The torrent an alias served, when the last create dropped one: the caller unlists it there
-- if the target is in another group (aliases read from a state file may be).
local DROPPED = ''

local function begin (keys)
  R, G, IDS = keys[1], keys[6], keys[7]
  F4 = { e = keys[2], t = keys[3], len = 6, nf = '#n4', sf = '#s4', kp = 'k4:' }
  F6 = { e = keys[4], t = keys[5], len = 18, nf = '#n6', sf = '#s6', kp = 'k6:' }
  -- Changes to the group's totals, written once at the end.
  D = { peers = 0, seeders = 0, completed = 0, up = 0, down = 0, torrents = 0 }
  DROPPED = ''
end

local function call (...) return redis.call(...) end

local function signature (hex) return string.sub(hex, 1, 10) .. string.sub(hex, -5) end

local function keyField (F, key) return F.kp .. struct.pack('>i4', key) end

local function withSlot (rec, slot) return struct.pack('>I4', slot) .. string.sub(rec, 5) end

local function endpointAt (F, slot) return call('GETRANGE', F.e, slot * F.len, slot * F.len + F.len - 1) end

local function load (F, n, s)
  F.n = tonumber(n) or 0
  F.s = tonumber(s) or 0
  F.n0, F.s0 = F.n, F.s
end

-- Record `from` moves to slot `to`, overwriting it.
local function moveSlot (F, from, to)
  local ep = endpointAt(F, from)
  call('SETRANGE', F.e, to * F.len, ep)
  call('SETRANGE', F.t, to * 4, call('GETRANGE', F.t, from * 4, from * 4 + 3))
  call('HSET', R, ep, withSlot(call('HGET', R, ep), to))
end

local function swapSlots (F, a, b)
  local ea, eb = endpointAt(F, a), endpointAt(F, b)
  local ta = call('GETRANGE', F.t, a * 4, a * 4 + 3)
  local tb = call('GETRANGE', F.t, b * 4, b * 4 + 3)
  call('SETRANGE', F.e, a * F.len, eb)
  call('SETRANGE', F.e, b * F.len, ea)
  call('SETRANGE', F.t, a * 4, tb)
  call('SETRANGE', F.t, b * 4, ta)
  call('HSET', R, ea, withSlot(call('HGET', R, ea), b), eb, withSlot(call('HGET', R, eb), a))
end

-- Takes slot `slot` out of the family: a seeder first changes places with the last seeder,
-- then the last record fills the hole.
local function removeSlot (F, slot)
  if slot < F.s then
    F.s = F.s - 1
    D.seeders = D.seeders - 1
    if slot ~= F.s then swapSlots(F, slot, F.s) end
    slot = F.s
  end
  local last = F.n - 1
  if slot ~= last then moveSlot(F, last, slot) end
  F.n = last
end

-- Drops a removed peer's record and key entry, and takes its counters out of the sums.
local function forget (F, ep, rec)
  local _, _, key, _, up, down = struct.unpack(REC, rec)
  call('HDEL', R, ep)
  if key ~= 0 then
    local kf = keyField(F, key)
    if call('HGET', R, kf) == ep then call('HDEL', R, kf) end
  end
  D.peers = D.peers - 1
  D.up = D.up - up
  D.down = D.down - down
end

-- Adds a peer at the end, then (a seeder) at the seeder boundary; returns its slot.
local function addPeer (F, ep, peerId, key, flags, up, down, left, seen)
  local slot = F.n
  call('SETRANGE', F.e, slot * F.len, ep)
  call('SETRANGE', F.t, slot * 4, struct.pack('>I4', seen))
  F.n = F.n + 1
  call('HSET', R, ep, struct.pack(REC, slot, peerId, key, flags, up, down, left))
  if key ~= 0 then call('HSET', R, keyField(F, key), ep) end
  D.peers = D.peers + 1
  D.up = D.up + up
  D.down = D.down + down
  if left == 0 then
    local to = F.s
    F.s = F.s + 1
    D.seeders = D.seeders + 1
    if slot ~= to then swapSlots(F, slot, to) end
    slot = to
  end
  return slot
end

-- The record of the peer at `ep`, or else of the family's peer with this key.
local function find (F, ep, key, rec)
  if rec then return rec, ep end
  if key == 0 then return nil, ep end
  local kep = call('HGET', R, keyField(F, key))
  if not kep then return nil, ep end
  local krec = call('HGET', R, kep)
  if krec and select(3, struct.unpack(REC, krec)) == key then return krec, kep end
  return nil, ep
end

-- Removes the family's peers last seen before `cutoff`, from the top slot down: whatever
-- moves into a slot comes from a higher one, already visited and kept.
local function trim (F, cutoff)
  if F.n == 0 then return false end
  local times = call('GET', F.t)
  local removed = false
  for slot = F.n - 1, 0, -1 do
    if struct.unpack('>I4', times, slot * 4 + 1) < cutoff then
      local ep = endpointAt(F, slot)
      local rec = call('HGET', R, ep)
      removeSlot(F, slot)
      forget(F, ep, rec)
      removed = true
    end
  end
  return removed
end

-- Takes `alias` out of `target`'s alias list, when that list is in this group.
local function unlist (target, alias)
  local list = call('HGET', G, 'l:' .. target)
  if not list then return end
  local rest = {}
  for a in string.gmatch(list, '%x+') do if a ~= alias then rest[#rest + 1] = a end end
  if #rest == 0 then call('HDEL', G, 'l:' .. target) else call('HSET', G, 'l:' .. target, table.concat(rest, ',')) end
end

local function dropAlias (hex)
  local target = call('HGET', G, 'a:' .. hex)
  if not target then return end
  call('HDEL', G, 'a:' .. hex)
  unlist(target, hex)
  DROPPED = target
end

local function addAlias (alias, target)
  call('HSET', G, 'a:' .. alias, target)
  local list = call('HGET', G, 'l:' .. target)
  call('HSET', G, 'l:' .. target, list and (list .. ',' .. alias) or alias)
end

-- A torrent of its own (never an alias any more), indexed for paging and similarity.
local function create (hex, now, similar)
  dropAlias(hex)
  -- Every counter now, so they head the record hash: while it is a listpack (up to 128
  -- fields), a lookup walks it from the head, and a missing field walks all of it.
  call('HSET', R, '#t', now, '#c', 0, '#n4', 0, '#s4', 0, '#n6', 0, '#s6', 0, '#u', 0, '#d', 0)
  call('ZADD', IDS, 0, hex)
  if similar then call('HSETNX', G, 's:' .. signature(hex), hex) end
  D.torrents = D.torrents + 1
end

-- Writes back counts that changed, drops the strings of an emptied family, adds to the totals.
local function finish ()
  for _, F in ipairs({ F4, F6 }) do
    if F.n ~= F.n0 or F.s ~= F.s0 then call('HSET', R, F.nf, F.n, F.sf, F.s) end
    if F.n == 0 and F.n0 > 0 then call('DEL', F.e, F.t) end
  end
  if D.up ~= 0 then call('HINCRBY', R, '#u', D.up) end
  if D.down ~= 0 then call('HINCRBY', R, '#d', D.down) end
  for field, value in pairs(D) do
    if value ~= 0 then call('HINCRBY', G, field, value) end
  end
end

-- Nothing worth keeping: no peers, metadata, completed count or aliases.
local function disposable (hex)
  return F4.n + F6.n == 0 and tonumber(call('HGET', R, '#c') or '0') == 0 and call('HEXISTS', R, '#i') == 0
    and call('HEXISTS', G, 'l:' .. hex) == 0
end

local function delete (hex)
  call('DEL', R)
  call('ZREM', IDS, hex)
  local sig = 's:' .. signature(hex)
  if call('HGET', G, sig) == hex then call('HDEL', G, sig) end
  call('HINCRBY', G, 'torrents', -1)
end
