import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import assert from 'node:assert/strict'
import { scriptArgs } from './compiled.ts'

/**
 * WebRTC gathers no candidate on loopback alone, so the WebRTC tests run in a network namespace
 * of their own (`unshare -n`, root only) with a veth pair of test addresses and a default route:
 * peers connect over those addresses, and nothing can leave the namespace.
 */
export const NETNS_HOST = '100.64.0.1'

export const notRoot: string | false = process.getuid?.() !== 0 ? 'a network namespace needs root' : false

/** Inside the namespace: loopback up, the veth pair with its addresses, the default route. */
export function setUpNamespaceNetwork (): void {
  const ip = (...args: string[]): void => { execFileSync('ip', args, { stdio: 'inherit' }) }
  ip('link', 'set', 'lo', 'up')
  ip('link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1')
  ip('addr', 'add', `${NETNS_HOST}/24`, 'dev', 'veth0')
  ip('addr', 'add', '100.64.0.2/24', 'dev', 'veth1')
  ip('link', 'set', 'veth0', 'up')
  ip('link', 'set', 'veth1', 'up')
  ip('route', 'add', 'default', 'via', '100.64.0.2', 'dev', 'veth0')
}

/** Prints what a scenario found, for `runInNamespace`. */
export function report (result: unknown): void {
  console.log('RESULT ' + JSON.stringify(result))
}

/** Runs a scenario script in a new network namespace and returns what it reported. */
export async function runInNamespace<T> (script: string): Promise<T> {
  const child = spawn('unshare', ['-n', process.execPath, ...scriptArgs(script)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  const line = stdout.split('\n').find(l => l.startsWith('RESULT '))
  assert.ok(line !== undefined, `the scenario ended (${String(code)}) without a result:\n${stderr}`)
  return JSON.parse(line.slice('RESULT '.length)) as T
}
