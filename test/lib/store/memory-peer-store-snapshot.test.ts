import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { peerStoreSnapshotContract } from './peer-store-contract.ts'

peerStoreSnapshotContract('MemoryPeerStore', () => new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95 }), () => new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95, registeredOnly: true }))
