/** The framework's ceiling: Fastify answering /announce with a fixed ~100-byte bencoded body. */
import Fastify from 'fastify'

const body = Buffer.from('d8:completei5e10:downloadedi0e10:incompletei9e8:intervali900e12:min intervali300e5:peers18:' + 'x'.repeat(18) + 'e')
const app = Fastify({ logger: false })
app.get('/announce', async (_request, reply) => reply.type('text/plain').send(body))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
