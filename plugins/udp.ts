import { createSocket, type Socket, type SocketOptions } from 'node:dgram'
import { isIPv6, type AddressInfo } from 'node:net'
import fp from 'fastify-plugin'
import type { ConnectionIds } from '../lib/udp/connection-id.ts'
import { UdpRequestHandler } from '../lib/udp/request-handler.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Where the UDP tracker listens, once its socket is bound; null when UDP is off or HTTP is
     * not listening. Rejects when the socket could not bind (the port taken, say).
     */
    udpAddress: () => Promise<AddressInfo | null>
  }
}

/**
 * Replies go back to the address a datagram came from, always an IP literal: dns.lookup would
 * only test it again and defer every send by a tick. Sends have no callback either, for the same
 * tick: a reply the kernel will not take is a lost datagram, which BEP 15 clients retry.
 */
const literalAddress: SocketOptions['lookup'] = (address, _options, callback) => {
  callback(null, address, address.includes(':') ? 6 : 4)
}

/** Room for bursts between event-loop turns; the kernel caps it at net.core.rmem_max. */
const RECEIVE_BUFFER = 4 * 1024 * 1024

/**
 * The UDP tracker (BEP 15) on the HTTP address and, unless TRACKER_UDP_PORT says otherwise, the
 * port HTTP actually got: so it binds once HTTP listens, which is also why a port-0 test server
 * has UDP on the same number. On `::` one socket takes IPv6 and, IPv4-mapped, IPv4.
 */
export default fp<{ ids: ConnectionIds }>(async (fastify, { ids }) => {
  const { config } = fastify
  const configured = config.TRACKER_UDP_PORT
  const log = fastify.log.child({ plugin: 'udp' })
  const handler = new UdpRequestHandler({
    store: fastify.peers,
    ids,
    limits: {
      numwantDefault: config.TRACKER_NUMWANT_DEFAULT,
      numwantMax: config.TRACKER_NUMWANT_MAX,
      allowIpParam: config.TRACKER_ALLOW_IP_PARAM,
      passkeys: config.TRACKER_ACCESS === 'private'
    },
    interval: config.TRACKER_ANNOUNCE_INTERVAL,
    scrapeMax: config.TRACKER_SCRAPE_MAX,
    counters: fastify.requestCounts.udp,
    onError: err => log.error({ err }, 'UDP request failed'),
    reasons: fastify.failureReasons,
    extraCounts: fastify.webSocketCounts
  })

  let socket: Socket | null = null
  let closed = false
  let resolveBound: (address: AddressInfo | null) => void = () => {}
  let rejectBound: (err: unknown) => void = () => {}
  const bound = new Promise<AddressInfo | null>((resolve, reject) => {
    resolveBound = resolve
    rejectBound = reject
  })
  // Reported through udpAddress() and the onListen hook; not an unhandled rejection.
  bound.catch(() => {})

  fastify.decorate('udpAddress', async (): Promise<AddressInfo | null> => {
    if (configured === 0 || !fastify.server.listening) return null
    return await bound
  })
  if (configured === 0) return

  function receive (this: Socket, packet: Buffer, from: { address: string, port: number }): void {
    let reply: Buffer | null | Promise<Buffer | null>
    try {
      reply = handler.handle(packet, from.address, from.port)
      if (reply === null) return
      if (!(reply instanceof Promise)) {
        this.send(reply, from.port, from.address)
        return
      }
    } catch (err) {
      // Thrown here, it would be an uncaught exception in the socket's event handler.
      log.error({ err }, 'UDP request failed')
      return
    }
    reply.then(r => {
      // A reply still being computed when the socket closes has nowhere to go.
      if (r !== null && socket === this) this.send(r, from.port, from.address)
    }).catch((err: unknown) => log.error({ err }, 'UDP request failed'))
  }

  fastify.addHook('onListen', async () => {
    const http = fastify.server.address()
    if (http === null || typeof http === 'string') {
      resolveBound(null)
      return
    }
    const s = createSocket({ type: isIPv6(http.address) ? 'udp6' : 'udp4', ipv6Only: false, recvBufferSize: RECEIVE_BUFFER, lookup: literalAddress })
    s.on('message', receive)
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        s.bind(configured ?? http.port, http.address, () => {
          s.off('error', reject)
          resolve()
        })
      })
    } catch (err) {
      s.close()
      rejectBound(err)
      throw err
    }
    if (closed) {
      // The app was closed while the socket was binding.
      s.close()
      resolveBound(null)
      return
    }
    socket = s
    s.on('error', (err: Error) => log.warn({ err }, 'UDP socket error'))
    log.info({ address: s.address() }, 'UDP tracker listening')
    resolveBound(s.address())
  })

  fastify.addHook('onClose', async () => {
    closed = true
    if (socket === null) return
    const s = socket
    socket = null
    await new Promise<void>(resolve => s.close(() => resolve()))
  })
}, { name: 'udp', dependencies: ['config', 'peer-store', 'request-counters', 'websocket'] })
