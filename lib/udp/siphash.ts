/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit pseudorandom function, here to
 * sign UDP connection ids. HMAC-SHA256 through node:crypto costs about 2 µs a call, a large
 * share of a UDP announce; this costs a fraction of that on the short inputs we sign.
 *
 * JavaScript has no fast 64-bit integers, so each 64-bit word is kept as two 32-bit halves in a
 * Uint32Array, whose stores wrap modulo 2^32 as the algorithm needs. Not reentrant (module
 * scratch state), which is fine on one JavaScript thread.
 */
const v = new Uint32Array(8) // v0 high, v0 low, v1 high, v1 low, ... v3 low
const m = new Uint32Array(2)

/** A 128-bit key as four little-endian 32-bit words, read once so each call skips it. */
export type SipKey = Uint32Array

export function sipKey (key: Uint8Array): SipKey {
  if (key.length !== 16) throw new RangeError('SipHash keys are 16 bytes')
  const view = Buffer.from(key.buffer, key.byteOffset, 16)
  return Uint32Array.of(view.readUInt32LE(0), view.readUInt32LE(4), view.readUInt32LE(8), view.readUInt32LE(12))
}

/** Hashes data[start, end) and writes the 8-byte result, little-endian as the paper prints it. */
export function sipHash24 (key: SipKey, data: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
  // key words: k0 = key[1]:key[0], k1 = key[3]:key[2] (high:low)
  v[0] = key[1] ^ 0x736f6d65; v[1] = key[0] ^ 0x70736575
  v[2] = key[3] ^ 0x646f7261; v[3] = key[2] ^ 0x6e646f6d
  v[4] = key[1] ^ 0x6c796765; v[5] = key[0] ^ 0x6e657261
  v[6] = key[3] ^ 0x74656462; v[7] = key[2] ^ 0x79746573
  const whole = end - ((end - start) & 7)
  for (let i = start; i < whole; i += 8) {
    m[1] = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
    m[0] = data[i + 4] | data[i + 5] << 8 | data[i + 6] << 16 | data[i + 7] << 24
    compress()
  }
  // The last word holds the leftover bytes and, in its top byte, the length modulo 256.
  let lo = 0
  let hi = ((end - start) & 0xff) << 24
  for (let i = whole; i < end; i++) {
    const shift = (i - whole) * 8
    if (shift < 32) lo |= data[i] << shift
    else hi |= data[i] << (shift - 32)
  }
  m[0] = hi
  m[1] = lo
  compress()
  v[5] ^= 0xff
  for (let r = 0; r < 4; r++) round()
  writeLE32(out, at, v[1] ^ v[3] ^ v[5] ^ v[7])
  writeLE32(out, at + 4, v[0] ^ v[2] ^ v[4] ^ v[6])
}

function compress (): void {
  v[6] ^= m[0]; v[7] ^= m[1]
  round()
  round()
  v[0] ^= m[0]; v[1] ^= m[1]
}

/** One SipRound; `a += b` and `rotl` over (high, low) pairs. */
function round (): void {
  add(0, 2); rotl(2, 13); v[2] ^= v[0]; v[3] ^= v[1]; swap(0)
  add(4, 6); rotl(6, 16); v[6] ^= v[4]; v[7] ^= v[5]
  add(0, 6); rotl(6, 21); v[6] ^= v[0]; v[7] ^= v[1]
  add(4, 2); rotl(2, 17); v[2] ^= v[4]; v[3] ^= v[5]; swap(4)
}

function add (a: number, b: number): void {
  const low = v[a + 1] + v[b + 1]
  v[a + 1] = low
  v[a] = v[a] + v[b] + (low > 0xffffffff ? 1 : 0)
}

/** Rotation left by n < 32 bits. */
function rotl (a: number, n: number): void {
  const h = v[a]
  const l = v[a + 1]
  v[a] = h << n | l >>> (32 - n)
  v[a + 1] = l << n | h >>> (32 - n)
}

/** Rotation by 32 bits swaps the halves. */
function swap (a: number): void {
  const h = v[a]
  v[a] = v[a + 1]
  v[a + 1] = h
}

function writeLE32 (out: Uint8Array, at: number, x: number): void {
  out[at] = x
  out[at + 1] = x >>> 8
  out[at + 2] = x >>> 16
  out[at + 3] = x >>> 24
}
