import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { compactEndpoint, parseAnnounceQuery, type AnnounceLimits } from '../../lib/announce-request.ts'
import { writeCompactAnnounce, writeDictionaryAnnounce, type Intervals } from '../../lib/announce-response.ts'
import { ClientError } from '../../lib/client-error.ts'
import { rawQuery } from '../query.ts'

export default async function announceRoute (fastify: FastifyInstance): Promise<void> {
  const { config, peers } = fastify
  const limits: AnnounceLimits = {
    numwantDefault: config.TRACKER_NUMWANT_DEFAULT,
    numwantMax: config.TRACKER_NUMWANT_MAX,
    allowIpParam: config.TRACKER_ALLOW_IP_PARAM
  }
  const intervals: Intervals = { interval: config.TRACKER_ANNOUNCE_INTERVAL, minInterval: config.TRACKER_MIN_INTERVAL }

  async function handler (request: FastifyRequest, reply: FastifyReply): Promise<Buffer> {
    fastify.requestCounts.http.announce++
    const query = parseAnnounceQuery(rawQuery(request), limits)
    const address = query.claimedIp ?? fastify.clientAddress(request)
    if (address === null) throw new ClientError('cannot determine your address')
    const pending = peers.announce({
      infoHash: query.infoHash,
      peerId: query.peerId,
      endpoint: compactEndpoint(address, query.port),
      uploaded: query.uploaded,
      downloaded: query.downloaded,
      left: query.left,
      event: query.event,
      numwant: query.numwant,
      key: query.key,
      wantPeerIds: !query.compact && !query.noPeerId
    })
    // The in-memory store answers at once; awaiting it would cost a microtask turn per request.
    const result = pending instanceof Promise ? await pending : pending
    reply.type('text/plain')
    return query.compact ? writeCompactAnnounce(result, intervals) : writeDictionaryAnnounce(result, intervals, query.noPeerId)
  }

  fastify.get('/announce', handler)
  fastify.get('/', handler)
}
