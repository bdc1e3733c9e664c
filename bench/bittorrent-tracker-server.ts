/**
 * bittorrent-tracker@10's Server (HTTP and UDP on one port), the Node tracker we compare with.
 * WS=1 adds its WebSocket tracker on the HTTP port, for the WebSocket scenarios only: the HTTP
 * and UDP ones measure the server as deployed without it.
 */
import { Server } from 'bittorrent-tracker'

const server = new Server({ http: true, udp: true, ws: process.env.WS === '1', stats: false })
server.on('error', (err: Error) => { console.error(err.message) })
server.on('warning', () => {})
server.listen(Number(process.env.PORT), { http: '127.0.0.1', udp: '127.0.0.1', udp6: '::1' }, () => { console.log('listening') })
process.on('SIGTERM', () => { server.close(() => process.exit(0)) })
