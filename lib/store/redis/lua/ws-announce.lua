-- The WebSocket peers of one torrent across every tracker process: who is connected to which
-- process, so that offers and answers reach a browser wherever it is connected. A script (not
-- a function of the swarm library): it shares no state with the packed swarms.
--
-- KEYS: 1 peers hash (peer id hex -> "<process> <seeder 0|1> <last announce>"), 2 counts hash
-- (c: seeders, i: leechers). ARGV: 1 peer id hex, 2 process, 3 seeder (left 0 or completed),
-- 4 now, 5 oldest last announce still alive, 6 offers to place, 7 stopped, 8 ttl seconds.
-- Reply: seeders, leechers, then a peer id hex and its process per offer target.
local P, C = KEYS[1], KEYS[2]
local peer, now, alive, want = ARGV[1], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])

local function parse (value)
  local owner, seeder, seen = string.match(value, '^(%S+) (%d) (%d+)$')
  return owner, seeder == '1', tonumber(seen)
end

local function drop (field, seeder)
  redis.call('HDEL', P, field)
  redis.call('HINCRBY', C, seeder and 'c' or 'i', -1)
end

local old = redis.call('HGET', P, peer)
local wasSeeder = false
if old then
  local _, s = parse(old)
  wasSeeder = s
end

local targets = {}
if ARGV[7] == '1' then
  if old then drop(peer, wasSeeder) end
else
  -- Once a seeder, always a seeder for this torrent, as the memory registry has it.
  local seeder = ARGV[3] == '1' or wasSeeder
  redis.call('HSET', P, peer, ARGV[2] .. (seeder and ' 1 ' or ' 0 ') .. now)
  if not old then
    redis.call('HINCRBY', C, seeder and 'c' or 'i', 1)
  elseif seeder and not wasSeeder then
    redis.call('HINCRBY', C, 'c', 1)
    redis.call('HINCRBY', C, 'i', -1)
  end
  redis.call('EXPIRE', P, ARGV[8])
  redis.call('EXPIRE', C, ARGV[8])
  if want > 0 then
    -- A few more than wanted: the announcer, seeders (for a seeder) and the silent are skipped.
    local picks = redis.call('HRANDFIELD', P, want + 8, 'WITHVALUES')
    for i = 1, #picks, 2 do
      if #targets >= 2 * want then break end
      local field = picks[i]
      if field ~= peer then
        local owner, s, seen = parse(picks[i + 1])
        if seen < alive then
          drop(field, s)
        elseif not (seeder and s) then
          targets[#targets + 1] = field
          targets[#targets + 1] = owner
        end
      end
    end
  end
end
local counts = redis.call('HMGET', C, 'c', 'i')
local reply = { tonumber(counts[1] or '0'), tonumber(counts[2] or '0') }
for i = 1, #targets do reply[#reply + 1] = targets[i] end
return reply
