import { createSocket } from 'node:dgram'
import { randomBytes } from 'node:crypto'

export interface UdpScrapeEntry {
  seeders: number
  completed: number
  leechers: number
}

/**
 * A BEP 15 scrape as a client does it (connect, then scrape with the connection id), written
 * here from the specification so the test does not use the tracker's own protocol code.
 */
export async function udpScrape (port: number, infoHash: Buffer, timeoutMs = 5000): Promise<UdpScrapeEntry> {
  const socket = createSocket('udp4')
  try {
    const connect = Buffer.alloc(16)
    connect.writeUInt32BE(0x417, 0)
    connect.writeUInt32BE(0x27101980, 4)
    connect.writeUInt32BE(0, 8)
    randomBytes(4).copy(connect, 12)
    const connected = await exchange(connect, 0, 16)
    const scrape = Buffer.concat([connected.subarray(8, 16), Buffer.alloc(8), infoHash])
    scrape.writeUInt32BE(2, 8)
    randomBytes(4).copy(scrape, 12)
    const reply = await exchange(scrape, 2, 20)
    return { seeders: reply.readUInt32BE(8), completed: reply.readUInt32BE(12), leechers: reply.readUInt32BE(16) }
  } finally {
    socket.close()
  }

  async function exchange (packet: Buffer, action: number, size: number): Promise<Buffer> {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { finish(); reject(new Error(`no UDP reply to action ${action} within ${timeoutMs} ms`)) }, timeoutMs)
      const onMessage = (reply: Buffer): void => {
        if (reply.length < 8 || !reply.subarray(4, 8).equals(packet.subarray(12, 16))) return
        finish()
        if (reply.readUInt32BE(0) === action && reply.length >= size) resolve(reply)
        else reject(new Error(`unexpected UDP reply: ${reply.subarray(8).toString()}`))
      }
      const finish = (): void => { clearTimeout(timer); socket.off('message', onMessage) }
      socket.on('message', onMessage)
      socket.send(packet, port, '127.0.0.1')
    })
  }
}
