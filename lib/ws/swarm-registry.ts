import type { Counts, WsEvent } from './protocol.ts'

/**
 * The WebSocket peers of this process, per torrent: who is connected on which socket, so
 * offers and answers can be relayed. `S` is the socket (opaque here: this file knows no
 * transport). Browsers can only reach each other through WebRTC, so these peers are kept
 * apart from the HTTP/UDP store and are only ever handed to one another.
 */
export interface WsPeer<S> {
  peerId: string
  socket: S
  seeder: boolean
  /** Seconds (the registry's clock) of the last announce. */
  lastSeen: number
  /** Position in the swarm's list, for O(1) removal and random picks. */
  slot: number
  /** Its finished download has been counted (it will not count again). */
  counted: boolean
}

interface Swarm<S> {
  list: Array<WsPeer<S>>
  byId: Map<string, WsPeer<S>>
  complete: number
  incomplete: number
}

export interface RegistryAnnounce {
  infoHash: string
  peerId: string
  event: WsEvent
  left: number
}

export interface AnnounceOutcome<S> {
  counts: Counts
  /** Distinct random peers to receive the announcer's offers, at most the number asked for. */
  targets: S[]
  /** This announce finished the peer's download: the torrent's `downloaded` goes up by one. */
  completed: boolean
}

export class WsSwarmRegistry<S> {
  private readonly swarms = new Map<string, Swarm<S>>()
  private peerCount = 0

  constructor (private readonly random: () => number = Math.random) {}

  /** Peers across every torrent. */
  get peers (): number { return this.peerCount }
  get torrents (): number { return this.swarms.size }

  /**
   * Records an announce from `socket` and draws up to `want` offer targets: never the
   * announcer, and no seeder for a seeder (seeders have nothing to trade). A peer on the same
   * socket may be drawn: bittorrent-tracker's Client shares a socket between its clients, and
   * each one takes only the frames meant for it. `stopped` removes the peer and draws nobody.
   */
  announce (socket: S, request: RegistryAnnounce, now: number, want: number): AnnounceOutcome<S> {
    if (request.event === 'stopped') {
      this.leave(request.infoHash, request.peerId, socket)
      return { counts: this.counts(request.infoHash), targets: [], completed: false }
    }
    let swarm = this.swarms.get(request.infoHash)
    if (swarm === undefined) {
      swarm = { list: [], byId: new Map(), complete: 0, incomplete: 0 }
      this.swarms.set(request.infoHash, swarm)
    }
    let peer = swarm.byId.get(request.peerId)
    const seeder = request.left === 0 || request.event === 'completed' || (peer?.seeder ?? false)
    // As over HTTP: on `completed`, or when a known leecher comes back with nothing left.
    const finished = request.event === 'completed' || (peer !== undefined && !peer.seeder && request.left === 0)
    if (peer === undefined) {
      peer = { peerId: request.peerId, socket, seeder, lastSeen: now, slot: swarm.list.length, counted: false }
      swarm.list.push(peer)
      swarm.byId.set(request.peerId, peer)
      if (seeder) swarm.complete++
      else swarm.incomplete++
      this.peerCount++
    } else {
      if (seeder && !peer.seeder) { swarm.complete++; swarm.incomplete-- }
      peer.seeder = seeder
      peer.socket = socket
      peer.lastSeen = now
    }
    const completed = finished && !peer.counted
    if (completed) peer.counted = true
    // Stryker disable next-line ConditionalExpression,EqualityOperator: draw() finds no targets for want 0 either; this is the quick way out
    return { counts: { complete: swarm.complete, incomplete: swarm.incomplete }, targets: want > 0 ? this.draw(swarm, peer, want) : [], completed }
  }

  private draw (swarm: Swarm<S>, self: WsPeer<S>, want: number): S[] {
    const { list } = swarm
    const n = list.length
    const out: S[] = []
    // A random start and a walk round the list: each pick is distinct, no copy of the swarm.
    const start = Math.floor(this.random() * n)
    for (let i = 0; i < n && out.length < want; i++) {
      const peer = list[(start + i) % n]
      if (peer === self || (self.seeder && peer.seeder)) continue
      out.push(peer.socket)
    }
    return out
  }

  /** The socket of `peerId` in the torrent, for an answer; undefined if it left. */
  find (infoHash: string, peerId: string): S | undefined {
    return this.swarms.get(infoHash)?.byId.get(peerId)?.socket
  }

  /** Removes the peer if `socket` is still its socket (a peer that reconnected keeps its new entry). */
  leave (infoHash: string, peerId: string, socket: S): boolean {
    const swarm = this.swarms.get(infoHash)
    const peer = swarm?.byId.get(peerId)
    if (swarm === undefined || peer === undefined || peer.socket !== socket) return false
    this.remove(infoHash, swarm, peer)
    return true
  }

  private remove (infoHash: string, swarm: Swarm<S>, peer: WsPeer<S>): void {
    const last = swarm.list.pop() as WsPeer<S>
    if (last !== peer) {
      swarm.list[peer.slot] = last
      last.slot = peer.slot
    }
    swarm.byId.delete(peer.peerId)
    if (peer.seeder) swarm.complete--
    else swarm.incomplete--
    this.peerCount--
    if (swarm.list.length === 0) this.swarms.delete(infoHash)
  }

  counts (infoHash: string): Counts {
    const swarm = this.swarms.get(infoHash)
    return swarm === undefined ? { complete: 0, incomplete: 0 } : { complete: swarm.complete, incomplete: swarm.incomplete }
  }

  /** Every torrent with WebSocket peers, as the binary strings of the protocol. */
  infoHashes (): string[] { return [...this.swarms.keys()] }

  /** Drops peers silent since before `now - timeout`; returns how many. */
  sweep (now: number, timeout: number): number {
    let dropped = 0
    for (const [infoHash, swarm] of this.swarms) {
      for (let i = swarm.list.length - 1; i >= 0; i--) {
        const peer = swarm.list[i]
        if (peer.lastSeen < now - timeout) {
          this.remove(infoHash, swarm, peer)
          dropped++
        }
      }
    }
    return dropped
  }
}
