import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { test } from 'node:test'
import { announce, decode, id, startTracker, text, type RunningTracker } from '../helpers/tracker.ts'

interface Exchange { reply: string, ended: 'end' | 'error', error?: string }

/** Sends `head` (and then keeps sending `more` chunks, as a client that does not stop), reads to the end. */
async function exchange (tracker: RunningTracker, head: string, more = 0): Promise<Exchange> {
  const socket = connect(tracker.port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  socket.write(head)
  const extra = setInterval(() => { if (more-- > 0 && socket.writable) socket.write('x'.repeat(4096)) }, 10)
  try {
    const outcome = await Promise.race([
      once(socket, 'end').then(() => ({ ended: 'end' as const })),
      once(socket, 'error').then(([err]) => ({ ended: 'error' as const, error: (err as Error).message }))
    ])
    return { reply: Buffer.concat(chunks).toString('latin1'), ...outcome }
  } finally {
    clearInterval(extra)
    socket.destroy()
  }
}

const body = (reply: string): Buffer => Buffer.from(reply.slice(reply.indexOf('\r\n\r\n') + 4), 'latin1')

test('an oversized announce or scrape gets a bencoded failure and a clean close; other routes a JSON 431', async (t) => {
  const tracker = await startTracker(t)
  for (const path of ['/announce', '/scrape', '/']) {
    for (const more of [0, 20]) {
      const r = await exchange(tracker, `GET ${path}?info_hash=${'%41'.repeat(7000)} HTTP/1.1\r\nHost: x\r\n\r\n`, more)
      assert.equal(r.ended, 'end', `${path}, ${more} chunks more: ${r.error ?? ''}`)
      assert.match(r.reply, /^HTTP\/1\.1 200 OK\r\n/)
      assert.match(r.reply, /\r\nConnection: close\r\n/i)
      assert.equal(text(decode(body(r.reply))['failure reason']), 'request line and headers exceed 16384 bytes')
    }
  }
  const admin = await exchange(tracker, `GET /stats?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 20)
  assert.equal(admin.ended, 'end')
  assert.match(admin.reply, /^HTTP\/1\.1 431 /)
  assert.deepEqual(JSON.parse(body(admin.reply).toString()), { error: 'Request Header Fields Too Large', message: 'request line and headers exceed 16384 bytes' })
  // The tracker still serves.
  assert.equal((await announce(tracker, { infoHash: id('big'), peerId: id('p'), port: 6001 }))['failure reason'], undefined)
})

test('slow clients are cut off after TRACKER_HEADERS_TIMEOUT while real clients are served', { timeout: 30_000 }, async (t) => {
  const tracker = await startTracker(t, { TRACKER_HEADERS_TIMEOUT: '1', TRACKER_REQUEST_TIMEOUT: '1' })
  const opened = Date.now()
  const slow: Socket[] = []
  const closedAfter: number[] = []
  for (let i = 0; i < 200; i++) {
    const s = connect(tracker.port, '127.0.0.1')
    s.on('error', () => {})
    s.on('close', () => closedAfter.push(Date.now() - opened))
    s.resume()
    // Half of them dribble a header a byte at a time; the other half send nothing at all.
    if (i % 2 === 0) s.write('GET /announce?info_hash=')
    slow.push(s)
  }
  const dribble = setInterval(() => {
    for (const s of slow) if (s.writable && !s.destroyed && s.bytesWritten > 0) s.write('a', () => {})
  }, 100)
  t.after(() => { clearInterval(dribble); for (const s of slow) s.destroy() })

  // Real clients are served while the slow ones hang on.
  const infoHash = id('slow')
  for (let i = 0; i < 20; i++) {
    const reply = await announce(tracker, { infoHash, peerId: id('real'), port: 7000 + i })
    assert.equal(reply['failure reason'], undefined)
  }
  // Not events.once: it rejects on the EPIPE the dribbling writes get once the tracker closed.
  await Promise.all(slow.map(async s => { if (!s.closed) await new Promise(resolve => s.once('close', resolve)) }))
  assert.equal(closedAfter.length, 200)
  const last = Math.max(...closedAfter)
  // 1 s allowed, checked once a second: every one is gone within about 2 s, not Node's 30 s or never.
  assert.ok(last < 4000, `the last slow client was closed after ${last} ms`)
  assert.ok(Math.min(...closedAfter) >= 900, 'none was cut before its time')
})

test('connections beyond TRACKER_MAX_CONNECTIONS are closed as they arrive; the tracker serves again once below', { timeout: 30_000 }, async (t) => {
  const tracker = await startTracker(t, { TRACKER_MAX_CONNECTIONS: '20' })
  const held: Socket[] = []
  t.after(() => { for (const s of held) s.destroy() })
  for (let i = 0; i < 20; i++) {
    const s = connect(tracker.port, '127.0.0.1')
    s.on('error', () => {})
    await once(s, 'connect')
    held.push(s)
  }
  // Wait until the server has accepted all twenty.
  while (await new Promise<number>((resolve, reject) => tracker.app.server.getConnections((err, n) => err === null ? resolve(n) : reject(err))) < 20) {
    await new Promise(resolve => setImmediate(resolve))
  }
  const extra = connect(tracker.port, '127.0.0.1')
  extra.on('error', () => {})
  extra.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
  const received: Buffer[] = []
  extra.on('data', (c: Buffer) => received.push(c))
  await once(extra, 'close')
  assert.equal(Buffer.concat(received).length, 0, 'the connection over the cap got no answer')
  for (const s of held.splice(0)) s.destroy()
  while (await new Promise<number>((resolve, reject) => tracker.app.server.getConnections((err, n) => err === null ? resolve(n) : reject(err))) > 0) {
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  assert.equal((await announce(tracker, { infoHash: id('cap'), peerId: id('p'), port: 6001 }))['failure reason'], undefined)
})
