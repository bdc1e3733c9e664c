import { constants } from 'node:buffer'
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import sensible from '@fastify/sensible'
import { MemoryPeerStore } from './lib/store/memory/memory-peer-store.ts'
import adminRoutes from './routes/admin/index.ts'
import { parseDeclaredQuery } from './routes/query.ts'
import trackerRoutes from './routes/tracker/index.ts'
import clientAddress, { trustedProxies } from './plugins/client-address.ts'
import config, { loadConfig, unknownVariables } from './plugins/config.ts'
import metrics from './plugins/metrics.ts'
import peerStore from './plugins/peer-store.ts'
import { serverOptions } from './plugins/http-server.ts'
import persistence from './plugins/persistence.ts'
import requestCounters from './plugins/request-counters.ts'
import dashboardHistory from './plugins/dashboard-history.ts'
import access from './plugins/access.ts'
import sharedStore, { openRedisStore } from './plugins/shared-store.ts'
import { ClientFilter } from './lib/access/client-filter.ts'
import { withClientFilter, withPasskeys } from './lib/access/filtered-store.ts'
import { Users } from './lib/access/users.ts'
import udp from './plugins/udp.ts'
import websocket from './plugins/websocket.ts'
import { ConnectionIds } from './lib/udp/connection-id.ts'
import type { RedisPeerStore } from './lib/store/redis/redis-peer-store.ts'
import { RedisWsDirectory } from './lib/store/redis/ws-directory.ts'
import AjvCompiler from '@fastify/ajv-compiler'

export interface AppOptions {
  /** Replaces process.env; tests pass their own settings. */
  env?: Record<string, string | undefined>
  /** Read `.env` when present (the production entry point does; tests do not). */
  dotenv?: boolean
  /** Fastify's logger option; by default JSON lines at the configured level. */
  logger?: FastifyServerOptions['logger']
  /** Human-readable logs (pino-pretty), for a terminal. */
  prettyLogs?: boolean
  /** Seconds since the epoch for the swarms (peer expiry); tests move it instead of waiting. */
  clock?: () => number
  /** Called after POST /shutdown has answered; by default the app closes itself. */
  onShutdown?: (app: FastifyInstance) => void
  /** Milliseconds the shared store's lease lasts (TRACKER_STORE=redis); tests shorten it. */
  leaseMs?: number
  /** Milliseconds between the dashboard's samples (5 s); tests shorten it. */
  dashboardSampleMs?: number
}

/**
 * Builds the tracker, ready to listen. Throws ConfigError for a bad setting, StoreStartError
 * when the shared store cannot be used.
 */
// One pool of validator compilers for every app this process builds, so each route schema is
// compiled once: the tests build hundreds of apps.
const validatorCompilers = AjvCompiler()

export async function buildApp (options: AppOptions = {}): Promise<FastifyInstance> {
  const settings = loadConfig(options.env ?? process.env, options.dotenv ?? false)
  const proxies = trustedProxies(settings.TRACKER_TRUSTED_PROXIES)
  const app = Fastify({
    logger: options.logger ?? {
      level: settings.TRACKER_LOG_LEVEL,
      ...(options.prettyLogs === true ? { transport: { target: 'pino-pretty' } } : {})
    },
    // Per-request logs would drown the log at tracker volumes; admin routes log their own.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: proxies.list.length > 0 ? proxies.list : false,
    // Tracker routes read the raw query byte-exact (binary hashes): an object of every announce's
    // parameters would be built, at about a microsecond, only to be dropped. Routes whose schema
    // declares query parameters get them parsed (parseDeclaredQuery).
    routerOptions: { querystringParser: () => ({}) },
    return503OnClosing: true,
    ...serverOptions(settings),
    // Unknown body fields are a caller's mistake worth a 400, not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: { buildValidator: validatorCompilers } }
  })
  for (const { name, closest } of unknownVariables(options.env ?? process.env)) {
    app.log.warn({ variable: name, closest }, `${name} is not a setting of the tracker and is ignored${closest === null ? '' : `: did you mean ${closest}?`}`)
  }
  app.server.maxConnections = settings.TRACKER_MAX_CONNECTIONS
  app.addHook('onRoute', parseDeclaredQuery)
  let redisStore: RedisPeerStore | null = null
  if (settings.TRACKER_STORE === 'redis') {
    const opened = await openRedisStore(settings, options.clock)
    redisStore = opened.store
    for (const warning of opened.warnings) app.log.warn(warning)
  }
  const store = redisStore ?? new MemoryPeerStore({
    peerTimeout: settings.TRACKER_PEER_TIMEOUT,
    similarityThreshold: settings.TRACKER_HASH_SIMILARITY_THRESHOLD,
    now: options.clock,
    registeredOnly: settings.TRACKER_ACCESS !== 'open'
  })
  const users = settings.TRACKER_ACCESS === 'private' ? new Users(options.clock) : undefined
  const clients = new ClientFilter(settings.TRACKER_CLIENT_ALLOW, settings.TRACKER_CLIENT_DENY)
  const udpSecret = settings.TRACKER_UDP_SECRET
  const ids = new ConnectionIds(udpSecret === '' ? {} : { secret: Buffer.from(udpSecret, 'hex') })

  await app.register(config, { config: settings })
  await app.register(sensible)
  await app.register(requestCounters)
  await app.register(clientAddress, { trusted: proxies.list.length > 0 ? proxies.blocks : null })
  try {
    await app.register(sharedStore, { store: redisStore, ids, staticUdpSecret: udpSecret !== '', leaseMs: options.leaseMs })
  } catch (err) {
    redisStore?.redis.disconnect()
    throw err
  }
  // Front ends see the store through the client filter, when there is one.
  const filtered = clients.active ? withClientFilter(store, clients) : store
  await app.register(peerStore, { store: users === undefined ? filtered : withPasskeys(filtered, users) })
  // Before the routes and UDP, whose scrapes add the WebSocket peers it counts. WebSocket
  // announces do not pass the access rules yet: with a whitelist or members, they stay off.
  if (settings.TRACKER_WEBSOCKET && settings.TRACKER_ACCESS !== 'open') {
    app.log.warn(`WebSocket announces are off: TRACKER_ACCESS=${settings.TRACKER_ACCESS} is not applied to them yet`)
  }
  const directory = redisStore === null
    ? undefined
    : new RedisWsDirectory({ redis: redisStore.redis, prefix: redisStore.prefix, peerTimeout: settings.TRACKER_PEER_TIMEOUT, now: options.clock })
  await app.register(websocket, { clock: options.clock, enabled: settings.TRACKER_ACCESS === 'open', directory })
  await app.register(persistence, {
    store,
    file: settings.TRACKER_DATA_FILE,
    interval: settings.TRACKER_SAVE_INTERVAL,
    // A file is loaded as one string: V8's longest is a few bytes short of 512 MiB.
    maxBytes: Math.min(settings.TRACKER_DATA_FILE_MAX_MB * 1024 * 1024, constants.MAX_STRING_LENGTH),
    // The first process on an empty Redis imports the file; the others find swarms there.
    shared: redisStore === null
      ? undefined
      : { claimImport: async () => await redisStore.redis.set(`${redisStore.prefix}initialized`, new Date().toISOString(), 'NX') === 'OK' },
    users
  })
  // After the state is loaded: the file's list is applied over it.
  await app.register(access, { store, file: settings.TRACKER_WHITELIST_FILE, users })
  // Before the tracker routes: it hooks the announce and scrape routes as they are added.
  await app.register(metrics)
  await app.register(dashboardHistory, { sampleMs: options.dashboardSampleMs })
  // After persistence: closes first, so no UDP announce lands after the final save.
  await app.register(udp, { ids })
  await app.register(trackerRoutes)
  const onShutdown = options.onShutdown ?? ((a: FastifyInstance) => { a.close().catch(err => a.log.error({ err }, 'close failed')) })
  await app.register(adminRoutes, { onShutdown: () => onShutdown(app) })
  return app
}
