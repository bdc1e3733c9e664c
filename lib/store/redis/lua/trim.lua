-- Expires one swarm's silent peers, and deletes the torrent when nothing of it is worth
-- keeping (the idle-swarm sweep). ARGV: now, cutoff, info hash (hex). Reply: 1 if deleted.
local now, cutoff, hex = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local st = call('HMGET', R, '#t', '#n4', '#s4', '#n6', '#s6')
if not st[1] then
  call('ZREM', IDS, hex)
  return 0
end
load(F4, st[2], st[3])
load(F6, st[4], st[5])
trim(F4, cutoff)
trim(F6, cutoff)
call('HSET', R, '#t', now)
finish()
if disposable(hex) then
  delete(hex)
  return 1
end
return 0
