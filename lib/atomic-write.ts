import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Bytes gathered before each write: large enough to be efficient, small enough to yield often. */
const FLUSH_AT = 1 << 18

/**
 * Writes the chunks to `file` so that readers only ever see the old or the new content: a
 * temporary file in the same folder, fsync, rename over the target, fsync the folder. A crash
 * or `kill -9` at any point leaves the previous file intact. Awaiting each write lets the event
 * loop serve requests between chunks, so a large state does not freeze the tracker.
 */
export async function writeAtomic (file: string, chunks: Iterable<string>): Promise<number> {
  const dir = dirname(file)
  const tmp = join(dir, `.${basename(file)}.${process.pid}.tmp`)
  const handle = await open(tmp, 'w', 0o640)
  let bytes = 0
  try {
    let pending: string[] = []
    let size = 0
    for (const chunk of chunks) {
      pending.push(chunk)
      size += chunk.length
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
    await unlink(tmp).catch(() => {})
    throw err
  }
  await handle.close()
  await rename(tmp, file)
  const folder = await open(dir, 'r')
  try {
    await folder.sync()
  } finally {
    await folder.close()
  }
  return bytes
}
