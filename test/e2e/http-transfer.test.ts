import { test } from 'node:test'
import { noTransferWithoutTracker, transferThroughTracker } from '../helpers/e2e-transfer.ts'

// Real clients (aria2c) meeting only through the tracker, over an http:// announce URL.
test('aria2 seeder and leecher exchange a file through an http:// tracker', { timeout: 90_000 }, async (t) => {
  await transferThroughTracker(t, 'http')
})

test('negative control: with the http:// tracker stopped, the leecher does not get the file', { timeout: 90_000 }, async (t) => {
  await noTransferWithoutTracker(t, 'http')
})
