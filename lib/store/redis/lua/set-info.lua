-- Registers or updates a torrent's metadata. KEYS as every swarm script (only 1, 6 and 7 are
-- touched). ARGV: info hash (hex), now, similarity on (1/0), then field/value pairs (JSON
-- values). Reply: { 1 if the torrent had metadata already, the hash it was an alias of or '' }.
local hex, now = ARGV[1], tonumber(ARGV[2])
if call('EXISTS', R) == 0 then create(hex, now, ARGV[3] == '1') end
local had = call('HEXISTS', R, '#i')
local fields = { '#i', '1' }
for i = 4, #ARGV, 2 do
  fields[#fields + 1] = '#i:' .. ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
end
call('HSET', R, unpack(fields))
finish()
return { had, DROPPED }
