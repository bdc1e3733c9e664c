type Typed = Int32Array | Uint32Array | Float64Array | Uint8Array

/** A copy of `a` with room for `n` elements; the added ones are 0. */
export function grown<T extends Typed> (a: T, n: number): T {
  const next = new (a.constructor as new (length: number) => T)(n)
  next.set(a)
  return next
}
