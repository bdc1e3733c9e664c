import { open, readdir, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Bytes gathered before each write: large enough to be efficient, small enough to yield often. */
const FLUSH_AT = 1 << 18

/**
 * Writes the chunks to `file` so that readers only ever see the old or the new content: a
 * temporary file in the same folder, fsync, rename over the target, fsync the folder. A crash
 * or `kill -9` at any point leaves the previous file intact. Awaiting each write lets the event
 * loop serve requests between chunks, so a large state does not freeze the tracker.
 */
export async function writeAtomic (file: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<number> {
  const dir = dirname(file)
  const tmp = tempFileOf(file, process.pid)
  const handle = await open(tmp, 'w', 0o640)
  let bytes = 0
  try {
    let pending: string[] = []
    let size = 0
    // One loop for both kinds: a synchronous source costs no promise per chunk.
    const source = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]()
    for (;;) {
      const next = source.next()
      const step = next instanceof Promise ? await next : next
      if (step.done === true) break
      const chunk = step.value
      pending.push(chunk)
      size += chunk.length
      // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: when pending text is flushed changes the number of writes, not the bytes written
      if (size >= FLUSH_AT) {
        bytes += (await handle.write(pending.join(''))).bytesWritten
        pending = []
        size = 0
      }
    }
    bytes += (await handle.write(pending.join(''))).bytesWritten
    await handle.sync()
  } catch (err) {
    await handle.close()
    // Stryker disable next-line ArrowFunction: () => undefined is the same empty handler
    await unlink(tmp).catch(() => {})
    throw err
  }
  await handle.close()
  await rename(tmp, file)
  const folder = await open(dir, 'r')
  // Stryker disable next-line BlockStatement: fsync of the folder matters for durability across a power loss only, which no test can observe
  try {
    await folder.sync()
  } finally {
    await folder.close()
  }
  await removeLeftoverTemps(file)
  return bytes
}

const tempFileOf = (file: string, pid: number): string => join(dirname(file), `.${basename(file)}.${pid}.tmp`)

/**
 * Deletes the temporary files that saves of `file` interrupted by a crash left behind (each up
 * to the size of the state), and nothing else: only `.<name>.<pid>.tmp` beside it. One process
 * saves a given state file, and it calls this at start and after each of its own saves, when
 * no save of its own is in flight. Answers the names removed.
 */
export async function removeLeftoverTemps (file: string): Promise<string[]> {
  const name = basename(file)
  const removed: string[] = []
  let entries: string[]
  try {
    entries = await readdir(dirname(file))
  } catch {
    return removed
  }
  for (const entry of entries) {
    if (!entry.startsWith(`.${name}.`) || !entry.endsWith('.tmp')) continue
    const pid = entry.slice(name.length + 2, -4)
    if (!/^[0-9]+$/.test(pid) || entry !== basename(tempFileOf(file, Number(pid)))) continue
    try {
      await unlink(join(dirname(file), entry))
      removed.push(entry)
    } catch {}
  }
  return removed
}
