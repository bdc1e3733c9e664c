import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { compiled } from './compiled.ts'

/** The production entry point, as systemd runs it: it registers tsx and runs bin/tracker.ts. */
export const launcher = fileURLToPath(new URL('../../bin/tracker', import.meta.url))

/**
 * What the tests start: the launcher, or, when the tests run compiled (test/build.mjs), the
 * compiled bin/tracker.ts the launcher would run, without the second of CPU tsx costs a process.
 * test/bin/tracker-process.test.ts starts the launcher itself.
 */
export const trackerBin = compiled ? fileURLToPath(new URL('../../bin/tracker.js', import.meta.url)) : launcher

export interface TrackerProcess {
  child: ChildProcess
  url: string
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>
  stderr: () => string
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
}

/** A test's or a suite's `after`, where the tracker is stopped if the test left it running. */
interface Cleanup { after: (fn: () => void) => void }

/** Runs the tracker's entry point (`trackerBin` unless told) on an ephemeral loopback port. */
export async function spawnTracker (t: Cleanup, env: Record<string, string>, nodeArgs: string[] = [], entry = trackerBin): Promise<TrackerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: { PATH: process.env.PATH, TRACKER_IP: '127.0.0.1', TRACKER_PORT: '0', TRACKER_UDP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const logs: Array<Record<string, unknown>> = []
  let err = ''
  let out = ''
  child.stderr?.on('data', (c: Buffer) => { err += c.toString() })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const url = await new Promise<string>((resolve, reject) => {
    // A readiness signal, not a deadline: generous, so a loaded machine is not a failure.
    const timer = setTimeout(() => reject(new Error(`tracker did not start: ${err}`)), 60_000)
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString()
      let nl
      while ((nl = out.indexOf('\n')) !== -1) {
        const line = out.slice(0, nl)
        out = out.slice(nl + 1)
        try {
          const entry = JSON.parse(line) as Record<string, unknown>
          logs.push(entry)
          const m = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(entry.msg))
          if (m !== null) { clearTimeout(timer); resolve(m[1]) }
        } catch {}
      }
    })
    void exited.then(code => { clearTimeout(timer); reject(new Error(`tracker exited (${code}) before listening: ${err}`)) })
  })
  return { child, url, logs, stderr: () => err, exited }
}

/** Runs the tracker expecting it to stop at once (a configuration error). */
export async function runTrackerToExit (env: Record<string, string>, entry = trackerBin): Promise<{ code: number | null, stderr: string, stdout: string }> {
  const child = spawn(process.execPath, [entry], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let stdout = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const [code] = await once(child, 'exit') as [number | null]
  clearTimeout(timer)
  return { code, stderr, stdout }
}
