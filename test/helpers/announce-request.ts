import { EVENT_NONE, type AnnounceRequest } from '../../lib/store/peer-store.ts'

/**
 * An announce as a front end hands it to a store: by default a leecher with 5 bytes left, no
 * event, 50 peers wanted, no key, compact replies with both families; `fields` say the rest.
 */
export function announceRequest (fields: Pick<AnnounceRequest, 'infoHash' | 'peerId' | 'endpoint'> & Partial<AnnounceRequest>): AnnounceRequest {
  return { uploaded: 0, downloaded: 0, left: 5, event: EVENT_NONE, numwant: 50, key: 0, wantPeerIds: false, wantOtherFamily: true, ...fields }
}
