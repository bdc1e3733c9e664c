-- Merges a batch of a saved torrent's peers. ARGV[1]: now u32, cutoff u32, completed f64,
-- flags u8 (4: similarity on); ARGV[2]: info hash (hex); ARGV[3]: peers, each
-- `length u8, endpoint, peer id c20, key i32, seen u32, counted u8, uploaded, downloaded, left f64`.
-- Reply: { peers added, peers expired, the hash it was an alias of or '' }.
local now, cutoff, savedCompleted, flags = struct.unpack('>I4I4dB', ARGV[1])
local hex, peers = ARGV[2], ARGV[3]
local st = call('HMGET', R, '#t', '#c', '#n4', '#s4', '#n6', '#s6')
if not st[1] then
  create(hex, now, math.floor(flags / 4) % 2 == 1)
  st[2] = 0
end
if savedCompleted > tonumber(st[2]) then
  call('HSET', R, '#c', savedCompleted)
  D.completed = savedCompleted - tonumber(st[2])
end
load(F4, st[3], st[4])
load(F6, st[5], st[6])
local added, expired, pos = 0, 0, 1
while pos <= #peers do
  local len = string.byte(peers, pos)
  local ep = string.sub(peers, pos + 1, pos + len)
  local peerId, key, seen, counted, up, down, left, nextPos = struct.unpack('>c20i4I4Bddd', peers, pos + 1 + len)
  pos = nextPos
  local F = len == 6 and F4 or F6
  if seen < cutoff then
    expired = expired + 1
  elseif not find(F, ep, key, call('HGET', R, ep) or nil) then
    -- A peer seen "later than now" (a clock set back, an edited file) is taken as seen now.
    addPeer(F, ep, peerId, key, counted, up, down, left, math.min(seen, now))
    added = added + 1
  end
end
finish()
return { added, expired, DROPPED }
