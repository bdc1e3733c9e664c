-- wrk script: announces over a pool of torrents and peers, with percent-encoded binary hashes.
-- Hashes come from the file named by HASHES (hex, one per line); SCRAPE=10 turns it into a
-- scrape of ten hashes per request; CLOSE=1 asks for a new connection per request.
local hashes = {}
local peersPerTorrent = 50

local function pct (hex)
  return (hex:gsub('..', function (b) return '%' .. b end))
end

function init (args)
  for line in io.lines(os.getenv('HASHES')) do hashes[#hashes + 1] = pct(line) end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  if os.getenv('CLOSE') == '1' then wrk.headers['Connection'] = 'close' end
end

local scrape = tonumber(os.getenv('SCRAPE') or '0')
-- A private tracker's member announces to /announce/<passkey>.
local path = os.getenv('ANNOUNCE_PATH') or '/announce'

function request ()
  if scrape > 0 then
    local q = {}
    for i = 1, scrape do q[i] = 'info_hash=' .. hashes[math.random(#hashes)] end
    return wrk.format('GET', '/scrape?' .. table.concat(q, '&'))
  end
  local t = math.random(#hashes)
  local p = math.random(peersPerTorrent)
  local peerId = string.format('-BM0001-%06d%06d', t, p)
  local left = (p % 3 == 0) and 0 or 1000
  local event = (math.random(4) == 1) and '&event=started' or ''
  return wrk.format('GET', path .. '?info_hash=' .. hashes[t] .. '&peer_id=' .. peerId ..
    '&port=' .. (10000 + p) .. '&uploaded=0&downloaded=0&left=' .. left .. '&compact=1&numwant=50' .. event)
end

function done (summary, latency, requests)
  io.write(string.format('{"requests":%d,"durationUs":%d,"errors":%d,"non2xx":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
