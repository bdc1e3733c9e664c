import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'

/**
 * A loopback port the kernel just handed out and took back, for programs that must be told a
 * port number in advance (aria2, nginx). Another process could take it in between; on a test
 * machine that is rare enough, and the caller fails loudly if it happens.
 */
export async function freePort (kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'tcp') {
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    await new Promise<void>(resolve => server.close(() => resolve()))
    return port
  }
  const socket = createSocket('udp4')
  socket.bind(0, '127.0.0.1')
  await once(socket, 'listening')
  const { port } = socket.address()
  await new Promise<void>(resolve => socket.close(() => resolve()))
  return port
}
