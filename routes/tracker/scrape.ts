import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ClientError } from '../../lib/bittorrent/client-error.ts'
import { parseScrapeQuery } from '../../lib/http/scrape-request.ts'
import { writeScrape } from '../../lib/http/scrape-response.ts'
import { rawQuery } from '../query.ts'
import { withExtraPeers } from '../../lib/store/extra-peers.ts'

export default async function scrapeRoute (fastify: FastifyInstance): Promise<void> {
  const { config, peers } = fastify
  const users = fastify.hasDecorator('access') ? fastify.access.users : null

  async function handler (request: FastifyRequest, reply: FastifyReply): Promise<Buffer> {
    fastify.requestCounts.http.scrape++
    // A private tracker answers its members only (and for registered torrents only: the store).
    if (users !== null) users.authenticate((request.params as { passkey?: string }).passkey)
    let hashes = parseScrapeQuery(rawQuery(request), config.TRACKER_SCRAPE_MAX)
    if (hashes.length === 0) {
      if (!config.TRACKER_FULL_SCRAPE) throw new ClientError('full scrape is disabled: give at least one info_hash')
      const all = await peers.list({ offset: 0, limit: Number.MAX_SAFE_INTEGER })
      hashes = all.torrents.map(t => Buffer.from(t.info_hash, 'hex'))
    }
    const [stored, browsers] = await Promise.all([peers.scrape(hashes), fastify.webSocketCounts(hashes)])
    const entries = withExtraPeers(stored, browsers)
    reply.type('text/plain')
    return writeScrape(hashes, entries)
  }

  fastify.get('/scrape', handler)
  if (config.TRACKER_ACCESS === 'private') {
    fastify.get('/scrape/:passkey', handler)
    fastify.get('/:passkey/scrape', handler)
  }
}
