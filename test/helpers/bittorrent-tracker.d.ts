// The parts of bittorrent-tracker@10 that the tests and benchmarks use; the package ships no types.
declare module 'bittorrent-tracker' {
  import { EventEmitter } from 'node:events'

  export interface AnnounceOptions {
    uploaded?: number
    downloaded?: number
    /** Omitted: UDP sends "unknown" (all ones), HTTP sends no `left` at all. */
    left?: number
    numwant?: number
  }

  export interface ClientOptions {
    /** 40 hex digits or 20 bytes. */
    infoHash: string | Uint8Array
    peerId: string | Uint8Array
    announce: string | string[]
    /** The port this client says it listens on. */
    port: number
    getAnnounceOpts?: () => AnnounceOptions
    /** A WebRTC implementation; without one the Client skips ws:// trackers in Node. */
    wrtc?: object
    /** The RTCPeerConnection configuration of its peers (ICE servers). */
    rtcConfig?: { iceServers: object[] }
  }

  export interface UpdateEvent {
    announce: string
    complete: number
    incomplete: number
  }

  export interface ScrapeEvent {
    announce: string
    infoHash: string
    complete: number
    incomplete: number
    downloaded: number
  }

  /** A WebRTC peer (simple-peer), which ws:// trackers hand out instead of an address. */
  export interface WebRtcPeer extends EventEmitter {
    send: (data: string) => void
    destroy: () => void
  }

  export class Client extends EventEmitter {
    constructor (options: ClientOptions)
    start (options?: AnnounceOptions): void
    stop (options?: AnnounceOptions): void
    complete (options?: AnnounceOptions): void
    update (options?: AnnounceOptions): void
    scrape (options?: { infoHash?: string | string[] }): void
    destroy (callback?: (err: Error | null) => void): void
    on (event: 'peer', listener: (address: string) => void): this
    on (event: 'peer', listener: (peer: WebRtcPeer) => void): this
    on (event: 'update', listener: (data: UpdateEvent) => void): this
    on (event: 'scrape', listener: (data: ScrapeEvent) => void): this
    on (event: 'warning' | 'error', listener: (err: Error) => void): this
    off (event: string, listener: (...args: never[]) => void): this
  }

  export class Server extends EventEmitter {
    constructor (options: { http?: boolean, udp?: boolean, ws?: boolean, stats?: boolean, interval?: number })
    /** The HTTP server that also carries the WebSocket upgrades (when http or ws is on). */
    http: import('node:http').Server | null
    listen (port: number, hostname: { http: string, udp: string, udp6: string }, onListening?: () => void): void
    close (callback?: () => void): void
  }

  export default Client
}
