-- Unregisters one torrent: its peers, counts, metadata and aliases go, and the group's totals
-- lose what it held. ARGV: info hash (hex). Reply: 1 if it was there.
local hex = ARGV[1]
local st = call('HMGET', R, '#t', '#c', '#n4', '#s4', '#n6', '#s6', '#u', '#d')
if not st[1] then return 0 end
local n = function (i) return tonumber(st[i] or '0') end
D.peers, D.seeders, D.completed, D.up, D.down = -(n(3) + n(5)), -(n(4) + n(6)), -n(2), -n(7), -n(8)
call('DEL', F4.e, F4.t, F6.e, F6.t)
local list = call('HGET', G, 'l:' .. hex)
if list then
  for alias in string.gmatch(list, '%x+') do call('HDEL', G, 'a:' .. alias) end
  call('HDEL', G, 'l:' .. hex)
end
delete(hex)
for field, value in pairs(D) do
  if value ~= 0 then call('HINCRBY', G, field, value) end
end
return 1
