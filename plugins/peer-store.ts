import fp from 'fastify-plugin'
import type { PeerStore } from '../lib/store/peer-store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The swarms, behind the one interface every protocol front end uses. */
    peers: PeerStore
  }
}

/** Swarms swept per tick by the background expiry, which walks all torrents a slice at a time. */
const SWEEP_BUDGET = 5000

/** A store whose idle swarms are swept a slice at a time. */
export interface SweptStore extends PeerStore {
  sweepStep: (budget: number) => void | Promise<void>
}

export default fp<{ store: SweptStore }>(async (fastify, { store }) => {
  fastify.decorate('peers', store)
  const log = fastify.log.child({ plugin: 'peer-store' })
  let sweeping = false
  // With a shared store one process sweeps for all (fastify.leader); a slow sweep is not stacked.
  const timer = setInterval(() => {
    if (sweeping || !fastify.leader()) return
    const pending = store.sweepStep(SWEEP_BUDGET)
    if (!(pending instanceof Promise)) return
    sweeping = true
    pending.catch((err: unknown) => log.warn({ err }, 'sweep failed')).finally(() => { sweeping = false })
  }, 1000).unref()
  fastify.addHook('onClose', async () => clearInterval(timer))
}, { name: 'peer-store', dependencies: ['shared-store'] })
