import { createHash, randomBytes } from 'node:crypto'
import { ClientError } from '../bittorrent/client-error.ts'

/** One member of a private tracker, as the admin API shows it (never with the passkey). */
export interface UserFigures {
  id: string
  name: string
  created_at: number
  /** Seconds since the epoch after which the passkey is refused; null: never. */
  expires_at: number | null
  revoked: boolean
  uploaded: number
  downloaded: number
  completed: number
}

export interface UserTorrentFigures {
  info_hash: string
  uploaded: number
  downloaded: number
  completed: number
}

interface User extends UserFigures {
  /** SHA-256 of the passkey: the key itself is shown once, at creation or rotation. */
  digest: string
  /** By info hash as a binary string (latin1): what an announce has at hand. */
  torrents: Map<string, UserTorrentFigures>
}

/** The running totals a client last reported, per user, torrent and peer id. */
interface Reported { uploaded: number, downloaded: number, seen: number }

/** What the state file keeps of the users. */
export interface UsersSnapshot {
  [id: string]: Omit<UserFigures, 'id'> & { digest: string, torrents: UserTorrentFigures[] }
}

/** Passkeys remembered by authenticate; past this, the memory starts over. */
const RECENT_MAX = 100_000
/** 24 random bytes, 32 URL-safe characters: 192 bits. */
const PASSKEY_BYTES = 24
const digestOf = (passkey: string): string => createHash('sha256').update(passkey).digest('hex')

/**
 * The members of a private tracker: their passkeys (kept as SHA-256 digests, so a copy of the
 * state file lets nobody announce as them) and their transfer figures. Clients report running
 * totals for their session; a member is credited with what changed since that client's previous
 * announce, and a total that went down (the client restarted) counts from zero, never negative.
 */
export class Users {
  private readonly byId = new Map<string, User>()
  private readonly byDigest = new Map<string, User>()
  private readonly reported = new Map<string, Reported>()
  /**
   * Passkeys seen lately, to their member: a digest per announce would cost more than the rest
   * of the check. Emptied on every rotation and revocation.
   */
  private readonly recent = new Map<string, User>()

  constructor (readonly now: () => number = () => Math.floor(Date.now() / 1000)) {}

  get size (): number {
    return this.byId.size
  }

  /** A new member and its passkey (shown this once). */
  create (name: string, expiresAt: number | null): { user: UserFigures, passkey: string } {
    const id = randomBytes(8).toString('hex')
    const passkey = randomBytes(PASSKEY_BYTES).toString('base64url')
    const user: User = { id, name, created_at: this.now(), expires_at: expiresAt, revoked: false, uploaded: 0, downloaded: 0, completed: 0, digest: digestOf(passkey), torrents: new Map() }
    this.byId.set(id, user)
    this.byDigest.set(user.digest, user)
    return { user: figures(user), passkey }
  }

  /** The member this passkey belongs to; a ClientError saying why when it cannot announce. */
  authenticate (passkey: string | undefined): string {
    if (passkey === undefined || passkey === '') throw new ClientError('passkey required: announce to /announce/<your passkey>')
    let user = this.recent.get(passkey)
    // Stryker disable next-line ConditionalExpression: skipping the memory of recent passkeys changes speed only
    if (user === undefined) {
      user = this.byDigest.get(digestOf(passkey))
      if (user === undefined) throw new ClientError('unknown passkey')
      // Stryker disable next-line ConditionalExpression,EqualityOperator: where the memory starts over changes only its size, which the API does not show
      if (this.recent.size >= RECENT_MAX) this.recent.clear()
      this.recent.set(passkey, user)
    }
    if (user.revoked) throw new ClientError('passkey revoked')
    if (user.expires_at !== null && this.now() >= user.expires_at) throw new ClientError('passkey expired')
    return user.id
  }

  /** Credits an announce: what the totals grew by since this client's last one, and a completion. */
  account (id: string, infoHash: Uint8Array, peerId: Uint8Array, uploaded: number, downloaded: number, completed: boolean): void {
    const user = this.byId.get(id)
    if (user === undefined) return
    // Binary strings: half the length of hex, and no hex made on the announce path.
    const torrentKey = Buffer.from(infoHash.buffer, infoHash.byteOffset, infoHash.byteLength).toString('latin1')
    const key = id + torrentKey + Buffer.from(peerId.buffer, peerId.byteOffset, peerId.byteLength).toString('latin1')
    const last = this.reported.get(key)
    let up = 0
    let down = 0
    if (last === undefined) {
      this.reported.set(key, { uploaded, downloaded, seen: this.now() })
    } else {
      up = delta(uploaded, last.uploaded)
      down = delta(downloaded, last.downloaded)
      last.uploaded = uploaded
      last.downloaded = downloaded
      last.seen = this.now()
    }
    let torrent = user.torrents.get(torrentKey)
    if (torrent === undefined) {
      torrent = { info_hash: Buffer.from(torrentKey, 'latin1').toString('hex'), uploaded: 0, downloaded: 0, completed: 0 }
      user.torrents.set(torrentKey, torrent)
    }
    torrent.uploaded += up
    torrent.downloaded += down
    user.uploaded += up
    user.downloaded += down
    if (completed && torrent.completed === 0) {
      torrent.completed = 1
      user.completed++
    }
  }

  /** Forgets the reported totals of clients silent since before `cutoff` (they start over). */
  prune (cutoff: number): void {
    for (const [key, r] of this.reported) if (r.seen < cutoff) this.reported.delete(key)
  }

  revoke (id: string): boolean {
    const user = this.byId.get(id)
    if (user === undefined) return false
    user.revoked = true
    this.recent.clear()
    return true
  }

  /** A new passkey for the member; the old one stops working at once. */
  rotate (id: string): string | null {
    const user = this.byId.get(id)
    if (user === undefined) return null
    const passkey = randomBytes(PASSKEY_BYTES).toString('base64url')
    this.byDigest.delete(user.digest)
    user.digest = digestOf(passkey)
    this.byDigest.set(user.digest, user)
    this.recent.clear()
    return passkey
  }

  get (id: string): (UserFigures & { torrents: UserTorrentFigures[] }) | null {
    const user = this.byId.get(id)
    return user === undefined ? null : { ...figures(user), torrents: [...user.torrents.values()].map(t => ({ ...t })) }
  }

  list (): UserFigures[] {
    return [...this.byId.values()].map(figures)
  }

  /** The `limit` members with most of `by`. */
  top (by: 'uploaded' | 'downloaded' | 'completed', limit: number): UserFigures[] {
    return this.list().sort((a, b) => b[by] - a[by]).slice(0, limit)
  }

  snapshot (): UsersSnapshot {
    const out: UsersSnapshot = {}
    for (const user of this.byId.values()) {
      const { id, torrents, ...rest } = user
      out[id] = { ...rest, torrents: [...torrents.values()] }
    }
    return out
  }

  /** Takes the users of a state file; entries that are not what the format says are skipped and counted. */
  restore (saved: unknown): { users: number, skipped: number } {
    const result = { users: 0, skipped: 0 }
    if (typeof saved !== 'object' || saved === null) return result
    for (const [id, raw] of Object.entries(saved as Record<string, unknown>)) {
      const u = raw as Record<string, unknown>
      const valid = typeof u === 'object' && u !== null && /^[0-9a-f]{16}$/.test(id) && typeof u.digest === 'string' && /^[0-9a-f]{64}$/.test(u.digest) &&
        typeof u.name === 'string' && isCount(u.created_at) && (u.expires_at === null || isCount(u.expires_at)) && typeof u.revoked === 'boolean' &&
        isCount(u.uploaded) && isCount(u.downloaded) && isCount(u.completed) && Array.isArray(u.torrents)
      if (!valid) {
        result.skipped++
        continue
      }
      const torrents = new Map<string, UserTorrentFigures>()
      for (const t of u.torrents as Array<Record<string, unknown>>) {
        if (typeof t?.info_hash === 'string' && /^[0-9a-f]{40}$/.test(t.info_hash) && isCount(t.uploaded) && isCount(t.downloaded) && isCount(t.completed)) {
          torrents.set(Buffer.from(t.info_hash, 'hex').toString('latin1'), { info_hash: t.info_hash, uploaded: t.uploaded, downloaded: t.downloaded, completed: t.completed })
        } else result.skipped++
      }
      const user: User = {
        id,
        name: u.name as string,
        created_at: u.created_at as number,
        expires_at: u.expires_at as number | null,
        revoked: u.revoked as boolean,
        uploaded: u.uploaded as number,
        downloaded: u.downloaded as number,
        completed: u.completed as number,
        digest: u.digest as string,
        torrents
      }
      const existing = this.byId.get(id)
      if (existing !== undefined) this.byDigest.delete(existing.digest)
      this.recent.clear()
      this.byId.set(id, user)
      this.byDigest.set(user.digest, user)
      result.users++
    }
    return result
  }
}

function figures (u: User): UserFigures {
  return { id: u.id, name: u.name, created_at: u.created_at, expires_at: u.expires_at, revoked: u.revoked, uploaded: u.uploaded, downloaded: u.downloaded, completed: u.completed }
}

/** What a running total grew by; a total below the last one is a new session counting from zero. */
function delta (current: number, last: number): number {
  return current >= last ? current - last : current
}

function isCount (v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0
}
