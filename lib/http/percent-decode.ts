import { ClientError } from '../bittorrent/client-error.ts'

function hexValue (code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  if (code >= 65 && code <= 70) return code - 55
  return -1
}

/**
 * Decodes `s[start, end)` of a raw query string into bytes, byte-exact: `%XX` becomes one byte,
 * every other character stands for itself (a literal `+` stays 0x2B, as BitTorrent clients
 * mean it; form decoding would turn it into a space and corrupt binary hashes).
 */
export function percentDecode (s: string, start: number, end: number, name: string): Buffer {
  let length = 0
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === 37) i += 2
    length++
  }
  const out = Buffer.allocUnsafe(length)
  let o = 0
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c === 37) {
      const hi = hexValue(s.charCodeAt(i + 1))
      const lo = hexValue(s.charCodeAt(i + 2))
      if (hi < 0 || lo < 0 || i + 2 >= end) throw new ClientError(`invalid percent-encoding in ${name}`)
      out[o++] = (hi << 4) | lo
      i += 2
    } else if (c > 0xff) {
      throw new ClientError(`invalid character in ${name}`)
    } else {
      out[o++] = c
    }
  }
  return out
}

/** A non-negative decimal integer, or a ClientError naming the parameter. */
export function parseUint (s: string, start: number, end: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (start === end) throw new ClientError(`${name} is empty`)
  if (end - start > 16) throw new ClientError(`${name} is too large`)
  let n = 0
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) {
      throw new ClientError(s.charCodeAt(start) === 45 ? `${name} must not be negative` : `${name} is not a number`)
    }
    n = n * 10 + d
  }
  if (n > max) throw new ClientError(`${name} is too large (at most ${max})`)
  return n
}
