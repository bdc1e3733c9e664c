import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'

// Debian puts nginx in /usr/sbin, which an unprivileged user's PATH may lack.
const nginxBin = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx'

/**
 * The least around a site file that nginx needs to run unprivileged in a temp folder: every
 * path it writes (pid, logs, temp files) is inside that folder.
 */
function mainConf (dir: string, site: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${dir}/client-body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${site};
}
`
}

function folder (t: TestContext, site: string): { dir: string, conf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-nginx-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const sitePath = join(dir, 'site.conf')
  writeFileSync(sitePath, site)
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, mainConf(dir, sitePath))
  return { dir, conf }
}

/**
 * `nginx -t` on a site file: every directive parsed and checked, nothing started. nginx also
 * tries to bind the listen addresses, which port 80 refuses to a non-root user: that alone
 * is not counted against the file.
 */
export async function nginxCheck (t: TestContext, site: string): Promise<{ ok: boolean, output: string }> {
  const { dir, conf } = folder(t, site)
  const args = ['-t', '-p', dir, '-c', conf, '-e', join(dir, 'error.log')]
  const output = await new Promise<string>(resolve => {
    execFile(nginxBin, args, { timeout: 15_000 }, (_err, stdout, stderr) => resolve(stdout + stderr))
  })
  const problems = output.split('\n').filter(l => /\[(emerg|alert|crit|error|warn)\]/.test(l))
  const onlyBind = problems.every(l => /bind\(\) to \S+ failed \(13: Permission denied\)/.test(l))
  return { ok: /syntax is ok/.test(output) && onlyBind, output }
}

/** Runs nginx in the foreground with the site file; it listens on `port`, loopback only. */
export async function startNginx (t: TestContext, site: string, port: number): Promise<{ url: string, errorLog: () => string }> {
  const { dir, conf } = folder(t, site)
  const errorLogFile = join(dir, 'error.log')
  const child = spawn(nginxBin, ['-p', dir, '-c', conf, '-e', errorLogFile], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const exited = once(child, 'exit')
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await exited
  })
  const errorLog = (): string => {
    try {
      return readFileSync(errorLogFile, 'utf8')
    } catch {
      return ''
    }
  }
  const deadline = Date.now() + 10_000
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}\n${errorLog()}`)
    await sleep(50)
  }
  return { url: `http://127.0.0.1:${port}`, errorLog }
}

async function accepts (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}
