import { constants } from 'node:fs'
import { open } from 'node:fs/promises'

/** The file is not something a state can be read from: a device, a pipe, a folder... */
export class NotRegularFileError extends Error {
  override name = 'NotRegularFileError'
}

/** The file holds more than the caller is prepared to read. */
export class FileTooLargeError extends Error {
  override name = 'FileTooLargeError'
}

const CHUNK = 1 << 20

/**
 * Reads a whole regular file of at most `limit` bytes. A device such as /dev/zero, a FIFO or an
 * endless file would otherwise be read until memory runs out: anything but a regular file is
 * refused before a byte is read, and reading stops one byte past the limit, whatever the size
 * the file claimed when it was opened (it may grow while it is read).
 */
export async function readBounded (file: string, limit: number): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) throw new NotRegularFileError(`${file} is not a regular file`)
    if (stat.size > limit) throw new FileTooLargeError(`${file} is ${stat.size} bytes, more than the limit of ${limit}`)
    // One buffer of the size the file has (plus a byte to see it grow): no copy for the usual case.
    const chunks: Buffer[] = []
    let total = 0
    let size = stat.size + 1
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(size, limit + 1 - total))
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) break
      chunks.push(chunk.subarray(0, bytesRead))
      total += bytesRead
      if (total > limit) throw new FileTooLargeError(`${file} holds more than the limit of ${limit} bytes`)
      size = CHUNK
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)
  } finally {
    await handle.close()
  }
}
