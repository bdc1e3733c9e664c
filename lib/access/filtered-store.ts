import { ClientError } from '../bittorrent/client-error.ts'
import type { AnnounceRequest, AnnounceResult, PeerStore } from '../store/peer-store.ts'
import type { ClientFilter } from './client-filter.ts'

/**
 * A store whose announces first pass the client filter; every other method goes straight to the
 * store itself (bound to it, so it runs at full speed).
 */
export function withClientFilter<S extends PeerStore> (store: S, filter: ClientFilter): S {
  const announce = (req: AnnounceRequest): AnnounceResult | Promise<AnnounceResult> => {
    const refusal = filter.refusal(req.peerId)
    if (refusal !== null) throw new ClientError(refusal)
    return store.announce(req)
  }
  const bound = new Map<PropertyKey, unknown>([['announce', announce]])
  return new Proxy(store, {
    get: (target, property) => {
      if (bound.has(property)) return bound.get(property)
      const value: unknown = Reflect.get(target, property)
      if (typeof value !== 'function') return value
      const method: unknown = value.bind(target)
      bound.set(property, method)
      return method
    }
  })
}
