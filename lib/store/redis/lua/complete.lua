-- Counts a finished download seen by a front end that keeps its peers itself (WebSocket). KEYS as
-- every swarm script (1, 6 and 7 are touched). ARGV: info hash (hex), now, similarity on (1/0),
-- registered torrents only (1/0). Reply: '' when counted; '-' when the hash is not a registered
-- torrent (whitelist) and nothing was counted; else the hash of the torrent serving this one (an
-- alias, or a similar hash), where the caller counts it instead.
local hex, now, similar = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'
if call('EXISTS', R) == 0 then
  if ARGV[4] == '1' then return '-' end
  local target = call('HGET', G, 'a:' .. hex)
  if not target and similar then target = call('HGET', G, 's:' .. signature(hex)) end
  if target then return target end
  create(hex, now, similar)
elseif ARGV[4] == '1' and call('HEXISTS', R, '#i') == 0 then
  return '-'
end
call('HINCRBY', R, '#c', 1)
D.completed = D.completed + 1
finish()
return ''
