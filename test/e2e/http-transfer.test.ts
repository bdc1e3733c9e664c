import { transferAndControl } from '../helpers/e2e-transfer.ts'

// Real clients (aria2c) meeting only through the tracker, over an http:// announce URL.
transferAndControl('http', {
  transfer: 'aria2 seeder and leecher exchange a file through an http:// tracker',
  control: 'negative control: with no tracker at the http:// announce URL, the leecher does not get the file'
})
