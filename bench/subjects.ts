import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

export type SubjectName = 'ours' | 'ceiling' | 'bittorrent-tracker' | 'opentracker'

export interface Subject {
  name: SubjectName
  port: number
  pid: number
  /** How the process ended, or null while it runs. */
  exited: () => string | null
  stop: () => Promise<void>
}

function exitStatus (child: ChildProcess): string | null {
  if (child.signalCode !== null) return `signal ${child.signalCode}`
  return child.exitCode === null ? null : `exit code ${child.exitCode}`
}

/** Starts one subject on 127.0.0.1:port (HTTP, and UDP where it has it) and waits until it answers. */
/**
 * `settings` adds environment variables: TRACKER_* for our tracker (the shared store, workers,
 * WebSocket limits), WS=1 for bittorrent-tracker's WebSocket server.
 */
export async function startSubject (name: SubjectName, port: number, dir: string, hashes: string[], nodeArgs: string[] = [], settings: Record<string, string> = {}): Promise<Subject> {
  let child: ChildProcess
  const env = { ...process.env, PORT: String(port), ...settings }
  switch (name) {
    case 'ours':
      child = spawn(process.execPath, [...nodeArgs, join(root, 'bin/tracker')], {
        env: { PATH: process.env.PATH, TRACKER_IP: '127.0.0.1', TRACKER_PORT: String(port), TRACKER_LOG_LEVEL: 'warn', TRACKER_SAVE_INTERVAL: '0', TRACKER_DATA_FILE: join(dir, `state-${port}.json`), ...settings },
        stdio: ['ignore', 'ignore', 'inherit']
      })
      break
    case 'ceiling':
      child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(root, 'bench/ceiling-server.ts')], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] })
      break
    case 'bittorrent-tracker':
      child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(root, 'bench/bittorrent-tracker-server.ts')], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] })
      break
    case 'opentracker':
      // Debian's opentracker serves whitelisted torrents only; it chroots into `dir` and drops
      // to the user nobody, who must be able to read the list there.
      chmodSync(dir, 0o755)
      writeFileSync(join(dir, 'whitelist'), hashes.join('\n') + '\n')
      child = spawn('opentracker', ['-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-d', dir, '-w', 'whitelist'], { cwd: dir, stdio: ['ignore', 'ignore', 'ignore'] })
      break
  }
  await waitForPort(port, child)
  // Let start-up work settle before load; opentracker reads its whitelist in the background.
  await sleep(name === 'opentracker' ? 2000 : 300)
  // Whatever answered may be another process on that port, if this one could not listen.
  if (exitStatus(child) !== null) throw new Error(`${name} exited at start (${exitStatus(child)}), port ${port}`)
  return {
    name,
    port,
    pid: child.pid ?? -1,
    exited: () => exitStatus(child),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
}

/**
 * CPU seconds (user and system) a process has used so far: read around a run, it gives the
 * subject's CPU per request, steadier on a shared machine than the rate itself.
 */
export function cpuSeconds (pid: number): number {
  // Fields after the command name, which sits in parentheses and may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicks
}
/** The kernel's part of cpuSeconds: on a loopback load, mostly socket reads and writes. */
export function systemSeconds (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return Number(fields[12]) / clockTicks
}
/** cpuSeconds of a process and its children (a tracker's worker processes). */
export function treeCpuSeconds (pid: number): number {
  let children: number[] = []
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {}
  return cpuSeconds(pid) + children.reduce((sum, child) => sum + cpuSeconds(child), 0)
}
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

async function waitForPort (port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`subject exited with ${child.exitCode}`)
    const ok = await new Promise<boolean>(resolve => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true) })
      s.on('error', () => resolve(false))
    })
    if (ok) return
    await sleep(50)
  }
  child.kill('SIGKILL')
  throw new Error(`nothing listens on ${port}`)
}
