import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { compactEndpoint } from '../../lib/bittorrent/ip-address.ts'
import { parseAnnounceQuery, type AnnounceLimits, type AnnounceQuery } from '../../lib/http/announce-request.ts'
import { writeCompactAnnounce, writeDictionaryAnnounce, type Intervals } from '../../lib/http/announce-response.ts'
import { ClientError } from '../../lib/bittorrent/client-error.ts'
import type { AnnounceResult } from '../../lib/store/peer-store.ts'
import { rawQuery } from '../query.ts'

export default async function announceRoute (fastify: FastifyInstance): Promise<void> {
  const { config, peers } = fastify
  const limits: AnnounceLimits = {
    numwantDefault: config.TRACKER_NUMWANT_DEFAULT,
    numwantMax: config.TRACKER_NUMWANT_MAX,
    allowIpParam: config.TRACKER_ALLOW_IP_PARAM
  }
  const intervals: Intervals = { interval: config.TRACKER_ANNOUNCE_INTERVAL, minInterval: config.TRACKER_MIN_INTERVAL }

  // Not async: the in-memory store answers at once, and Fastify sends a plain return value in
  // the same turn, where a promise would cost an allocation and a microtask per request.
  function handler (request: FastifyRequest, reply: FastifyReply): Buffer | Promise<Buffer> {
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
      wantPeerIds: !query.compact && !query.noPeerId,
      wantOtherFamily: true,
      passkey: (request.params as { passkey?: string }).passkey
    })
    reply.type('text/plain')
    return pending instanceof Promise ? pending.then(result => body(query, result, intervals)) : body(query, pending, intervals)
  }

  fastify.get('/announce', handler)
  fastify.get('/', handler)
  if (config.TRACKER_ACCESS === 'private') {
    // The member's passkey in the path: ours, and the Gazelle/Ocelot form.
    fastify.get('/announce/:passkey', handler)
    fastify.get('/:passkey/announce', handler)
  }
}

function body (query: AnnounceQuery, result: AnnounceResult, intervals: Intervals): Buffer {
  return query.compact ? writeCompactAnnounce(result, intervals) : writeDictionaryAnnounce(result, intervals, query.noPeerId)
}
