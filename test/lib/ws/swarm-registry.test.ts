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

test('a finished download counts once: on completed, or when a known leecher comes back with nothing left', () => {
  const r = new WsSwarmRegistry<string>()
  const completed = (peerId: string, fields: { event?: 'update' | 'completed' | 'stopped', left?: number }): boolean =>
    r.announce(`sock-${peerId}`, { ...leech(peerId), ...fields }, 0, 0).completed
  assert.equal(completed('a', {}), false, 'a leecher joining has not finished')
  assert.equal(completed('a', { left: 5 }), false, 'nor one still downloading')
  assert.equal(completed('a', { left: 0 }), true, 'a leecher now at left 0 has')
  assert.equal(completed('a', { left: 0 }), false, 'counted already')
  assert.equal(completed('a', { event: 'completed', left: 0 }), false, 'a later completed is not counted again')
  assert.equal(completed('b', { left: 0 }), false, 'a seeder joining downloaded nothing here')
  assert.equal(completed('b', { left: 0 }), false, 'nor does it when it announces again')
  assert.equal(completed('c', { event: 'completed', left: 0 }), true, 'completed from a peer never seen counts')
  assert.equal(completed('c', { event: 'completed', left: 0 }), false)
  assert.equal(completed('d', {}), false)
  assert.equal(completed('d', { event: 'completed' }), true, 'completed counts whatever left says')
  assert.equal(completed('d', { event: 'stopped' }), false, 'stopped finishes nothing')
  assert.equal(completed('e', { event: 'stopped', left: 0 }), false, 'nor from a peer never seen')
})

test('a stopped peer leaves and is sent no offers; so is a stopped stranger', () => {
  const r = new WsSwarmRegistry<string>(() => 0)
  r.announce('s1', leech('a'), 0, 0)
  r.announce('s2', leech('b'), 0, 0)
  assert.deepEqual(r.announce('s2', { ...leech('b'), event: 'stopped' }, 0, 5), { counts: { complete: 0, incomplete: 1 }, targets: [], completed: false })
  assert.deepEqual(r.announce('s3', { ...leech('c'), event: 'stopped' }, 0, 5), { counts: { complete: 0, incomplete: 1 }, targets: [], completed: false })
  assert.deepEqual(r.announce('s9', { ...leech('z'), infoHash: 'x'.repeat(20), event: 'stopped' }, 0, 5), { counts: { complete: 0, incomplete: 0 }, targets: [], completed: false })
  assert.equal(r.peers, 1)
})

test('the outcome of an announce: the swarm\'s counts, and no targets when none are wanted', () => {
  const r = new WsSwarmRegistry<string>(() => 0)
  r.announce('s1', leech('a'), 0, 0)
  r.announce('s2', { ...leech('b'), left: 0 }, 0, 0)
  assert.deepEqual(r.announce('s3', leech('c'), 0, 0), { counts: { complete: 1, incomplete: 2 }, targets: [], completed: false })
  assert.equal(r.announce('s3', leech('c'), 0, 1).targets.length, 1)
})

test('a leecher is sent seeders and leechers; a seeder only leechers', () => {
  const r = new WsSwarmRegistry<string>(() => 0)
  r.announce('seed-1', { ...leech('s1'), left: 0 }, 0, 0)
  r.announce('leech-1', leech('l1'), 0, 0)
  r.announce('seed-2', { ...leech('s2'), left: 0 }, 0, 0)
  r.announce('leech-2', leech('l2'), 0, 0)
  assert.deepEqual(r.announce('leech-1', leech('l1'), 0, 10).targets.sort(), ['leech-2', 'seed-1', 'seed-2'])
  assert.deepEqual(r.announce('seed-1', { ...leech('s1'), left: 0 }, 0, 10).targets.sort(), ['leech-1', 'leech-2'])
})

test('infoHashes lists every torrent with WebSocket peers', () => {
  const r = new WsSwarmRegistry<string>()
  const other = 'i'.repeat(20)
  r.announce('s1', leech('a'), 0, 0)
  r.announce('s2', { ...leech('b'), infoHash: other }, 0, 0)
  r.announce('s3', leech('c'), 0, 0)
  assert.deepEqual(r.infoHashes().sort(), [H, other])
  r.leave(other, 'b', 's2')
  assert.deepEqual(r.infoHashes(), [H])
})

test('a peer last seen exactly `timeout` ago is kept; one second earlier, dropped', () => {
  const r = new WsSwarmRegistry<string>()
  r.announce('s1', leech('a'), 100, 0)
  r.announce('s2', leech('b'), 99, 0)
  assert.equal(r.sweep(160, 60), 1)
  assert.equal(r.find(H, 'a'), 's1')
  assert.equal(r.find(H, 'b'), undefined)
})
