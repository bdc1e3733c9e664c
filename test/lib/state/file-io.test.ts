import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { removeLeftoverTemps, writeAtomic } from '../../../lib/state/atomic-write.ts'
import { FileTooLargeError, NotRegularFileError, readBounded } from '../../../lib/state/read-bounded.ts'

function dir (t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'state-io-'))
  t.after(() => rmSync(d, { recursive: true, force: true }))
  return d
}

test('writeAtomic writes every chunk in order, from a sync or an async source, and answers the bytes', async (t) => {
  const file = join(dir(t), 'state.json')
  // More than one flush (256 KiB) of chunks, with multi-byte characters.
  const chunks = Array.from({ length: 3000 }, (_, i) => `${i}:${'é'.repeat(100)}\n`)
  const expected = chunks.join('')
  assert.equal(await writeAtomic(file, chunks), Buffer.byteLength(expected))
  assert.equal(readFileSync(file, 'utf8'), expected)
  async function * slowly (): AsyncGenerator<string> { for (const c of chunks.slice(0, 10)) yield c }
  assert.equal(await writeAtomic(file, slowly()), Buffer.byteLength(chunks.slice(0, 10).join('')))
  assert.equal(readFileSync(file, 'utf8'), chunks.slice(0, 10).join(''))
  assert.deepEqual(readdirSync(join(file, '..')), ['state.json'], 'no temporary file left')
})

test('a failing source leaves the previous file as it was and no temporary file', async (t) => {
  const d = dir(t)
  const file = join(d, 'state.json')
  writeFileSync(file, 'previous')
  function * failing (): Generator<string> {
    yield 'half'
    throw new Error('source broke')
  }
  await assert.rejects(writeAtomic(file, failing()), /source broke/)
  assert.equal(readFileSync(file, 'utf8'), 'previous')
  assert.deepEqual(readdirSync(d), ['state.json'])
})

test('a save clears temporary files of earlier crashed saves of the same file only', async (t) => {
  const d = dir(t)
  const file = join(d, 'state.json')
  for (const name of ['.state.json.1.tmp', '.state.json.99999.tmp', '.state.json.x.tmp', '.other.json.1.tmp', '.state.json.1.tmpx', 'state.json.1.tmp']) writeFileSync(join(d, name), 'x')
  await writeAtomic(file, ['{}'])
  assert.deepEqual(readdirSync(d).sort(), ['.other.json.1.tmp', '.state.json.1.tmpx', '.state.json.x.tmp', 'state.json', 'state.json.1.tmp'])
  assert.deepEqual(await removeLeftoverTemps(join(d, 'missing', 'state.json')), [], 'a missing folder is nothing to clear')
  writeFileSync(join(d, '.state.json.7.tmp'), 'x')
  assert.deepEqual(await removeLeftoverTemps(file), ['.state.json.7.tmp'])
})

test('readBounded reads a regular file whole, up to its limit exactly', async (t) => {
  const d = dir(t)
  const file = join(d, 'f')
  const content = Buffer.alloc(3 * 1024 * 1024 + 5, 7)
  writeFileSync(file, content)
  assert.deepEqual(await readBounded(file, content.length), content)
  await assert.rejects(readBounded(file, content.length - 1), (err: Error) => err instanceof FileTooLargeError && err.message === `${file} is ${content.length} bytes, more than the limit of ${content.length - 1}`)
  writeFileSync(file, '')
  assert.equal((await readBounded(file, 10)).length, 0)
  await assert.rejects(readBounded(join(d, 'nope'), 10), { code: 'ENOENT' })
})

test('readBounded refuses what is not a regular file before reading, and stops one byte past the limit of an endless one', async (t) => {
  const d = dir(t)
  const fifo = join(d, 'fifo')
  execFileSync('mkfifo', [fifo])
  mkdirSync(join(d, 'folder'))
  for (const path of ['/dev/zero', fifo, join(d, 'folder')]) {
    await assert.rejects(readBounded(path, 1024), (err: Error) => err instanceof NotRegularFileError && err.message === `${path} is not a regular file`)
  }
  // A file that claims no size but has content (as /proc files do) is read by chunks to the limit.
  const proc = '/proc/self/status'
  assert.ok((await readBounded(proc, 1 << 20)).toString().includes('Name:'))
  await assert.rejects(readBounded(proc, 10), (err: Error) => err instanceof FileTooLargeError && /holds more than the limit of 10 bytes/.test(err.message))
  assert.equal(existsSync(fifo), true)
})
