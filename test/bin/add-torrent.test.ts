import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { startTracker } from '../helpers/tracker.ts'
import { addTorrentCli } from '../../bin/add-torrent-cli.ts'
import { buildV2Torrent, createTorrent, encode, hasMktorrent, knownPayload, mktorrent, parseTorrent, pattern, sha256, writePayload } from '../helpers/torrent-fixtures.ts'

const CLI = join(import.meta.dirname, '../../bin/add-torrent')
const bounded = { timeout: 60_000 }

interface Run {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs the real script with only the environment given (plus PATH), as an operator would. */
async function script (args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = Date.now()
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(kill)
  return { code, stdout, stderr, ms: Date.now() - started }
}

/** The same command in this process, with only the environment given: no process start to pay. */
async function cli (args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = Date.now()
  let stdout = ''
  let stderr = ''
  const code = await addTorrentCli(args, env, { stdout: { write: text => { stdout += text } }, stderr: { write: text => { stderr += text } } })
  return { code, stdout, stderr, ms: Date.now() - started }
}

function tempDir (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'add-torrent-test-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

interface StatsEntry {
  info_hash: string
  info: { name?: string, size?: number, piece_length?: number, comment?: string, created_by?: string, creation_date?: number, private?: boolean }
}

async function stats (url: string, hash: string): Promise<StatsEntry[]> {
  const res = await fetch(`${url}/stats?info_hash=${hash}`, { signal: AbortSignal.timeout(10_000) })
  assert.equal(res.status, 200)
  return ((await res.json()) as { torrents: StatsEntry[] }).torrents
}

const trackerEnv = { TRACKER_HASH_SIMILARITY_THRESHOLD: '0' }

test('registers create-torrent, mktorrent, v2 and hybrid files with a real tracker', bounded, async t => {
  const tracker = await startTracker(t, trackerEnv)
  const dir = tempDir(t)
  const torrents = join(dir, 'torrents')
  mkdirSync(join(torrents, 'nested', 'deeper'), { recursive: true })
  writePayload(join(dir, 'album'), knownPayload())
  writeFileSync(join(dir, 'clip.webm'), pattern(50_000, 9))

  const single = await createTorrent(join(dir, 'clip.webm'), { comment: 'hello', private: true })
  const multi = await createTorrent(join(dir, 'album'))
  writeFileSync(join(torrents, 'single.torrent'), single)
  writeFileSync(join(torrents, 'nested', 'multi.torrent'), multi)
  const v2 = buildV2Torrent(knownPayload(), { name: 'v2-only', pieceLength: 32768 })
  const hybrid = buildV2Torrent(knownPayload(), { name: 'hybrid', pieceLength: 32768, hybrid: true })
  writeFileSync(join(torrents, 'nested', 'deeper', 'v2.torrent'), v2.torrent)
  writeFileSync(join(torrents, 'nested', 'deeper', 'hybrid.TORRENT'), hybrid.torrent)
  writeFileSync(join(torrents, 'notes.txt'), 'not a torrent, and not picked up from a folder')
  const mk = await hasMktorrent()
  if (mk) await mktorrent(join(dir, 'album'), join(torrents, 'mk.torrent'), ['-c', 'made by mktorrent'])

  // The installed script, as an operator runs it.
  const run = await script([torrents], { TRACKER_URL: tracker.url })
  assert.equal(run.code, 0, run.stdout + run.stderr)
  const files = mk ? 5 : 4
  assert.match(run.stdout, new RegExp(`^${files} added, 0 updated, 0 failed, ${files} files$`, 'm'))

  const expect = async (hash: string, info: StatsEntry['info']): Promise<void> => {
    const [entry] = await stats(tracker.url, hash)
    assert.ok(entry !== undefined, `tracker holds ${hash}`)
    assert.equal(entry.info_hash, hash)
    for (const [key, value] of Object.entries(info)) assert.deepEqual(entry.info[key as keyof StatsEntry['info']], value, `${hash} ${key}`)
  }
  await expect((await parseTorrent(single)).infoHash, { name: 'clip.webm', size: 50_000, comment: 'hello', private: true, piece_length: (await parseTorrent(single)).pieceLength })
  await expect((await parseTorrent(multi)).infoHash, { name: 'album', size: 115_693, private: false })
  if (mk) {
    const made = await parseTorrent(readFileSync(join(torrents, 'mk.torrent')))
    await expect(made.infoHash, { name: 'album', size: 115_693, comment: 'made by mktorrent', piece_length: 262_144 })
  }
  // A v2 torrent is known by its truncated SHA-256 only; a hybrid one by both hashes.
  await expect(sha256(v2.info).slice(0, 40), { name: 'v2-only', size: 115_693, piece_length: 32768, created_by: 'Torrent Tracker Script' })
  await expect(sha256(hybrid.info).slice(0, 40), { name: 'hybrid', size: 115_693 })
  const v1OfHybrid = (await parseTorrent(hybrid.torrent)).infoHash
  await expect(v1OfHybrid, { name: 'hybrid', size: 115_693, creation_date: 1_700_000_000 })

  const again = await cli([join(torrents, 'single.torrent')], { TRACKER_URL: tracker.url })
  assert.equal(again.code, 0)
  assert.match(again.stdout, /^updated +.*single\.torrent: clip\.webm/m)
})

test('--json reports every hash, the full SHA-256 included', bounded, async t => {
  const tracker = await startTracker(t, trackerEnv)
  const dir = tempDir(t)
  const hybrid = buildV2Torrent(knownPayload(), { name: 'hybrid', pieceLength: 32768, hybrid: true })
  writeFileSync(join(dir, 'hybrid.torrent'), hybrid.torrent)
  const run = await cli(['--json', '--tracker', tracker.url, join(dir, 'hybrid.torrent')])
  assert.equal(run.code, 0, run.stderr)
  const out = JSON.parse(run.stdout) as { results: Array<{ status: string, torrent: Record<string, unknown> }>, summary: Record<string, number> }
  assert.equal(out.results[0].status, 'added')
  assert.equal(out.results[0].torrent.version, 'hybrid')
  assert.equal(out.results[0].torrent.info_hash_v2, sha256(hybrid.info))
  assert.equal(out.results[0].torrent.info_hash_v2_truncated, sha256(hybrid.info).slice(0, 40))
  assert.equal(out.summary.added, 1)
  assert.equal(out.summary.failed, 0)
})

test('token: refused without it when the tracker wants one, accepted with it', bounded, async t => {
  const tracker = await startTracker(t, { ...trackerEnv, TRACKER_ADMIN_TOKEN: 'secret' })
  const dir = tempDir(t)
  writeFileSync(join(dir, 'a.torrent'), encode({ info: { name: 'a', 'piece length': 16384, pieces: Buffer.alloc(20), length: 3 } }))
  const file = join(dir, 'a.torrent')

  const without = await cli(['--retry-delay', '0', file], { TRACKER_URL: tracker.url })
  assert.equal(without.code, 1)
  assert.match(without.stdout, /^failed +.*a\.torrent: HTTP 401: a valid "Authorization: Bearer <token>" header is required$/m)
  assert.doesNotMatch(without.stderr, /retrying/)
  const wrong = await cli(['--token', 'guess', file], { TRACKER_URL: tracker.url })
  assert.equal(wrong.code, 1)

  const withFlag = await cli(['--token', 'secret', file], { TRACKER_URL: tracker.url })
  assert.equal(withFlag.code, 0, withFlag.stdout)
  const withEnv = await cli([file], { TRACKER_URL: tracker.url, TRACKER_ADMIN_TOKEN: 'secret' })
  assert.equal(withEnv.code, 0, withEnv.stdout)
  assert.match(withEnv.stdout, /^updated /m)
})

test('bad files each get their message; the good ones in the same run are still added', bounded, async t => {
  const tracker = await startTracker(t, trackerEnv)
  const dir = tempDir(t)
  const good = encode({ info: { name: 'good', 'piece length': 16384, pieces: Buffer.alloc(20), length: 3 } })
  const bad: Record<string, Buffer | string> = {
    '1-not-bencode.torrent': 'this is plain text',
    '2-truncated.torrent': good.subarray(0, 30),
    '3-no-info.torrent': encode({ announce: 'http://127.0.0.1/announce' }),
    '4-wrong-type.torrent': encode({ info: { name: 'x', 'piece length': 'big', pieces: Buffer.alloc(20), length: 3 } }),
    '5-deep.torrent': 'd5:extra' + 'l'.repeat(500_000) + 'e'.repeat(500_000) + 'e',
    '6-good.torrent': good,
    '7-empty.torrent': ''
  }
  for (const [name, content] of Object.entries(bad)) writeFileSync(join(dir, name), content)
  // Sparse: the script must refuse it by its size without reading it.
  writeFileSync(join(dir, '8-huge.torrent'), '')
  truncateSync(join(dir, '8-huge.torrent'), 51 * 1024 * 1024)
  writeFileSync(join(dir, 'readme.txt'), 'hello')

  const run = await cli(['-t', tracker.url, dir, join(dir, 'readme.txt'), join(dir, 'missing.torrent')])
  assert.equal(run.code, 1)
  const lines = run.stdout.split('\n')
  const failure = (name: string): string => lines.find(l => l.startsWith('failed') && l.includes(name)) ?? `(no failure line for ${name})`
  assert.match(failure('1-not-bencode'), /not a bencoded dictionary/)
  assert.match(failure('2-truncated'), /truncated/)
  assert.match(failure('3-no-info'), /no info dictionary/)
  assert.match(failure('4-wrong-type'), /info\.piece length should be an integer, not a string/)
  assert.match(failure('5-deep'), /nested deeper than 256 levels/)
  assert.match(failure('7-empty'), /empty file/)
  assert.match(failure('8-huge'), /51\.0 MiB, over the 50 MiB limit/)
  assert.match(failure('readme.txt'), /not a \.torrent file/)
  assert.match(failure('missing.torrent'), /no such file or folder/)
  assert.match(run.stdout, /^1 added, 0 updated, 9 failed, 10 files$/m)
  const [entry] = await stats(tracker.url, (await parseTorrent(good)).infoHash)
  assert.equal(entry.info.name, 'good')
})

interface Seen {
  headers: IncomingHttpHeaders
  body: string
  url: string
}

/** A stand-in tracker for the client's retry policy; `respond` answers the n-th request (1-based). */
async function fakeTracker (t: TestContext, respond: (n: number, res: ServerResponse) => void): Promise<{ url: string, seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      seen.push({ headers: req.headers, body, url: req.url ?? '' })
      respond(seen.length, res)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

function reply (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function oneTorrent (t: TestContext): string {
  const file = join(tempDir(t), 'one.torrent')
  writeFileSync(file, encode({ 'created by': 'tests', info: { name: 'one', 'piece length': 16384, pieces: Buffer.alloc(20), length: 42 } }))
  return file
}

test('retries 5xx answers, then succeeds; sends the documented headers and body', bounded, async t => {
  const fake = await fakeTracker(t, (n, res) => {
    if (n <= 2) reply(res, 503, { error: 'Service Unavailable', message: 'busy' })
    else reply(res, 200, { status: 'added', info_hash: 'x', info: {} })
  })
  const run = await cli(['--retry-delay', '0.05', '--token', 'tok', oneTorrent(t)], { TRACKER_URL: `${fake.url}/prefix` })
  assert.equal(run.code, 0, run.stdout + run.stderr)
  assert.equal(fake.seen.length, 3)
  assert.equal((run.stderr.match(/retrying .*HTTP 503: busy/g) ?? []).length, 2)
  const { headers, body, url } = fake.seen[2]
  assert.equal(url, '/prefix/add_torrent_info')
  assert.equal(headers['user-agent'], 'Torrent-Tracker-Client/1.0')
  assert.equal(headers['content-type'], 'application/json')
  assert.equal(headers.authorization, 'Bearer tok')
  assert.deepEqual(Object.keys(JSON.parse(body) as object).sort(), ['created_by', 'info_hash', 'name', 'piece_length', 'private', 'size'])
  assert.deepEqual(JSON.parse(body), JSON.parse(fake.seen[0].body))
})

test('gives up after the configured retries', bounded, async t => {
  const fake = await fakeTracker(t, (n, res) => reply(res, 500, { message: 'broken' }))
  const run = await cli(['--retries', '1', '--retry-delay', '0', '-t', fake.url, oneTorrent(t)])
  assert.equal(run.code, 1)
  assert.equal(fake.seen.length, 2)
  assert.match(run.stdout, /HTTP 500: broken \(gave up after 2 attempts\)/)
})

test('a 4xx answer is not retried, and its message is shown', bounded, async t => {
  const fake = await fakeTracker(t, (n, res) => reply(res, 400, { error: 'Bad Request', message: 'body/info_hash must match pattern' }))
  const run = await cli(['--retry-delay', '0', '-t', fake.url, oneTorrent(t)])
  assert.equal(run.code, 1)
  assert.equal(fake.seen.length, 1)
  assert.match(run.stdout, /^failed +.*one\.torrent: HTTP 400: body\/info_hash must match pattern$/m)
})

test('the timeout is honoured, and a timeout is retried', bounded, async t => {
  const fake = await fakeTracker(t, () => { /* never answers */ })
  // A second long enough for the fake tracker to see each attempt on a busy machine.
  const run = await cli(['--timeout', '1', '--retries', '1', '--retry-delay', '0', '-t', fake.url, oneTorrent(t)])
  assert.equal(run.code, 1)
  assert.equal(fake.seen.length, 2)
  assert.match(run.stdout, /no answer within 1 s \(gave up after 2 attempts\)/)
  assert.ok(run.ms < 10_000, `took ${run.ms} ms`)
})

test('connection errors are retried', bounded, async t => {
  const closed = `http://127.0.0.1:${await freePort()}`
  const run = await cli(['--retries', '2', '--retry-delay', '0', '-t', closed, oneTorrent(t)])
  assert.equal(run.code, 1)
  assert.equal((run.stderr.match(/retrying .*cannot reach the tracker: ECONNREFUSED/g) ?? []).length, 2)
  assert.match(run.stdout, /gave up after 3 attempts/)
})

/** A loopback port that was free a moment ago, so connecting to it is refused. */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

test('--dry-run prints the request and sends nothing', bounded, async t => {
  const fake = await fakeTracker(t, (n, res) => reply(res, 200, { status: 'added' }))
  const run = await cli(['--dry-run', '-t', fake.url, oneTorrent(t)])
  assert.equal(run.code, 0, run.stderr)
  assert.equal(fake.seen.length, 0)
  const request = run.stdout.split('\n').find(l => l.includes(' POST '))
  assert.ok(request !== undefined, run.stdout)
  assert.ok(request.includes(`${fake.url}/add_torrent_info`))
  const body = JSON.parse(request.slice(request.indexOf('{'))) as Record<string, unknown>
  assert.deepEqual(body, { info_hash: body.info_hash, name: 'one', size: 42, piece_length: 16384, created_by: 'tests', private: false })
  assert.match(run.stdout, /dry run: nothing sent/)
})

test('a folder without .torrent files is a failure, not a silent success', bounded, async t => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'notes.txt'), 'nothing to register')
  const run = await cli(['--dry-run', dir])
  assert.equal(run.code, 1)
  assert.match(run.stdout, /^no \.torrent files found$/m)
})

test('usage errors exit 2; --help documents every option', bounded, async () => {
  const installed = await script(['--bogus', 'x.torrent'])
  assert.equal(installed.code, 2, `the installed script's exit status: ${installed.stderr}`)
  assert.match(installed.stderr, /^add-torrent: .*\nTry 'add-torrent --help'\.\n$/)
  for (const args of [[], ['--bogus', 'x.torrent'], ['--retries', '1.5', 'x.torrent'], ['--timeout', '0', 'x.torrent'], ['-t', 'ftp://host/', 'x.torrent']]) {
    const run = await cli(args)
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
    assert.match(run.stderr, /^add-torrent: .*\nTry 'add-torrent --help'\.\n$/)
  }
  const bad = await cli(['x.torrent'], { ADD_TORRENT_RETRIES: 'many' })
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /ADD_TORRENT_RETRIES must be a whole number/)

  const help = await cli(['--help'])
  assert.equal(help.code, 0)
  for (const word of ['--tracker', '--token', '--timeout', '--retries', '--retry-delay', '--dry-run', '--json', '--help',
    'TRACKER_URL', 'TRACKER_ADMIN_TOKEN', 'ADD_TORRENT_TIMEOUT', 'ADD_TORRENT_RETRIES', 'ADD_TORRENT_RETRY_DELAY', 'http://localhost:6969']) {
    assert.ok(help.stdout.includes(word), `--help mentions ${word}`)
  }
})
