import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WsSwarmRegistry } from '../../../lib/ws/swarm-registry.ts'

const H = 'h'.repeat(20)
const leech = (peerId: string): { infoHash: string, peerId: string, event: 'update', left: number } => ({ infoHash: H, peerId, event: 'update', left: 10 })

test('counts follow joins, completion, stopped and leave', () => {
  const r = new WsSwarmRegistry<string>()
  assert.deepEqual(r.announce('s1', leech('a'), 0, 0).counts, { complete: 0, incomplete: 1 })
  assert.deepEqual(r.announce('s2', { ...leech('b'), left: 0 }, 0, 0).counts, { complete: 1, incomplete: 1 })
  assert.deepEqual(r.announce('s1', { ...leech('a'), event: 'completed' }, 0, 0).counts, { complete: 2, incomplete: 0 })
  // A seeder stays one when a later message (an answer) carries no `left`.
  assert.deepEqual(r.announce('s1', { ...leech('a'), left: Infinity }, 0, 0).counts, { complete: 2, incomplete: 0 })
  assert.deepEqual(r.announce('s2', { ...leech('b'), event: 'stopped' }, 0, 0).counts, { complete: 1, incomplete: 0 })
  assert.equal(r.leave(H, 'a', 'other socket'), false, 'only its own socket removes a peer')
  assert.equal(r.leave(H, 'a', 's1'), true)
  assert.equal(r.torrents, 0)
  assert.equal(r.peers, 0)
})

test('offer targets are distinct, never the announcer, never a seeder for a seeder', () => {
  const r = new WsSwarmRegistry<string>()
  for (const p of ['a', 'b', 'c', 'd']) r.announce(`sock-${p}`, leech(p), 0, 0)
  r.announce('sock-a', leech('a2'), 0, 0)
  for (let i = 0; i < 50; i++) {
    const targets = r.announce('sock-a', leech('a'), 0, 10).targets
    assert.deepEqual([...targets].sort(), ['sock-a', 'sock-b', 'sock-c', 'sock-d'], 'a2 shares a\'s socket and is drawn')
  }
  assert.equal(r.announce('sock-b', leech('b'), 0, 2).targets.length, 2)
  r.announce('sock-s', { ...leech('s'), left: 0 }, 0, 0)
  r.announce('sock-t', { ...leech('t'), left: 0 }, 0, 0)
  assert.ok(!r.announce('sock-t', { ...leech('t'), left: 0 }, 0, 10).targets.includes('sock-s'))
})

test('random targets reach every peer over many draws', () => {
  const r = new WsSwarmRegistry<string>()
  for (let i = 0; i < 20; i++) r.announce(`s${i}`, leech(`p${i}`), 0, 0)
  const seen = new Set<string>()
  for (let i = 0; i < 200; i++) for (const s of r.announce('s0', leech('p0'), 0, 1).targets) seen.add(s)
  assert.equal(seen.size, 19)
})

test('answers find the offerer\'s socket; the sweep drops peers silent past the timeout', () => {
  const r = new WsSwarmRegistry<string>()
  r.announce('s1', leech('a'), 100, 0)
  r.announce('s2', leech('b'), 150, 0)
  r.announce('s3', leech('c'), 200, 0)
  assert.equal(r.find(H, 'b'), 's2')
  assert.equal(r.sweep(200, 60), 1)
  assert.equal(r.find(H, 'a'), undefined)
  assert.deepEqual(r.counts(H), { complete: 0, incomplete: 2 })
  assert.equal(r.announce('s3', leech('c'), 200, 5).targets[0], 's2', 'the list is still whole after removals')
  assert.equal(r.sweep(1000, 60), 2)
  assert.deepEqual(r.infoHashes(), [])
})
