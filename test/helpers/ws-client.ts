import { once } from 'node:events'
import { WebSocket, type ClientOptions } from 'ws'

export type Frame = Record<string, unknown>

/** A raw WebSocket client that queues the frames it receives, so a test awaits the next one. */
export class WsTestClient {
  readonly socket: WebSocket
  private readonly frames: Frame[] = []
  private waiting: Array<(frame: Frame) => void> = []
  readonly closed: Promise<{ code: number, reason: string }>

  constructor (url: string, options: ClientOptions = {}) {
    this.socket = new WebSocket(url, options)
    this.socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as Frame
      const waiter = this.waiting.shift()
      if (waiter === undefined) this.frames.push(frame)
      else waiter(frame)
    })
    this.closed = new Promise(resolve => {
      this.socket.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }))
    })
    this.socket.on('error', () => {})
  }

  static async open (url: string, options: ClientOptions = {}): Promise<WsTestClient> {
    const client = new WsTestClient(url, options)
    await once(client.socket, 'open')
    return client
  }

  send (frame: Frame | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The next frame received, or a rejection after `ms` (a frame that should come did not). */
  async next (ms = 5000): Promise<Frame> {
    const queued = this.frames.shift()
    if (queued !== undefined) return queued
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter(w => w !== waiter)
        reject(new Error('no frame arrived'))
      }, ms)
      const waiter = (frame: Frame): void => { clearTimeout(timer); resolve(frame) }
      this.waiting.push(waiter)
    })
  }

  /** Frames received so far and not yet taken. */
  get pending (): number { return this.frames.length }

  close (): void { this.socket.close() }
}

/** A 20-character binary string (one char per byte), as the protocol carries ids. */
export function binaryId (tag: string): string {
  return Buffer.from(tag.padEnd(20, '-').slice(0, 20)).toString('latin1')
}
