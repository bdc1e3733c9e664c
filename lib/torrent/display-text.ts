// A byte-order mark is a character like any other here: dropped, two names would look alike.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Text from bytes that should be UTF-8: valid sequences as they are, any other byte as `\xNN`,
 * so a badly encoded name stays readable and distinct instead of failing or turning into
 * replacement characters.
 */
export function displayText (bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch {}
  let out = ''
  let runStart = 0
  let at = 0
  while (at < bytes.length) {
    const n = sequenceLength(bytes, at)
    if (n > 0) {
      at += n
      continue
    }
    out += utf8.decode(bytes.subarray(runStart, at)) + '\\x' + bytes[at].toString(16).padStart(2, '0')
    runStart = ++at
  }
  return out + utf8.decode(bytes.subarray(runStart))
}

/** Length of the well-formed UTF-8 sequence at `at` (Unicode table 3-7), or 0. */
function sequenceLength (b: Uint8Array, at: number): number {
  const lead = b[at]
  if (lead < 0x80) return 1
  let n: number
  let lo = 0x80
  let hi = 0xbf
  if (lead >= 0xc2 && lead <= 0xdf) n = 2
  else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3
    if (lead === 0xe0) lo = 0xa0
    if (lead === 0xed) hi = 0x9f
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4
    if (lead === 0xf0) lo = 0x90
    if (lead === 0xf4) hi = 0x8f
  } else return 0
  for (let i = 1; i < n; i++) {
    const c = b[at + i]
    if (c === undefined || c < (i === 1 ? lo : 0x80) || c > (i === 1 ? hi : 0xbf)) return 0
  }
  return n
}
