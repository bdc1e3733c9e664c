/**
 * One UDP load worker: connects (BEP 15), then keeps `window` announces in flight for
 * `seconds`, each from a distinct peer (own peer id, key and port) of a torrent of the pool.
 * Reports replies received and the peers they carried, so a collapsed swarm shows.
 */
import { createSocket } from 'node:dgram'
import { parentPort, workerData } from 'node:worker_threads'

interface Job { port: number, seconds: number, window: number, hashes: string[], worker: number, peersPerTorrent: number }
const job = workerData as Job
const hashes = job.hashes.map(h => Buffer.from(h, 'hex'))
const socket = createSocket('udp4')
const PROTOCOL_ID = Buffer.from('0000041727101980', 'hex')

let connectionId: Buffer | null = null
let sent = 0
let replies = 0
let peers = 0
let errors = 0
let running = true

/**
 * One packet per load peer, built once the connection id is known: per send, only the
 * transaction id changes, so the generator spends its time sending rather than building.
 */
let packets: Buffer[] = []
function buildPackets (id: Buffer): Buffer[] {
  return Array.from({ length: hashes.length * job.peersPerTorrent }, (_, n) => {
    const t = n % hashes.length
    const p = Math.floor(n / hashes.length)
    const packet = Buffer.alloc(98)
    id.copy(packet, 0)
    packet.writeUInt32BE(1, 8)
    hashes[t].copy(packet, 16)
    packet.write('-BU0001-', 36)
    packet.writeUInt32BE(job.worker, 44)
    packet.writeUInt32BE(p, 48)
    packet.writeBigUInt64BE(p % 3 === 0 ? 0n : 1000n, 64) // left: a third are seeders
    packet.writeUInt32BE(n % 4 === 0 ? 2 : 0, 80) // event: started for some
    packet.writeUInt32BE(job.worker * 65536 + p, 88) // key
    packet.writeInt32BE(50, 92) // num_want
    packet.writeUInt16BE(1024 + ((job.worker * 7919 + p) % 60000), 96) // each peer its own port
    return packet
  })
}

function announce (): void {
  if (!running || connectionId === null) return
  // A packet is sent again only after every other one: never while the kernel may still hold it.
  const packet = packets[(job.worker * 1_000_003 + sent++) % packets.length]
  packet.writeUInt32BE(sent >>> 0, 12)
  socket.send(packet)
}

socket.on('message', (msg: Buffer) => {
  const action = msg.readUInt32BE(0)
  if (action === 0 && msg.length >= 16) {
    connectionId = Buffer.from(msg.subarray(8, 16))
    packets = buildPackets(connectionId)
    for (let i = 0; i < job.window; i++) announce()
    return
  }
  if (action === 1) {
    replies++
    peers += (msg.length - 20) / 6
  } else errors++
  announce()
})

const connect = Buffer.alloc(16)
PROTOCOL_ID.copy(connect, 0)
connect.writeUInt32BE(0, 8)
connect.writeUInt32BE(42, 12)
// Connected to the subject: the kernel skips the route lookup per send, and no address is
// looked up in JS either.
socket.bind(0, '127.0.0.1', () => {
  socket.setRecvBufferSize(4 * 1024 * 1024)
  socket.connect(job.port, '127.0.0.1', () => socket.send(connect))
})
// A refused datagram (nothing listening yet or any more) reports on the socket; count it.
socket.on('error', () => { errors++ })
// Lost datagrams would shrink the window: top it up now and then.
const refill = setInterval(() => { for (let i = 0; i < 8; i++) announce() }, 50)
setTimeout(() => {
  running = false
  clearInterval(refill)
  parentPort?.postMessage({ replies, peers, errors })
  socket.close()
}, job.seconds * 1000)
