import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'

const launcher = new URL('../../bin/run-bundled.mjs', import.meta.url).href
const entry = new URL('fixtures/bundled-entry.ts', import.meta.url).href
const fixtures = fileURLToPath(new URL('fixtures/', import.meta.url))

/** Runs the fixture through the launcher, with a temporary folder of its own to look into afterwards. */
async function run (t: TestContext, ending: string): Promise<{ code: number | null, stdout: string, stderr: string, leftovers: string[] }> {
  const tmp = mkdtempSync(join(tmpdir(), 'tracker-launcher-'))
  t.after(() => rmSync(tmp, { recursive: true, force: true }))
  const child = spawn(process.execPath, ['--input-type=module', '-e', `await (await import(${JSON.stringify(launcher)})).runBundled(new URL(${JSON.stringify(entry)}))`], {
    env: { PATH: process.env.PATH, TMPDIR: tmp, ENDING: ending },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  return { code, stdout, stderr, leftovers: readdirSync(tmp) }
}

test('a bundled module finds files beside its own source, and its bundle is removed after it ran', async (t) => {
  const { code, stdout, stderr, leftovers } = await run(t, 'return')
  assert.equal(code, 0, stderr)
  assert.equal(stdout, join(fixtures, 'asset.txt') + '\n')
  assert.deepEqual(leftovers, [])
})

test('a bundled module that exits mid-way (a configuration error) leaves no bundle behind', async (t) => {
  const { code, leftovers } = await run(t, 'exit')
  assert.equal(code, 2)
  assert.deepEqual(leftovers, [])
})

test('an error from the bundle names the TypeScript file and line, as under tsx', async (t) => {
  const { code, stderr, leftovers } = await run(t, 'throw')
  assert.equal(code, 1)
  assert.match(stderr, /thrown from the bundle/)
  assert.match(stderr, /fixtures\/bundled-entry\.ts:6\b/, stderr)
  assert.deepEqual(leftovers, [])
})
