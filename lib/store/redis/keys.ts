/**
 * Key names of the Redis store. Every key of a torrent, and of its group, carries the hash tag
 * `{xx}`: the first two hex digits of the info hash. A swarm, its group's totals, torrent index,
 * aliases and similarity signatures then sit in one Redis Cluster slot, so a script can update
 * them together; and similar hashes (equal in their first ten digits) share a group.
 */
export const GROUPS = 256

export function groupTag (hex: string): string {
  return hex.slice(0, 2)
}

/** The group's tag by number, 0 to 255. */
export function groupName (group: number): string {
  return group.toString(16).padStart(2, '0')
}

/** The seven keys every swarm script declares, in the order the scripts read them. */
export function swarmKeys (prefix: string, hex: string): string[] {
  const g = `${prefix}{${groupTag(hex)}}:`
  const t = g + hex
  return [`${t}:r`, `${t}:e4`, `${t}:t4`, `${t}:e6`, `${t}:t6`, `${g}g`, `${g}ids`]
}

export function groupKeys (prefix: string, group: string): { hash: string, ids: string } {
  return { hash: `${prefix}{${group}}:g`, ids: `${prefix}{${group}}:ids` }
}
