import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { readWhitelist } from '../../../lib/access/whitelist-file.ts'

const a = 'a'.repeat(40)
const b = 'B'.repeat(40)
const c = '0123456789abcdef0123456789ABCDEF01234567'

test('one hash a line, as opentracker reads it: names, comments, blanks, case and CRLF', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'whitelist-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'whitelist')
  writeFileSync(file, [
    '# torrents this tracker serves', // 1
    a, // 2
    '', // 3
    `   ${b}\tDebian 12 netinst`, // 4
    `${c}\r`, // 5
    `${a} again`, // 6
    'not a hash', // 7
    'a'.repeat(39), // 8
    'a'.repeat(41), // 9
    `${'g'.repeat(40)}`, // 10
    '   # an indented comment', // 11
    '\t', // 12
    `x${a}` // 13
  ].join('\n'))
  const list = await readWhitelist(file)
  assert.deepEqual([...list.hashes], [a, b.toLowerCase(), c.toLowerCase()])
  assert.deepEqual(list.invalid, [7, 8, 9, 10, 13])
})

test('an empty file is an empty list, and a missing one an error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'whitelist-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'empty'), '')
  assert.deepEqual(await readWhitelist(join(dir, 'empty')), { hashes: new Set(), invalid: [] })
  await assert.rejects(readWhitelist(join(dir, 'missing')), { code: 'ENOENT' })
})
