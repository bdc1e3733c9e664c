import { constants } from 'node:fs'
import { access, copyFile, rename } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import fp from 'fastify-plugin'
import { removeLeftoverTemps, writeAtomic } from '../lib/state/atomic-write.ts'
import { FileTooLargeError, NotRegularFileError, readBounded } from '../lib/state/read-bounded.ts'
import type { Users } from '../lib/access/users.ts'
import type { PeerStore } from '../lib/store/peer-store.ts'
import { CorruptStateError } from '../lib/state/state-format.ts'
import { loadState, stateText } from '../lib/state/state-reader.ts'
import { serializeState, serializeStateAsync } from '../lib/state/state-writer.ts'
import { ConfigError } from './config.ts'

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
  store: PeerStore
  file: string
  /** Seconds between periodic saves; 0 for none. */
  interval: number
  /** Largest state file read at start, in bytes. */
  maxBytes: number
  /**
   * Set when the swarms live in a shared store, which keeps them itself: the file is imported
   * only when this says the store is new, saves are exports (periodic ones by the lease holder
   * alone), and there is no final save.
   */
  shared?: { claimImport: () => Promise<boolean> }
  /** A private tracker's members, saved and loaded with the swarms. */
  users?: Users
}

export default fp<Options>(async (fastify, { store, file: configured, interval, maxBytes, shared, users }) => {
  const file = resolve(configured)
  const log = fastify.log.child({ plugin: 'persistence', file })
  const status: StateStatus = { lastSave: null, lastError: null, blocked: null }

  const leftovers = await removeLeftoverTemps(file)
  if (leftovers.length > 0) log.warn({ removed: leftovers }, 'removed the temporary files of saves interrupted by a crash')
  if (shared === undefined || await shared.claimImport()) await load()
  else log.info('the shared store is already in use: the state file is not imported')

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
    // `running` is set before the first await: a save() arriving meanwhile must queue behind it.
    running = write()
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

  async function write (): Promise<SaveResult> {
    const started = performance.now()
    const totals = await store.totals()
    const torrents = store.snapshot()
    const members = users?.snapshot()
    const chunks = Symbol.asyncIterator in torrents ? serializeStateAsync(torrents, members) : serializeState(torrents, members)
    const bytes = await writeAtomic(file, chunks)
    return { file, bytes, torrents: totals.torrents, peers: totals.peers, durationMs: Math.round(performance.now() - started), savedAt: new Date().toISOString() }
  }

  async function load (): Promise<void> {
    let text: string
    try {
      text = stateText(await readBounded(file, maxBytes))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        log.info('no state file yet: starting empty')
        return
      }
      // Neither is damage to keep aside: a device or an oversized file is the operator's to fix.
      if (err instanceof NotRegularFileError) throw new ConfigError(`TRACKER_DATA_FILE: ${err.message}; point it at a regular file (or at a path that does not exist yet)`)
      if (err instanceof FileTooLargeError) throw new ConfigError(`TRACKER_DATA_FILE: ${err.message} (TRACKER_DATA_FILE_MAX_MB)`)
      log.error({ err }, 'the state file cannot be read')
      await keepAside(String((err as Error).message))
      return
    }
    try {
      const report = await loadState(text, store)
      if (users !== undefined && report.users !== undefined) {
        const members = users.restore(report.users)
        if (members.skipped > 0) {
          report.skipped += members.skipped
          report.reasons['user entry is not what the format says'] = members.skipped
        }
      }
      log.info({ torrents: report.torrents, peers: report.peers, expired: report.expired, users: users?.size, skipped: report.skipped }, 'state loaded')
      if (report.skipped > 0) await keepCopy(report.skipped, report.reasons)
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

  /**
   * Part of the file was dropped while loading: the next save would replace the only copy of
   * it, so one is kept beside it first, and saving is blocked if it cannot be.
   */
  async function keepCopy (skipped: number, reasons: Record<string, number>): Promise<void> {
    const copy = `${file}.skipped-${new Date().toISOString().replace(/[:.]/g, '-')}`
    try {
      await copyFile(file, copy, constants.COPYFILE_EXCL)
      log.warn({ file, copy, skipped, reasons }, `${skipped} entries of the state file were not what the format says and were dropped or reset; the original is kept as ${copy}`)
    } catch (err) {
      status.blocked = `${skipped} entries of the state file were dropped while loading and no copy of it could be kept (${(err as Error).message})`
      log.error({ err, file, skipped, reasons }, status.blocked)
    }
  }

  fastify.decorate('state', { save, status })

  if (interval > 0) {
    const timer = setInterval(() => {
      if (shared === undefined || fastify.leader()) save().catch(() => {})
    }, interval * 1000).unref()
    fastify.addHook('onClose', async () => clearInterval(timer))
  }
  // A failed final save fails the close, so the process exits non-zero and the operator sees it.
  fastify.addHook('onClose', async () => {
    if (status.blocked !== null || shared !== undefined) return
    await save()
  })
}, { name: 'persistence', dependencies: ['peer-store', 'shared-store'] })
