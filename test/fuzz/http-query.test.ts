import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import bencode from 'bencode'
import fc from 'fast-check'
import { parseAnnounceQuery, type AnnounceLimits, type AnnounceQuery } from '../../lib/http/announce-request.ts'
import { ClientError } from '../../lib/bittorrent/client-error.ts'
import { parseIp } from '../../lib/bittorrent/ip-address.ts'
import { EVENT_COMPLETED, EVENT_NONE, EVENT_STARTED, EVENT_STOPPED, type AnnounceEvent } from '../../lib/store/peer-store.ts'
import { parseUint, percentDecode } from '../../lib/http/percent-decode.ts'
import { parseScrapeQuery } from '../../lib/http/scrape-request.ts'
import { buildApp } from '../../app.ts'

// Fixed seeds: a failure names its seed and path, and the same run reproduces it.
const SEED = 0x7a3c_5e11

/*
 * The documented reading of a query string (README, "Tracker protocol"), written independently
 * of the parsers: parameters split at `&`, name and value at the first `=` (a name without `=` has
 * an empty value, as in form encoding), values decoded byte-exact (`%XX` is one byte, any other
 * character up to U+00FF stands for itself, a literal `+` is 0x2B). null stands for "refused".
 */

function modelDecode (value: string): Buffer | null {
  const bytes: number[] = []
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 0x25) {
      const hex = value.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else if (c > 0xff) {
      return null
    } else {
      bytes.push(c)
    }
  }
  return Buffer.from(bytes)
}

/** A non-negative decimal integer of at most 16 digits, no larger than `max`. */
function modelUint (value: string, max: number): number | null {
  if (!/^[0-9]{1,16}$/.test(value)) return null
  const n = Number(value)
  return n > max ? null : n
}

/** Name, value and whether the `=` was there. */
function segments (qs: string): Array<[string, string, boolean]> {
  return qs.split('&').filter(s => s !== '').map(s => {
    const eq = s.indexOf('=')
    return eq === -1 ? [s, '', false] : [s.slice(0, eq), s.slice(eq + 1), true]
  })
}

const EVENTS: Record<string, AnnounceEvent> = { '': EVENT_NONE, empty: EVENT_NONE, paused: EVENT_NONE, started: EVENT_STARTED, completed: EVENT_COMPLETED, stopped: EVENT_STOPPED }

/** The announce the README describes for `qs`, with `key` only as "given" or not; null: refused. */
function modelAnnounce (qs: string, limits: AnnounceLimits): (Omit<AnnounceQuery, 'key'> & { keyGiven: boolean }) | null {
  let infoHash: Buffer | null = null
  let peerId: Buffer | null = null
  let port: number | null = null
  let left: number | null = null
  let uploaded = 0
  let downloaded = 0
  let event: AnnounceEvent = EVENT_NONE
  let numwant = Math.min(limits.numwantDefault, limits.numwantMax)
  let keyGiven = false
  let compact = true
  let noPeerId = false
  let claimedIp: Buffer | null = null
  let ipSeen = false
  for (const [name, value] of segments(qs)) {
    switch (name) {
      case 'info_hash': case 'peer_id': {
        const bytes = modelDecode(value)
        if (bytes === null || bytes.length !== 20) return null
        if (name === 'info_hash') infoHash = bytes
        else peerId = bytes
        break
      }
      case 'port': case 'left': case 'uploaded': case 'downloaded': case 'numwant': {
        const n = modelUint(value, name === 'port' ? 65535 : name === 'numwant' ? Infinity : Number.MAX_SAFE_INTEGER)
        if (n === null) return null
        if (name === 'port') port = n
        else if (name === 'left') left = n
        else if (name === 'uploaded') uploaded = n
        else if (name === 'downloaded') downloaded = n
        else numwant = Math.min(n, limits.numwantMax)
        break
      }
      case 'event':
        if (!Object.hasOwn(EVENTS, value)) return null
        event = EVENTS[value]
        break
      case 'compact': compact = value !== '0'; break
      case 'no_peer_id': noPeerId = value === '1'; break
      case 'key': {
        if (value !== '' && modelDecode(value) === null) return null
        keyGiven = value !== ''
        break
      }
      case 'ip': case 'ipv4': case 'ipv6': {
        // Only the first address parameter counts, and only when the operator allows them.
        if (!limits.allowIpParam || ipSeen) break
        ipSeen = true
        const bytes = modelDecode(value)
        claimedIp = bytes === null ? null : parseIp(bytes.toString('latin1'))
        if (claimedIp === null) return null
        break
      }
    }
  }
  if (infoHash === null || peerId === null || port === null || port === 0 || left === null) return null
  return { infoHash, peerId, port, uploaded, downloaded, left, event, numwant, keyGiven, compact, noPeerId, claimedIp }
}

/** The distinct info hashes of a scrape in the order first given; null: refused. */
function modelScrape (qs: string, max: number): Buffer[] | null {
  const out: Buffer[] = []
  for (const [name, value, hasValue] of segments(qs)) {
    // A scrape reads only `info_hash=` parameters; a bare `info_hash` is some other name.
    if (name !== 'info_hash' || !hasValue) continue
    const bytes = modelDecode(value)
    if (bytes === null || bytes.length !== 20) return null
    if (!out.some(b => b.equals(bytes))) out.push(bytes)
  }
  return out.length > max ? null : out
}

/** Runs `parse`; its ClientError (with a message) becomes null, any other exception fails the test. */
function refusedOr<T> (parse: () => T): T | null {
  try {
    return parse()
  } catch (err) {
    assert.ok(err instanceof ClientError, `only a ClientError may escape, got ${String((err as Error)?.stack ?? err)}`)
    assert.equal(err.name, 'ClientError')
    assert.ok(err.message.trim().length > 0, 'a ClientError says what is wrong')
    return null
  }
}

// --- Generators -------------------------------------------------------------------------------

const UNRESERVED = /[A-Za-z0-9\-._~]/

/** `%XX` in lower or upper case, as clients differ. */
const pct = (b: number, upper: boolean): string => '%' + (upper ? b.toString(16).toUpperCase() : b.toString(16)).padStart(2, '0')

/** Every byte percent-encoded, or the form most clients send: unreserved characters and `+` raw. */
const encodingStyle = fc.constantFrom('every byte', 'mixed')
function encode (bytes: Uint8Array, style: string, upper: boolean[]): string {
  let out = ''
  bytes.forEach((b, i) => {
    const c = String.fromCharCode(b)
    out += style === 'mixed' && (UNRESERVED.test(c) || c === '+') ? c : pct(b, upper[i % upper.length])
  })
  return out
}

/** Bytes that catch byte-versus-form decoding: `+`, space, `%`, `&`, `=` and the high half. */
const byte = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) }, fc.constantFrom(0x2b, 0x20, 0x25, 0x26, 0x3d, 0x7e, 0x80, 0xff))
const bytes20 = fc.array(byte, { minLength: 20, maxLength: 20 }).map(b => Uint8Array.from(b))
const encoded = (bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<string> =>
  fc.tuple(bytes, encodingStyle, fc.array(fc.boolean(), { minLength: 1, maxLength: 4 })).map(([b, s, u]) => encode(b, s, u))

/** Characters a query is made of, and some it should never hold. */
const queryChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcdefinopqrstuvwxyz_0123456789ABCDEF') },
  { weight: 3, arbitrary: fc.constantFrom('%', '=', '&', '+', '-', '.', '~', '!', '*', "'", '(', ')', ';', ':', '@', '$', ',', '/', '?') },
  { weight: 1, arbitrary: fc.constantFrom(' ', '#', '"', '<', '>', '\\', '^', '`', '{', '|', '}', '\0', '\r', '\n', '\u007f', '\u00e9', '\u00ff', '\u0100', '\u20ac', '\ud83d', '\ud83d\ude00') }
)
const junk = fc.string({ unit: queryChar, maxLength: 30 })

const decimal = fc.oneof(
  fc.integer({ min: 0, max: 65535 }).map(String),
  fc.integer({ min: 65536, max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.constantFrom('', '0', '-1', '+1', '1e3', '0x10', ' 1', '1.5', '00001', '0000000000000001', '00000000000000001',
    '9007199254740991', '9007199254740992', '9999999999999999', '99999999999999999', '١٢')
)
const eventValue = fc.constantFrom('started', 'completed', 'stopped', '', 'empty', 'paused', 'STARTED', 'start', '%73tarted', 'stopped ')
const ipValue = fc.oneof(
  fc.constantFrom('10.0.0.1', '203.0.113.5', '2001:db8::1', '::ffff:10.0.0.1', '%3A%3A1', '256.0.0.1', '10.0.0.01', 'localhost', '', '::1%25lo'),
  fc.ipV4(), fc.ipV6(), junk
)

const NAMES = ['info_hash', 'peer_id', 'port', 'uploaded', 'downloaded', 'left', 'numwant', 'event', 'compact', 'no_peer_id', 'key', 'ip', 'ipv4', 'ipv6']

/** One parameter as clients write it, with a value that is valid as often as not. */
function valueFor (name: string): fc.Arbitrary<string> {
  switch (name) {
    case 'info_hash': case 'peer_id':
      return fc.oneof({ weight: 4, arbitrary: encoded(bytes20) }, encoded(fc.uint8Array({ maxLength: 24 })), junk)
    case 'event': return fc.oneof({ weight: 3, arbitrary: eventValue }, junk)
    case 'compact': case 'no_peer_id': return fc.constantFrom('0', '1', '', 'true', '00')
    case 'key': return fc.oneof(encoded(fc.uint8Array({ maxLength: 8 })), junk)
    case 'ip': case 'ipv4': case 'ipv6': return ipValue
    default: return fc.oneof({ weight: 4, arbitrary: decimal }, junk)
  }
}

const knownParam = fc.constantFrom(...NAMES).chain(name => valueFor(name).map(v => `${name}=${v}`))
const bareName = fc.constantFrom(...NAMES)
const unknownParam = fc.oneof(junk, fc.constantFrom('info%5Fhash=x', 'INFO_HASH=x', 'info_hash2=x', '=', '==', 'x', 'info_hashx'))
const param = fc.oneof({ weight: 6, arbitrary: knownParam }, bareName, { weight: 2, arbitrary: unknownParam })

/** A valid announce, its parameters shuffled, with a few more (valid or not) mixed in. */
const validAnnounce = (hashes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<string> => fc.tuple(
  encoded(hashes), encoded(bytes20), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.array(param, { maxLength: 3 })
).chain(([ih, pid, port, left, extra]) => {
  const params = [`info_hash=${ih}`, `peer_id=${pid}`, `port=${port}`, `left=${left}`, 'uploaded=0', 'downloaded=0', ...extra]
  return fc.shuffledSubarray(params, { minLength: params.length }).map(ps => ps.join('&'))
})
const mostlyValidAnnounce = validAnnounce(bytes20)

const structured = fc.array(param, { maxLength: 12 }).map(ps => ps.join('&'))
const anyQuery = fc.oneof(
  { weight: 3, arbitrary: mostlyValidAnnounce },
  { weight: 3, arbitrary: structured },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map(b => Buffer.from(b).toString('latin1')) },
  { weight: 1, arbitrary: junk }
)
const scrapeQuery = fc.oneof(
  fc.array(fc.oneof({ weight: 4, arbitrary: encoded(bytes20).map(v => `info_hash=${v}`) }, param), { maxLength: 10 }).map(ps => ps.join('&')),
  anyQuery
)
const limitsArb = fc.record({ numwantDefault: fc.integer({ min: 0, max: 100 }), numwantMax: fc.integer({ min: 0, max: 300 }), allowIpParam: fc.boolean() })

// --- Properties ---------------------------------------------------------------------------------

test('percentDecode gives the documented bytes of any slice of any string, or a ClientError naming the parameter', () => {
  fc.assert(fc.property(fc.oneof(junk, fc.string({ unit: 'binary', maxLength: 40 }), encoded(fc.uint8Array({ maxLength: 30 }))), fc.nat(), fc.nat(), (s, a, b) => {
    const start = a % (s.length + 1)
    const end = start + b % (s.length - start + 1)
    const expected = modelDecode(s.slice(start, end))
    let got: Buffer | null = null
    try {
      got = percentDecode(s, start, end, 'peer_id')
    } catch (err) {
      assert.ok(err instanceof ClientError, String(err))
      assert.match(err.message, /peer_id/)
    }
    assert.deepEqual(got, expected, JSON.stringify(s.slice(start, end)))
  }), { seed: SEED, numRuns: 3000, includeErrorInReport: true })
})

test('parseUint reads a decimal of at most 16 digits up to its maximum, and refuses anything else with a ClientError', () => {
  fc.assert(fc.property(fc.oneof(decimal, junk), fc.constantFrom(65535, Number.MAX_SAFE_INTEGER, Infinity), (s, max) => {
    assert.equal(refusedOr(() => parseUint(s, 0, s.length, 'left', max)), modelUint(s, max), JSON.stringify(s))
  }), { seed: SEED, numRuns: 2000, includeErrorInReport: true })
})

test('any announce query is parsed into the documented announce, or refused with a ClientError', () => {
  let accepted = 0
  fc.assert(fc.property(anyQuery, limitsArb, (qs, limits) => {
    const got = refusedOr(() => parseAnnounceQuery(qs, limits))
    const expected = modelAnnounce(qs, limits)
    if (expected === null) {
      assert.equal(got, null, `accepted ${JSON.stringify(qs)}`)
      return
    }
    assert.ok(got !== null, `refused ${JSON.stringify(qs)}`)
    accepted++
    // Well-formed whatever the model says...
    assert.equal(got.infoHash.length, 20)
    assert.equal(got.peerId.length, 20)
    assert.ok(Number.isInteger(got.port) && got.port >= 1 && got.port <= 65535)
    for (const n of [got.uploaded, got.downloaded, got.left]) assert.ok(Number.isSafeInteger(n) && n >= 0)
    assert.ok(Number.isInteger(got.numwant) && got.numwant >= 0 && got.numwant <= limits.numwantMax)
    assert.ok(got.claimedIp === null || (limits.allowIpParam && (got.claimedIp.length === 4 || got.claimedIp.length === 16)))
    assert.ok(Number.isInteger(got.key) && got.key === (got.key | 0))
    // ...and exactly the documented values.
    const { key, ...rest } = got
    const { keyGiven, ...wanted } = expected
    assert.deepEqual(rest, wanted, JSON.stringify(qs))
    assert.equal(key !== 0, keyGiven, 'a key given is a non-zero digest, none is 0')
  }), { seed: SEED, numRuns: 4000, includeErrorInReport: true })
  assert.ok(accepted > 400, `only ${accepted} of the generated announces were valid`)
})

test('info_hash and peer_id percent-encoded byte by byte or as clients mix them parse back to the same 20 bytes (a + is 0x2B)', () => {
  fc.assert(fc.property(bytes20, bytes20, encodingStyle, encodingStyle, fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 65535 }), fc.boolean(),
    (ih, pid, s1, s2, upper, port, hashFirst) => {
      const hashes = [`info_hash=${encode(ih, s1, upper)}`, `peer_id=${encode(pid, s2, upper)}`]
      const qs = [...(hashFirst ? hashes : hashes.reverse()), `port=${port}`, 'left=0'].join('&')
      const got = parseAnnounceQuery(qs, { numwantDefault: 50, numwantMax: 200, allowIpParam: false })
      assert.deepEqual([...got.infoHash], [...ih])
      assert.deepEqual([...got.peerId], [...pid])
      assert.equal(got.port, port)
    }), { seed: SEED, numRuns: 3000, includeErrorInReport: true })
})

test('a plus sign in a hash is the byte 0x2B, never a space', () => {
  fc.assert(fc.property(fc.array(fc.constantFrom(0x2b, 0x20, 0x41), { minLength: 20, maxLength: 20 }), (list) => {
    const ih = Uint8Array.from(list)
    const got = parseScrapeQuery(`info_hash=${encode(ih, 'mixed', [false])}`, 1)
    assert.deepEqual([...got[0]], [...ih])
  }), { seed: SEED, numRuns: 300, includeErrorInReport: true })
})

test('any scrape query gives its distinct info hashes byte-exact in order, or a ClientError', () => {
  fc.assert(fc.property(scrapeQuery, fc.integer({ min: 1, max: 80 }), (qs, max) => {
    const got = refusedOr(() => parseScrapeQuery(qs, max))
    const expected = modelScrape(qs, max)
    assert.deepEqual(got?.map(b => b.toString('hex')) ?? null, expected?.map(b => b.toString('hex')) ?? null, JSON.stringify(qs))
    for (const hash of got ?? []) assert.equal(hash.length, 20)
  }), { seed: SEED, numRuns: 3000, includeErrorInReport: true })
})

test('scrape hashes encoded either way come back byte-exact, duplicates once, in the order given', () => {
  fc.assert(fc.property(fc.array(fc.tuple(bytes20, encodingStyle), { minLength: 1, maxLength: 10 }), fc.array(fc.nat(9), { maxLength: 5 }), (list, repeats) => {
    const sent = [...list, ...repeats.map(i => list[i % list.length])]
    const got = parseScrapeQuery(sent.map(([b, s]) => `info_hash=${encode(b, s, [true, false])}`).join('&'), 74)
    const distinct = [...new Set(list.map(([b]) => Buffer.from(b).toString('hex')))]
    assert.deepEqual(got.map(b => b.toString('hex')), distinct)
  }), { seed: SEED, numRuns: 1000, includeErrorInReport: true })
})

test('over HTTP, any query to /announce or /scrape is answered 200 with a bencoded failure reason or a valid reply', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-fuzz-'))
  const app = await buildApp({ logger: false, env: { TRACKER_DATA_FILE: join(dir, 'state.json'), TRACKER_SAVE_INTERVAL: '0', TRACKER_UDP_PORT: '0' } })
  t.after(async () => {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const limits = { numwantDefault: 50, numwantMax: 200, allowIpParam: false }
  const counts = { announce: 0, peers: 0, scrape: 0, failure: 0 }

  // Announces to a few torrents among the rest, so that replies carry peers.
  const fewTorrents = fc.constantFrom(...[1, 2, 3].map(n => new Uint8Array(20).fill(n + 0x2a)))
  const request = fc.oneof(
    fc.tuple(fc.constantFrom('/announce', '/'), fc.oneof(validAnnounce(fewTorrents), anyQuery)),
    fc.tuple(fc.constant('/scrape'), scrapeQuery)
  )
  await fc.assert(fc.asyncProperty(request, async ([path, qs]) => {
    const url = `${path}?${qs}`
    const res = await app.inject({ method: 'GET', url })
    assert.equal(res.statusCode, 200, url)
    const body = bencode.decode(res.rawPayload) as Record<string, unknown>
    const reason = body['failure reason'] === undefined ? null : Buffer.from(body['failure reason'] as Uint8Array).toString()
    assert.notEqual(reason, 'internal tracker error', `the tracker failed on ${url}`)
    // The query as it reaches the route (the injector normalises the URL, as a client would).
    const seen = new URL(url, 'http://localhost').search.slice(1)
    const scrape = path === '/scrape'
    const expected = refusedOr(() => scrape ? parseScrapeQuery(seen, 64) : parseAnnounceQuery(seen, limits))
    if (reason !== null) {
      counts.failure++
      assert.deepEqual(Object.keys(body), ['failure reason'])
      assert.ok(reason.length > 0)
      // Refused exactly when the parser refuses (and for a scrape of nothing: full scrape is off).
      assert.ok(expected === null || (scrape && (expected as Buffer[]).length === 0), `${url}: ${reason}`)
      return
    }
    assert.ok(expected !== null, `accepted ${url}`)
    if (scrape) {
      counts.scrape++
      const files = body.files as Record<string, Record<string, unknown>>
      assert.deepEqual(Object.keys(body), ['files'])
      assert.equal(Object.keys(files).length, (expected as Buffer[]).length)
      for (const entry of Object.values(files)) {
        for (const field of ['complete', 'incomplete', 'downloaded']) assert.ok(Number.isSafeInteger(entry[field]) && (entry[field] as number) >= 0)
      }
      return
    }
    counts.announce++
    const query = expected as AnnounceQuery
    for (const field of ['complete', 'incomplete', 'downloaded', 'interval', 'min interval']) {
      assert.ok(Number.isSafeInteger(body[field]) && (body[field] as number) >= 0, `${field} in ${url}`)
    }
    if (query.compact) {
      if ((body.peers as Uint8Array).length > 0) counts.peers++
      const peers = body.peers as Uint8Array
      const peers6 = (body.peers6 ?? new Uint8Array(0)) as Uint8Array
      assert.equal(peers.length % 6, 0)
      assert.equal(peers6.length % 18, 0)
      assert.ok(peers.length / 6 + peers6.length / 18 <= query.numwant)
    } else {
      const peers = body.peers as Array<Record<string, unknown>>
      assert.ok(Array.isArray(peers) && peers.length <= query.numwant)
      for (const p of peers) {
        assert.ok(parseIp(Buffer.from(p.ip as Uint8Array).toString()) !== null)
        assert.ok(Number.isInteger(p.port) && (p.port as number) >= 1 && (p.port as number) <= 65535)
        assert.equal(p['peer id'] === undefined, query.noPeerId)
      }
    }
  }), { seed: SEED, numRuns: 300, includeErrorInReport: true })
  assert.ok(counts.announce > 40 && counts.peers > 10 && counts.scrape > 20 && counts.failure > 40, JSON.stringify(counts))
})
