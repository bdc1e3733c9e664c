import fp from 'fastify-plugin'
import type { MemoryPeerStore } from '../lib/store/memory/memory-peer-store.ts'
import type { PeerStore } from '../lib/store/peer-store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The swarms, behind the one interface every protocol front end uses. */
    peers: PeerStore
  }
}

/** Swarms swept per tick by the background expiry, which walks all torrents a slice at a time. */
const SWEEP_BUDGET = 5000

export default fp<{ store: MemoryPeerStore }>(async (fastify, { store }) => {
  fastify.decorate('peers', store)
  const timer = setInterval(() => store.sweepStep(SWEEP_BUDGET), 1000).unref()
  fastify.addHook('onClose', async () => clearInterval(timer))
}, { name: 'peer-store' })
