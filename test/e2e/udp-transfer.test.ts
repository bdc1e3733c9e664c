import { transferAndControl } from '../helpers/e2e-transfer.ts'

// aria2 sends udp:// announces through its DHT socket: DHT is on, with an empty routing table,
// and the negative control shows that DHT alone does not bring the two together.
transferAndControl('udp', {
  transfer: 'aria2 seeder and leecher exchange a file through a udp:// tracker',
  control: 'negative control: with no tracker at the udp:// announce URL, the leecher does not get the file'
})
