import { BlockList, isIPv6, type Socket } from 'node:net'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { parseIp } from '../lib/bittorrent/ip-address.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The announcing peer's address in network bytes (4 or 16), or null if unusable. */
    clientAddress: (request: FastifyRequest) => Buffer | null
  }
}

const kAddress = Symbol('peer address')
type CachedSocket = Socket & { [kAddress]?: Buffer | null }

/** Parses TRACKER_TRUSTED_PROXIES ("127.0.0.1, 10.0.0.0/8, ::1") for Fastify and for X-Real-IP. */
export function trustedProxies (setting: string): { list: string[], blocks: BlockList } {
  const list = setting.split(',').map(s => s.trim()).filter(s => s !== '')
  const blocks = new BlockList()
  for (const entry of list) {
    const [address, prefix] = entry.split('/')
    const type = isIPv6(address) ? 'ipv6' : 'ipv4'
    if (prefix === undefined) blocks.addAddress(address, type)
    else blocks.addSubnet(address, Number(prefix), type)
  }
  return { list, blocks }
}

/**
 * The peer's address: the connection's, parsed once per connection. Behind trusted proxies it
 * is `request.ip`, which Fastify's trustProxy takes as the right-most X-Forwarded-For address
 * not in the trusted set; a trusted proxy that sends only X-Real-IP is believed too.
 */
export default fp<{ trusted: BlockList | null }>(async (fastify, { trusted }) => {
  fastify.decorate('clientAddress', (request: FastifyRequest): Buffer | null => {
    const socket = request.raw.socket as CachedSocket
    if (trusted === null) {
      if (socket[kAddress] === undefined) socket[kAddress] = parseIp(socket.remoteAddress ?? '')
      return socket[kAddress]
    }
    const direct = socket.remoteAddress ?? ''
    const realIp = request.headers['x-real-ip']
    if (request.headers['x-forwarded-for'] === undefined && typeof realIp === 'string' && isTrusted(trusted, direct)) {
      return parseIp(realIp.trim())
    }
    return parseIp(request.ip)
  })
}, { name: 'client-address' })

function isTrusted (blocks: BlockList, address: string): boolean {
  if (address.startsWith('::ffff:')) address = address.slice(7)
  return blocks.check(address, isIPv6(address) ? 'ipv6' : 'ipv4')
}
