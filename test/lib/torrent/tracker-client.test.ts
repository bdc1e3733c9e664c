import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import type { TorrentFile } from '../../../lib/torrent/torrent-file.ts'
import {
  addTorrentInfo, addTorrentInfoUrl, torrentInfoRequests, TrackerError, USER_AGENT, type TorrentInfoRequest, type TrackerClientOptions
} from '../../../lib/torrent/tracker-client.ts'

interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

type Handler = (req: Received, res: ServerResponse, n: number) => void

/** A stand-in tracker on loopback that answers each request with `handler`; records them. */
async function fakeTracker (t: TestContext, handler: Handler): Promise<{ url: string, received: Received[] }> {
  const received: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => { body += c })
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      received.push(r)
      handler(r, res, received.length)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }
}

function json (res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(value))
}

const body: TorrentInfoRequest = { info_hash: 'ab'.repeat(20), name: 'n', size: 1, piece_length: 16384, created_by: 'me', private: false }

function options (trackerUrl: string, extra: Partial<TrackerClientOptions> = {}): TrackerClientOptions {
  return { trackerUrl, timeoutMs: 5000, retries: 0, retryDelayMs: 0, ...extra }
}

/** Runs addTorrentInfo expecting a TrackerError; answers it. */
async function failure (promise: Promise<unknown>): Promise<TrackerError> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof TrackerError, String(err))
    return err
  }
  assert.fail('no error')
}

const torrent: TorrentFile = {
  version: 'hybrid',
  infoHash: '11'.repeat(20),
  infoHashV2: '22'.repeat(32),
  infoHashV2Truncated: '22'.repeat(20),
  name: 'name',
  size: 123,
  fileCount: 2,
  pieceLength: 32768,
  comment: 'c',
  createdBy: 'maker',
  creationDate: 1_600_000_000,
  private: true
}

test('a hybrid torrent is registered under both hashes, with every field in the wire names', () => {
  const common = { name: 'name', size: 123, piece_length: 32768, comment: 'c', created_by: 'maker', creation_date: 1_600_000_000, private: true }
  assert.deepEqual(torrentInfoRequests(torrent), [{ info_hash: '11'.repeat(20), ...common }, { info_hash: '22'.repeat(20), ...common }])
  const bare = torrentInfoRequests({ ...torrent, version: 'v1', infoHashV2: null, infoHashV2Truncated: null, comment: null, creationDate: null, private: false })
  assert.deepEqual(bare, [{ info_hash: '11'.repeat(20), name: 'name', size: 123, piece_length: 32768, created_by: 'maker', private: false }])
  assert.equal('comment' in bare[0], false)
  assert.equal('creation_date' in bare[0], false)
})

test('the endpoint URL sits under the base path, without its query or fragment; only http(s) is taken', () => {
  assert.equal(addTorrentInfoUrl('http://t.example:6969').href, 'http://t.example:6969/add_torrent_info')
  assert.equal(addTorrentInfoUrl('https://t.example/tracker').href, 'https://t.example/tracker/add_torrent_info')
  assert.equal(addTorrentInfoUrl('https://t.example/tracker/').href, 'https://t.example/tracker/add_torrent_info')
  assert.equal(addTorrentInfoUrl('http://t.example/a/b?x=1#frag').href, 'http://t.example/a/b/add_torrent_info')
  for (const bad of ['ftp://t.example/', 'udp://t.example:6969']) {
    assert.throws(() => addTorrentInfoUrl(bad), (err: unknown) => err instanceof TypeError && err.message === `not an http(s) URL: ${bad}`)
  }
})

test('a registration is one JSON POST with the client\'s headers, and the token only when there is one', async t => {
  const tracker = await fakeTracker(t, (req, res, n) => json(res, 200, { status: n === 1 ? 'added' : 'updated' }))
  assert.equal(await addTorrentInfo(options(tracker.url + '/p', { token: 's3cret' }), body), 'added')
  assert.equal(await addTorrentInfo(options(tracker.url), body), 'updated')
  assert.equal(await addTorrentInfo(options(tracker.url, { token: '' }), body), 'updated')
  const [first, second, third] = tracker.received
  assert.equal(first.method, 'POST')
  assert.equal(first.url, '/p/add_torrent_info')
  assert.deepEqual(JSON.parse(first.body), body)
  assert.equal(first.headers['user-agent'], USER_AGENT)
  assert.equal(first.headers['content-type'], 'application/json')
  assert.equal(first.headers.authorization, 'Bearer s3cret')
  assert.equal(second.headers.authorization, undefined)
  assert.equal(third.headers.authorization, undefined)
})

test('5xx answers are retried, each retry reported, until one succeeds', async t => {
  const tracker = await fakeTracker(t, (req, res, n) => n < 3 ? json(res, 503, { message: 'busy' }) : json(res, 200, { status: 'added' }))
  const retries: Array<[string, number | null, boolean, number]> = []
  const status = await addTorrentInfo(options(tracker.url, { retries: 2, onRetry: (err, attempt) => retries.push([err.message, err.status, err.retryable, attempt]) }), body)
  assert.equal(status, 'added')
  assert.deepEqual(retries, [['HTTP 503: busy', 503, true, 1], ['HTTP 503: busy', 503, true, 2]])
  assert.equal(tracker.received.length, 3)
})

test('after the last retry the error says how many attempts were made and is final', async t => {
  const tracker = await fakeTracker(t, (req, res) => { res.writeHead(500); res.end('  internal trouble  ') })
  const err = await failure(addTorrentInfo(options(tracker.url, { retries: 1 }), body))
  assert.equal(err.message, 'HTTP 500: internal trouble (gave up after 2 attempts)')
  assert.equal(err.status, 500)
  assert.equal(err.retryable, false)
  assert.equal(tracker.received.length, 2)
  const once = await failure(addTorrentInfo(options(tracker.url), body))
  assert.equal(once.message, 'HTTP 500: internal trouble', 'no retries: the error as it came')
  assert.equal(once.retryable, false)
  assert.equal(tracker.received.length, 3)
})

test('a 4xx fails at once with the tracker\'s message, or the start of its body, or the status alone', async t => {
  const answers: Array<(res: ServerResponse) => void> = [
    res => json(res, 401, { message: 'bad token' }),
    res => { res.writeHead(404); res.end('x'.repeat(300)) },
    res => { res.writeHead(400); res.end() },
    res => json(res, 422, { error: 'no message field' })
  ]
  const tracker = await fakeTracker(t, (req, res, n) => answers[n - 1](res))
  const retried: number[] = []
  const opts = options(tracker.url, { retries: 3, onRetry: (_, n) => retried.push(n) })
  const errors = []
  for (let i = 0; i < answers.length; i++) errors.push(await failure(addTorrentInfo(opts, body)))
  assert.deepEqual(errors.map(e => [e.message, e.status, e.retryable]), [
    ['HTTP 401: bad token', 401, false],
    [`HTTP 404: ${'x'.repeat(200)}`, 404, false],
    ['HTTP 400', 400, false],
    ['HTTP 422: {"error":"no message field"}', 422, false]
  ])
  assert.deepEqual(retried, [])
  assert.equal(tracker.received.length, answers.length)
})

test('a redirect is not followed: the error names where it pointed', async t => {
  const tracker = await fakeTracker(t, (req, res, n) => {
    res.writeHead(n === 1 ? 301 : 307, n === 1 ? { location: 'https://elsewhere.example/add_torrent_info' } : {})
    res.end()
  })
  const moved = await failure(addTorrentInfo(options(tracker.url, { retries: 2 }), body))
  assert.equal(moved.message, 'HTTP 301: redirected to https://elsewhere.example/add_torrent_info; give that address as the tracker URL')
  assert.deepEqual([moved.status, moved.retryable], [301, false])
  const nowhere = await failure(addTorrentInfo(options(tracker.url), body))
  assert.match(nowhere.message, /^HTTP 307: redirected to \(nowhere\);/)
  assert.equal(tracker.received.length, 2)
})

test('a 200 that is not the tracker\'s answer is an error showing what came', async t => {
  const answers = ['{"status":"weird"}', 'not json at all', 'null', '"added"', '[' + '1,'.repeat(150) + '1]']
  const tracker = await fakeTracker(t, (req, res, n) => { res.writeHead(200); res.end(answers[n - 1]) })
  for (const answer of answers) {
    const err = await failure(addTorrentInfo(options(tracker.url, { retries: 2 }), body))
    assert.equal(err.message, `unexpected answer from the tracker: ${answer.slice(0, 200)}`)
    assert.deepEqual([err.status, err.retryable], [200, false])
  }
  assert.equal(tracker.received.length, answers.length)
})

const ANSWER_LIMIT = 1024 * 1024

/** A tracker whose answers are a valid body padded with spaces (which JSON allows) to `sizes[n]` bytes. */
async function paddedAnswers (t: TestContext, sizes: number[]): Promise<{ url: string, received: Received[] }> {
  return await fakeTracker(t, (req, res, n) => {
    res.writeHead(200)
    res.end('{"status":"added"}'.padEnd(sizes[n - 1], ' '))
  })
}

test('an answer of up to 1 MiB is read; a larger one is refused', async t => {
  const tracker = await paddedAnswers(t, [ANSWER_LIMIT, ANSWER_LIMIT + 1])
  assert.equal(await addTorrentInfo(options(tracker.url), body), 'added')
  await failure(addTorrentInfo(options(tracker.url), body))
})

// readAnswer cancels res.body while its async iterator still holds the stream's lock: cancel()
// throws "ReadableStream is locked", which is reported as a transport failure and retried.
test('an answer over 1 MiB is reported as not the tracker\'s, and not retried', async t => {
  const tracker = await paddedAnswers(t, [ANSWER_LIMIT + 1, ANSWER_LIMIT + 1])
  const err = await failure(addTorrentInfo(options(tracker.url, { retries: 1 }), body))
  assert.equal(err.message, `HTTP 200: answer larger than ${ANSWER_LIMIT} bytes; is this the tracker?`)
  assert.deepEqual([err.status, err.retryable], [200, false])
  assert.equal(tracker.received.length, 1)
})

test('no tracker listening: a retryable transport error with the system\'s code', async () => {
  const attempts: number[] = []
  const err = await failure(addTorrentInfo(options(await freePortUrl(), { retries: 1, onRetry: (e, n) => { attempts.push(n); assert.equal(e.retryable, true) } }), body))
  assert.match(err.message, /^cannot reach the tracker: ECONNREFUSED: .+ \(gave up after 2 attempts\)$/)
  assert.deepEqual([err.status, err.retryable], [null, false])
  assert.deepEqual(attempts, [1])
})

test('a tracker that does not answer in time is a retryable timeout', async t => {
  const tracker = await fakeTracker(t, () => { /* never answers */ })
  const retried: string[] = []
  const err = await failure(addTorrentInfo(options(tracker.url, { timeoutMs: 150, retries: 1, onRetry: e => retried.push(e.message) }), body))
  assert.deepEqual(retried, ['no answer within 0.15 s'])
  assert.equal(err.message, 'no answer within 0.15 s (gave up after 2 attempts)')
  assert.deepEqual([err.status, err.retryable], [null, false])
})

test('errors that are not the tracker\'s are not retried nor wrapped', async () => {
  await assert.rejects(addTorrentInfo(options('mailto:x@example'), body), TypeError)
})

/** A loopback URL on which nothing listens. */
async function freePortUrl (): Promise<string> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>(resolve => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
