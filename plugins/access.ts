import fp from 'fastify-plugin'
import { readWhitelist } from '../lib/access/whitelist-file.ts'
import type { Users } from '../lib/access/users.ts'
import type { PeerStore } from '../lib/store/peer-store.ts'
import { ConfigError } from './config.ts'

declare module 'fastify' {
  interface FastifyInstance {
    access: {
      /** Re-reads TRACKER_WHITELIST_FILE (bin/tracker calls it on SIGHUP); false if it could not. */
      reload: () => Promise<boolean>
      /** A private tracker's members (TRACKER_ACCESS=private); null otherwise. */
      users: Users | null
    }
  }
}

/**
 * TRACKER_WHITELIST_FILE: its hashes are registered torrents, as if given to /add_torrent_info
 * (without metadata), and a hash taken out of it is unregistered on the next reload. A file
 * that cannot be read stops the start (a configuration mistake); on a reload, the list in use
 * stays and the error is logged.
 */
export default fp<{ store: PeerStore, file: string, users?: Users }>(async (fastify, { store, file, users }) => {
  const log = fastify.log.child({ plugin: 'access' })
  let listed = new Set<string>()

  async function apply (): Promise<void> {
    const { hashes, invalid } = await readWhitelist(file)
    if (invalid.length > 0) log.warn({ file, lines: invalid.slice(0, 20), count: invalid.length }, 'lines of the whitelist file that are not info hashes were skipped')
    let added = 0
    let removed = 0
    for (const hex of hashes) {
      if (listed.has(hex)) continue
      await store.setInfo(hex, {})
      added++
    }
    for (const hex of listed) {
      if (hashes.has(hex)) continue
      if (await store.remove(hex)) removed++
    }
    listed = hashes
    log.info({ file, torrents: hashes.size, added, removed }, 'whitelist file read')
  }

  if (users !== undefined) {
    // A client silent for a peer timeout has left: its next session starts its totals from zero.
    const timer = setInterval(() => users.prune(users.now() - fastify.config.TRACKER_PEER_TIMEOUT), 60_000).unref()
    fastify.addHook('onClose', async () => clearInterval(timer))
  }
  fastify.decorate('access', {
    users: users ?? null,
    reload: async () => {
      if (file === '') return false
      try {
        await apply()
        return true
      } catch (err) {
        log.error({ err, file }, 'the whitelist file could not be read: the list in use stays')
        return false
      }
    }
  })
  if (file === '') return
  try {
    await apply()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === undefined) throw err
    throw new ConfigError(`TRACKER_WHITELIST_FILE: ${(err as Error).message}`)
  }
}, { name: 'access', dependencies: ['persistence'] })
