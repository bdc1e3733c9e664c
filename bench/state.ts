/**
 * Scenario 6, save and load of a large state, as a restart runs them: one process fills a store
 * and saves it with announces still arriving, and exits; a fresh process loads the file.
 * Usage: node --import tsx bench/state.ts [peers] [torrents]
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const peers = process.argv[2] ?? '1000000'
const torrents = process.argv[3] ?? '100000'
const dir = mkdtempSync(join(tmpdir(), 'bench-state-'))
const file = join(dir, 'state.json')

function run (script: string, ...args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...args], { encoding: 'utf8', timeout: 600_000 })
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>
}

try {
  const save = run('state-save.ts', file, peers, torrents)
  const load = run('state-load.ts', file)
  console.log(JSON.stringify({ ...save, ...load }))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
