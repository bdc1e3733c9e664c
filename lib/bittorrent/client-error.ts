/**
 * An error whose message may be shown to a torrent client as the bencoded `failure reason`.
 * Anything else that goes wrong is logged and answered with a generic failure, so internal
 * details never leak into replies.
 */
export class ClientError extends Error {
  override name = 'ClientError'
}
