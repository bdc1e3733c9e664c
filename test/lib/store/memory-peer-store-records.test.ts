import { MemoryPeerStore } from '../../../lib/store/memory/memory-peer-store.ts'
import { peerStoreRecordsContract } from './peer-store-contract.ts'

peerStoreRecordsContract('MemoryPeerStore', () => new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95 }), () => new MemoryPeerStore({ peerTimeout: 1800, similarityThreshold: 0.95, registeredOnly: true }))
