import { ClientError } from '../bittorrent/client-error.ts'
import { EVENT_COMPLETED, type AnnounceRequest, type AnnounceResult, type PeerStore } from '../store/peer-store.ts'
import type { ClientFilter } from './client-filter.ts'
import type { Users } from './users.ts'

type Announce = (req: AnnounceRequest) => AnnounceResult | Promise<AnnounceResult>

/**
 * The store with its announce replaced; every other method goes straight to the store itself
 * (bound to it, so it runs at full speed).
 */
function withAnnounce<S extends PeerStore> (store: S, announce: Announce): S {
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

/** A store whose announces first pass the client filter. */
export function withClientFilter<S extends PeerStore> (store: S, filter: ClientFilter): S {
  return withAnnounce(store, req => {
    const refusal = filter.refusal(req.peerId)
    if (refusal !== null) throw new ClientError(refusal)
    return store.announce(req)
  })
}

/**
 * A store for a private tracker: an announce needs a member's valid passkey, and once the store
 * has taken it, the member is credited with its transfer.
 */
export function withPasskeys<S extends PeerStore> (store: S, users: Users): S {
  return withAnnounce(store, req => {
    const id = users.authenticate(req.passkey)
    const credit = (result: AnnounceResult): AnnounceResult => {
      users.account(id, req.infoHash, req.peerId, req.uploaded, req.downloaded, req.event === EVENT_COMPLETED)
      return result
    }
    const pending = store.announce(req)
    return pending instanceof Promise ? pending.then(credit) : credit(pending)
  })
}
