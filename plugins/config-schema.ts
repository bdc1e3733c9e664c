import { Type, type Static } from '@sinclair/typebox'

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
type LogLevel = typeof logLevels[number]

/**
 * Every setting the tracker reads from the environment, with its default. The type of
 * `fastify.config` is derived from this schema, and `.env.example` and the README list the same
 * variables (a test holds them to it).
 */
export const configSchema = Type.Object({
  TRACKER_IP: Type.String({ default: '0.0.0.0', description: 'Address to listen on (`::` for IPv4 and IPv6).' }),
  TRACKER_PORT: Type.Integer({ default: 6969, minimum: 0, maximum: 65535, description: 'HTTP port.' }),
  TRACKER_UDP_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'UDP tracker port (BEP 15), on the HTTP address; unset: the port HTTP listens on; 0 turns UDP off.' })),
  TRACKER_DATA_FILE: Type.String({ default: 'tracker_state.json', minLength: 1, description: 'State file (JSON), written atomically.' }),
  TRACKER_DATA_FILE_MAX_MB: Type.Integer({ default: 512, minimum: 1, maximum: 512, description: 'Largest state file read at start, in MiB (512, about 2.8 million peers, is also the most a JSON text can hold); a larger file stops the start.' }),
  TRACKER_PEER_TIMEOUT: Type.Integer({ default: 1800, minimum: 1, description: 'Seconds of silence after which a peer is dropped.' }),
  TRACKER_HASH_SIMILARITY_THRESHOLD: Type.Number({ default: 0.95, minimum: 0, maximum: 1, description: 'Similarity at which an unknown info hash becomes an alias of a known one; 0 turns matching off.' }),
  TRACKER_SAVE_INTERVAL: Type.Integer({ default: 300, minimum: 0, description: 'Seconds between periodic state saves; 0 turns them off.' }),
  TRACKER_ANNOUNCE_INTERVAL: Type.Integer({ default: 900, minimum: 1, description: 'Seconds clients are asked to wait between announces (`interval`).' }),
  TRACKER_MIN_INTERVAL: Type.Integer({ default: 300, minimum: 1, description: 'Seconds clients must wait at least (`min interval`).' }),
  TRACKER_NUMWANT_DEFAULT: Type.Integer({ default: 50, minimum: 0, description: 'Peers per reply when the client does not say.' }),
  TRACKER_NUMWANT_MAX: Type.Integer({ default: 200, minimum: 0, description: 'Most peers per reply, whatever the client asks.' }),
  TRACKER_SCRAPE_MAX: Type.Integer({ default: 64, minimum: 1, description: 'Most info hashes in one scrape.' }),
  TRACKER_FULL_SCRAPE: Type.Boolean({ default: false, description: 'Answer a scrape without info_hash with every torrent.' }),
  TRACKER_ALLOW_IP_PARAM: Type.Boolean({ default: false, description: 'Honour the `ip`/`ipv4`/`ipv6` announce parameters instead of the connection address.' }),
  TRACKER_TRUSTED_PROXIES: Type.String({ default: '', description: 'Comma-separated proxy addresses or CIDRs whose X-Forwarded-For / X-Real-IP is believed.' }),
  TRACKER_ADMIN_TOKEN: Type.String({ default: '', description: 'Bearer token for admin routes; empty: admin routes answer loopback callers only.' }),
  TRACKER_STATS_PUBLIC: Type.Boolean({ default: true, description: 'Let anyone read /stats; false applies the admin rule to it.' }),
  TRACKER_MAX_CONNECTIONS: Type.Integer({ default: 10000, minimum: 1, description: 'Most HTTP connections open at once; more are closed as they arrive.' }),
  TRACKER_HEADERS_TIMEOUT: Type.Integer({ default: 10, minimum: 1, description: 'Seconds a client has to send a request line and headers (a slow client is cut off with 408).' }),
  TRACKER_REQUEST_TIMEOUT: Type.Integer({ default: 30, minimum: 1, description: 'Seconds a client has to send a whole request, body included; at least TRACKER_HEADERS_TIMEOUT.' }),
  TRACKER_KEEPALIVE_TIMEOUT: Type.Integer({ default: 72, minimum: 1, description: 'Seconds an idle keep-alive connection stays open; keep it above a proxy\'s upstream idle timeout (nginx example: 60).' }),
  TRACKER_SHUTDOWN_TIMEOUT: Type.Integer({ default: 60, minimum: 1, description: 'Seconds a graceful stop (final save included) may take before the process exits anyway.' }),
  TRACKER_ACCESS: Type.Unsafe<'open' | 'whitelist' | 'private'>({ type: 'string', enum: ['open', 'whitelist', 'private'], default: 'open', description: '`open`: any info hash is tracked; `whitelist`: registered torrents only (POST /add_torrent_info, TRACKER_WHITELIST_FILE), any other is refused; `private`: whitelist, and members announce with their passkey.' }),
  TRACKER_WHITELIST_FILE: Type.String({ default: '', description: 'Info hashes (hex, one a line) registered from a file, re-read on SIGHUP; those dropped from it are unregistered.' }),
  TRACKER_CLIENT_ALLOW: Type.String({ default: '', description: 'Comma-separated peer-id prefixes (e.g. `-qB,-TR,-lt`) of the only clients allowed to announce; empty: all.' }),
  TRACKER_CLIENT_DENY: Type.String({ default: '', description: 'Comma-separated peer-id prefixes of clients refused; wins over TRACKER_CLIENT_ALLOW.' }),
  TRACKER_STORE: Type.Unsafe<'memory' | 'redis'>({ type: 'string', enum: ['memory', 'redis'], default: 'memory', description: 'Where swarms live: `memory` (this process) or `redis` (shared by every tracker process using the same Redis).' }),
  TRACKER_REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379', description: 'Redis or Valkey for TRACKER_STORE=redis: `redis://[user:password@]host:port[/db]`, `rediss://` for TLS, `redis-cluster://host:port,host:port` for Redis Cluster seed nodes.' }),
  TRACKER_REDIS_PREFIX: Type.String({ default: 'trk:', description: 'Prefix of every Redis key, so several trackers can share one Redis.' }),
  TRACKER_REDIS_TIMEOUT: Type.Integer({ default: 1000, minimum: 10, description: 'Milliseconds a Redis command may take before the announce waiting on it gets a failure.' }),
  TRACKER_UDP_SECRET: Type.String({ default: '', pattern: '^([0-9a-fA-F]{32})?$', description: 'UDP connection-id key, 32 hex digits, the same on every instance; empty: random per process, or shared and rotated through Redis with TRACKER_STORE=redis.' }),
  TRACKER_WORKERS: Type.String({ default: '1', pattern: '^([1-9][0-9]*|auto)$', description: 'Worker processes sharing the HTTP and UDP ports (`auto`: one per core); more than 1 needs TRACKER_STORE=redis.' }),
  TRACKER_WEBSOCKET: Type.Boolean({ default: true, description: 'Serve WebTorrent peers (browsers) over WebSocket at `ws://host:TRACKER_PORT/announce` (and `/`).' }),
  TRACKER_WS_MAX_CONNECTIONS: Type.Integer({ default: 10000, minimum: 1, description: 'Most WebSocket connections open at once; more are refused with HTTP 503 before the upgrade.' }),
  TRACKER_WS_MAX_PER_ADDRESS: Type.Integer({ default: 32, minimum: 1, description: 'Most WebSocket connections open at once from one client address; more are refused with HTTP 429.' }),
  TRACKER_WS_MESSAGES_PER_SECOND: Type.Integer({ default: 20, minimum: 1, description: 'Most messages (announces, answers, scrapes) one WebSocket connection may send per second; more are answered with a failure, and the connection is closed if it keeps on.' }),
  TRACKER_WS_PING_INTERVAL: Type.Integer({ default: 30, minimum: 1, description: 'Seconds between pings of each WebSocket connection; one that has not answered the previous ping is closed.' }),
  TRACKER_LOG_LEVEL: Type.Unsafe<LogLevel>({ type: 'string', enum: logLevels, default: 'info', description: 'Log level (fatal, error, warn, info, debug, trace, silent).' })
}, { additionalProperties: false })

export type TrackerConfig = Static<typeof configSchema>
