import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { SimilarityIndex, similarity } from '../../../lib/store/memory/hash-similarity.ts'
import { TorrentIds } from '../../../lib/store/memory/torrent-ids.ts'

/** Compared hex positions: the first 10 and the last 5 of 40. */
const COMPARED = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 35, 36, 37, 38, 39]

/** A hash near `base`: some compared positions and some middle ones changed. */
const near = (base: string): fc.Arbitrary<string> => fc.record({
  compared: fc.array(fc.record({ at: fc.constantFrom(...COMPARED), digit: fc.integer({ min: 0, max: 15 }) }), { maxLength: 8 }),
  middle: fc.array(fc.record({ at: fc.integer({ min: 10, max: 34 }), digit: fc.integer({ min: 0, max: 15 }) }), { maxLength: 3 })
}).map(({ compared, middle }) => {
  const chars = [...base]
  for (const { at, digit } of [...compared, ...middle]) chars[at] = digit.toString(16)
  return chars.join('')
})

const hex40 = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(b => Buffer.from(b).toString('hex'))
const thresholds = fc.constantFrom(1, 0.95, 14 / 15, 0.9, 0.8, 12 / 15, 0.7, 0.6, 0.5, 0.2, 1 / 15)

type Op = { add: string } | { remove: number } | { find: string }

test('find answers a most similar indexed hash at or above the threshold, as a scan of all would, through adds and deletes', () => {
  const scenario = fc.tuple(hex40, thresholds).chain(([base, threshold]) => fc.record({
    threshold: fc.constant(threshold),
    ops: fc.array(fc.oneof(
      { weight: 3, arbitrary: near(base).map(add => ({ add })) },
      { weight: 1, arbitrary: fc.nat().map(remove => ({ remove })) },
      { weight: 3, arbitrary: fc.oneof(near(base), hex40).map(find => ({ find })) }
    ), { minLength: 5, maxLength: 60, size: 'max' })
  }))
  fc.assert(fc.property(scenario, ({ threshold, ops }) => {
    const ids = new TorrentIds()
    const index = new SimilarityIndex(threshold, ids)
    const live = new Map<number, string>()
    for (const op of ops as Op[]) {
      if ('add' in op) {
        const hash = Buffer.from(op.add, 'hex')
        if (ids.get(hash) !== -1) continue
        const id = ids.add(hash)
        index.add(id)
        live.set(id, op.add)
      } else if ('remove' in op) {
        const all = [...live.keys()]
        if (all.length === 0) continue
        const id = all[op.remove % all.length]
        index.delete(id)
        ids.delete(id)
        live.delete(id)
      } else {
        if ([...live.values()].includes(op.find)) continue
        let best = -1
        for (const hex of live.values()) {
          const s = similarity(hex, op.find)
          if (s >= threshold - 1e-9 && s > best) best = s
        }
        const found = index.find(Buffer.from(op.find, 'hex'))
        if (best === -1) assert.equal(found, -1, `nothing reaches ${threshold}`)
        else {
          assert.ok(live.has(found), `a live hash is found (threshold ${threshold})`)
          assert.equal(similarity(live.get(found) as string, op.find), best)
        }
      }
    }
  }), { numRuns: 200, seed: 20261202 })
})

test('similarity is the share of equal compared positions, whatever the middle holds', () => {
  fc.assert(fc.property(hex40, hex40, (a, b) => {
    const equal = COMPARED.filter(p => a[p] === b[p]).length
    assert.equal(similarity(a, b), equal / 15)
    assert.equal(similarity(a, b), similarity(b, a))
    const middle = a.slice(0, 10) + b.slice(10, 35) + a.slice(35)
    assert.equal(similarity(a, middle), 1)
  }), { numRuns: 300, seed: 20261202 })
})
