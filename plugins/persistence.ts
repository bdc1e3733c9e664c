import { constants } from 'node:fs'
import { access, readFile, rename } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import fp from 'fastify-plugin'
import { writeAtomic } from '../lib/atomic-write.ts'
import type { MemoryPeerStore } from '../lib/memory-peer-store.ts'
import { CorruptStateError, loadState, serializeState, stateText } from '../lib/state-file.ts'

export interface SaveResult {
  file: string
  bytes: number
  torrents: number
  peers: number
  durationMs: number
  savedAt: string
}

export interface StateStatus {
  lastSave: SaveResult | null
  lastError: string | null
  /** Set when the file at start could not be read or moved aside: saving would destroy it. */
  blocked: string | null
}

declare module 'fastify' {
  interface FastifyInstance {
    state: {
      save: () => Promise<SaveResult>
      status: StateStatus
    }
  }
}

interface Options {
  store: MemoryPeerStore
  file: string
  /** Seconds between periodic saves; 0 for none. */
  interval: number
}

export default fp<Options>(async (fastify, { store, file: configured, interval }) => {
  const file = resolve(configured)
  const log = fastify.log.child({ plugin: 'persistence', file })
  const status: StateStatus = { lastSave: null, lastError: null, blocked: null }

  await load()

  try {
    await access(dirname(file), constants.W_OK)
  } catch (err) {
    log.error({ err }, 'the state file location is not writable: state will not be saved')
  }

  let running: Promise<SaveResult> | null = null
  let queued: Promise<SaveResult> | null = null

  /** One save at a time; callers arriving during a save share the next one. */
  async function save (): Promise<SaveResult> {
    if (queued !== null) return await queued
    if (running !== null) {
      const next = running.catch(() => {}).then(async () => {
        queued = null
        return await run()
      })
      queued = next
      return await next
    }
    return await run()
  }

  async function run (): Promise<SaveResult> {
    if (status.blocked !== null) throw new Error(`not saving: ${status.blocked}`)
    const started = performance.now()
    const totals = store.totals()
    running = writeAtomic(file, serializeState(store)).then(bytes => ({
      file,
      bytes,
      torrents: totals.torrents,
      peers: totals.peers,
      durationMs: Math.round(performance.now() - started),
      savedAt: new Date().toISOString()
    }))
    try {
      const result = await running
      status.lastSave = result
      status.lastError = null
      log.info({ bytes: result.bytes, torrents: result.torrents, peers: result.peers, durationMs: result.durationMs }, 'state saved')
      return result
    } catch (err) {
      status.lastError = (err as Error).message
      log.error({ err }, 'state save failed')
      throw err
    } finally {
      running = null
    }
  }

  async function load (): Promise<void> {
    let text: string
    try {
      text = stateText(await readFile(file))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        log.info('no state file yet: starting empty')
        return
      }
      log.error({ err }, 'the state file cannot be read')
      await keepAside(String((err as Error).message))
      return
    }
    try {
      const report = loadState(text, store)
      log.info(report, 'state loaded')
    } catch (err) {
      if (!(err instanceof CorruptStateError)) throw err
      log.error({ err }, 'the state file is corrupt')
      await keepAside(err.message)
    }
  }

  /** Moves an unusable file out of the way, or refuses to save over it if it cannot. */
  async function keepAside (reason: string): Promise<void> {
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
    try {
      await rename(file, aside)
      log.error({ aside, reason }, 'the unusable state file was moved aside: starting empty')
    } catch (err) {
      status.blocked = `the state file could not be read (${reason}) nor moved aside (${(err as Error).message})`
      log.error({ err }, status.blocked)
    }
  }

  fastify.decorate('state', { save, status })

  if (interval > 0) {
    const timer = setInterval(() => { save().catch(() => {}) }, interval * 1000).unref()
    fastify.addHook('onClose', async () => clearInterval(timer))
  }
  // A failed final save fails the close, so the process exits non-zero and the operator sees it.
  fastify.addHook('onClose', async () => {
    if (status.blocked !== null) return
    await save()
  })
}, { name: 'persistence', dependencies: ['peer-store'] })
