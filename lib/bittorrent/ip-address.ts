import { isIPv4, isIPv6 } from 'node:net'

/**
 * Textual IP address to its network bytes: 4 for IPv4, 16 for IPv6. IPv4-mapped IPv6
 * addresses (`::ffff:1.2.3.4`, what a dual-stack socket reports for IPv4 clients) become the
 * 4-byte IPv4 form so that one peer has one identity whichever socket it came through.
 */
export function parseIp (text: string): Buffer | null {
  const v4 = parseIPv4(text)
  if (v4 !== null) return v4
  if (!isIPv6(text)) return null
  const bytes = parseIPv6(text)
  if (isMappedIPv4(bytes)) return bytes.subarray(12)
  return bytes
}

/**
 * Dotted-quad IPv4 (four decimal parts, 0 to 255, no leading zeros: what net.isIPv4 accepts),
 * or null. By hand: it runs for every UDP datagram and every restored peer, and isIPv4's
 * regular expression cost more than the rest of the parse.
 */
function parseIPv4 (text: string): Buffer | null {
  const n = text.length
  if (n < 7 || n > 15) return null
  const out = Buffer.allocUnsafe(4)
  let part = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 46 : text.charCodeAt(i)
    if (c === 46) {
      if (digits === 0 || part === 4) return null
      out[part++] = value
      value = 0
      digits = 0
      continue
    }
    const d = c - 48
    if (d < 0 || d > 9 || (digits > 0 && value === 0)) return null
    value = value * 10 + d
    if (value > 255) return null
    digits++
  }
  return part === 4 ? out : null
}

function parseIPv6 (text: string): Buffer {
  const out = Buffer.alloc(16)
  const zone = text.indexOf('%')
  if (zone !== -1) text = text.slice(0, zone)
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const headGroups = groups(head)
  headGroups.forEach((g, i) => writeGroup(out, i * 2, g))
  if (tail !== undefined) {
    const tailGroups = groups(tail)
    const at = 16 - tailGroups.length * 2
    tailGroups.forEach((g, i) => writeGroup(out, at + i * 2, g))
  }
  return out
}

/** Splits hex groups, turning a trailing dotted IPv4 part into its two 16-bit groups. */
function groups (part: string): string[] {
  // Stryker disable next-line StringLiteral,ArrayDeclaration: [''] and any non-hex word parse as NaN, written as a zero group where the group is zero anyway
  if (part === '') return []
  const list = part.split(':')
  const last = list[list.length - 1]
  if (last.includes('.')) {
    const v4 = parseIPv4(last)
    // isIPv6 accepted the address, dotted tail included.
    if (v4 === null) throw new TypeError(`not an IPv6 address: ${part}`)
    list.splice(list.length - 1, 1, v4.readUInt16BE(0).toString(16), v4.readUInt16BE(2).toString(16))
  }
  return list
}

function writeGroup (out: Buffer, at: number, group: string): void {
  out.writeUInt16BE(parseInt(group, 16), at)
}

function isMappedIPv4 (bytes: Buffer): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false
  return bytes[10] === 0xff && bytes[11] === 0xff
}

/** Network bytes back to text, the form used in the state file, /stats and dictionary replies. */
export function formatIp (bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`
  const parts: string[] = []
  for (let i = 0; i < 16; i += 2) parts.push(((bytes[i] << 8) | bytes[i + 1]).toString(16))
  // Shorten the longest run of zero groups, as inet_ntop does.
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8;) {
    if (parts[i] !== '0') { i++; continue }
    let j = i
    while (j < 8 && parts[j] === '0') j++
    if (j - i > bestLen) { best = i; bestLen = j - i }
    i = j
  }
  if (best === -1) return parts.join(':')
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`
}

export function isLoopback (text: string | undefined): boolean {
  if (text === undefined) return false
  if (text === '::1') return true
  if (text.startsWith('::ffff:')) text = text.slice(7)
  return isIPv4(text) && text.startsWith('127.')
}

/** Address bytes and port in the compact wire form that the peer store keeps and replies carry. */
export function compactEndpoint (address: Buffer, port: number): Buffer {
  const out = Buffer.allocUnsafe(address.length + 2)
  address.copy(out, 0)
  out.writeUInt16BE(port, address.length)
  return out
}
