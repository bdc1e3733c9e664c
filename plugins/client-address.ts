import type { IncomingMessage } from 'node:http'
import { BlockList, isIPv6, type Socket } from 'node:net'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { parseIp } from '../lib/bittorrent/ip-address.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The announcing peer's address in network bytes (4 or 16), or null if unusable. */
    clientAddress: (request: FastifyRequest) => Buffer | null
    /**
     * The client's address (text) for a request that Fastify does not route, a WebSocket
     * upgrade, by the same rule as `request.ip`.
     */
    upgradeAddress: (raw: IncomingMessage) => string
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
  fastify.decorate('upgradeAddress', (raw: IncomingMessage): string => {
    const direct = unmapped(raw.socket.remoteAddress ?? '')
    if (trusted === null || !isTrusted(trusted, direct)) return direct
    const forwarded = raw.headers['x-forwarded-for']
    if (typeof forwarded === 'string') {
      // Right to left: the first hop that is not one of our proxies is the client.
      const hops = forwarded.split(',').map(s => s.trim()).filter(s => s !== '')
      for (let i = hops.length - 1; i >= 0; i--) {
        if (i === 0 || !isTrusted(trusted, hops[i])) return unmapped(hops[i])
      }
    }
    const realIp = raw.headers['x-real-ip']
    if (typeof realIp === 'string' && realIp.trim() !== '') return unmapped(realIp.trim())
    return direct
  })
}, { name: 'client-address' })

function unmapped (address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

function isTrusted (blocks: BlockList, address: string): boolean {
  if (address.startsWith('::ffff:')) address = address.slice(7)
  return blocks.check(address, isIPv6(address) ? 'ipv6' : 'ipv4')
}
