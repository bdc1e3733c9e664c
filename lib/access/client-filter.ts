/**
 * Which clients may announce, by the prefix of their peer id (`-qB`, `-TR2`, `-lt0D`: the
 * Azureus-style client code and version), as TRACKER_CLIENT_ALLOW and TRACKER_CLIENT_DENY list
 * them. A denied prefix wins; with an allow list, a peer id must match one of it.
 */
export class ClientFilter {
  private readonly allow: Buffer[]
  private readonly deny: Buffer[]

  constructor (allow: string, deny: string) {
    this.allow = prefixes(allow)
    this.deny = prefixes(deny)
  }

  /** Whether anything is filtered at all. */
  get active (): boolean {
    return this.allow.length > 0 || this.deny.length > 0
  }

  /** Why this peer id may not announce, or null if it may. */
  refusal (peerId: Uint8Array): string | null {
    if (this.deny.some(p => startsWith(peerId, p))) return 'client not allowed on this tracker'
    if (this.allow.length > 0 && !this.allow.some(p => startsWith(peerId, p))) return 'client not allowed on this tracker'
    return null
  }
}

function prefixes (list: string): Buffer[] {
  return list.split(',').map(p => p.trim()).filter(p => p !== '').map(p => Buffer.from(p, 'latin1'))
}

// Past the end of a shorter peer id, peerId[i] is undefined and matches no byte.
function startsWith (peerId: Uint8Array, prefix: Buffer): boolean {
  for (let i = 0; i < prefix.length; i++) if (peerId[i] !== prefix[i]) return false
  return true
}
