/** FNV-1a over a byte range: the hash for endpoints, info hashes and client keys (a 32-bit int). */
export function hashBytes (buf: Uint8Array, start: number, end: number, seed = 0x811c9dc5): number {
  let h = seed
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193)
  return h | 0
}
