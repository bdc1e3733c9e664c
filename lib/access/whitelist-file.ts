import { readFile } from 'node:fs/promises'

export interface Whitelist {
  /** Lowercase hex info hashes, each once. */
  hashes: Set<string>
  /** Line numbers (from 1) that were neither a hash, blank, nor a `#` comment. */
  invalid: number[]
}

const HASH = /^[0-9a-fA-F]{40}$/

/**
 * TRACKER_WHITELIST_FILE: one hex info hash a line, as opentracker reads it; blank lines and
 * lines starting with `#` are skipped, and anything after the hash on its line (a name) too.
 */
export async function readWhitelist (file: string): Promise<Whitelist> {
  const hashes = new Set<string>()
  const invalid: number[] = []
  const lines = (await readFile(file, 'utf8')).split('\n')
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const hash = line.split(/\s/)[0]
    if (HASH.test(hash)) hashes.add(hash.toLowerCase())
    else invalid.push(i + 1)
  })
  return { hashes, invalid }
}
