import { open, readdir, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { MAX_TORRENT_FILE_BYTES, parseTorrentFile, TorrentFileError, type TorrentFile } from '../lib/torrent/torrent-file.ts'
import { addTorrentInfo, addTorrentInfoUrl, torrentInfoRequests, TrackerError, type AddStatus, type TorrentInfoRequest } from '../lib/torrent/tracker-client.ts'

const HELP = `Usage: add-torrent [options] <file.torrent | folder>...

Registers .torrent files with the tracker (POST /add_torrent_info). Folders are searched
recursively for *.torrent files; a file named on the command line must end in .torrent.

Options (environment variable and default in brackets):
  -t, --tracker <url>        tracker base URL [TRACKER_URL, http://localhost:6969]
      --token <token>        admin bearer token [TRACKER_ADMIN_TOKEN]; prefer the variable,
                             since other users can read a command line
      --timeout <seconds>    time allowed for each request, up to 3600
                             [ADD_TORRENT_TIMEOUT, 30]
      --retries <n>          further attempts after a connection error, timeout or 5xx
                             answer, up to 100 [ADD_TORRENT_RETRIES, 3]; a 4xx answer is
                             never retried
      --retry-delay <seconds>  wait between attempts, up to 3600 [ADD_TORRENT_RETRY_DELAY, 2]
  -n, --dry-run              print the JSON each request would carry; send nothing
      --json                 print the results as one JSON document instead of lines
  -h, --help                 show this help

A v1 torrent is registered under its SHA-1 info hash, a v2 torrent under its SHA-256 info
hash truncated to 20 bytes (what clients announce), a hybrid torrent under both. A file
that is not a usable torrent, or is over 50 MiB, fails with the reason and the rest go on.

Exit status: 0 when every file was added or updated, 1 when any failed, 2 for a usage error.
`

interface Settings {
  trackerUrl: string
  token: string
  timeoutMs: number
  retries: number
  retryDelayMs: number
  dryRun: boolean
  json: boolean
  paths: string[]
}

class UsageError extends Error {}

type Status = AddStatus | 'failed' | 'parsed'

interface Result {
  file: string
  status: Status
  error?: string
  torrent?: TorrentFile
  requests?: TorrentInfoRequest[]
}

function settingsFrom (args: string[], env: NodeJS.ProcessEnv): Settings | null {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tracker: { type: 'string', short: 't' },
      token: { type: 'string' },
      timeout: { type: 'string' },
      retries: { type: 'string' },
      'retry-delay': { type: 'string' },
      'dry-run': { type: 'boolean', short: 'n' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help === true) return null
  if (positionals.length === 0) throw new UsageError('no .torrent file or folder given')
  const trackerUrl = values.tracker ?? env.TRACKER_URL ?? 'http://localhost:6969'
  try {
    addTorrentInfoUrl(trackerUrl)
  } catch {
    throw new UsageError(`not an http(s) URL: ${trackerUrl}`)
  }
  return {
    trackerUrl,
    token: values.token ?? env.TRACKER_ADMIN_TOKEN ?? '',
    timeoutMs: 1000 * numberOption({ flag: '--timeout', variable: 'ADD_TORRENT_TIMEOUT', fallback: 30, max: 3600, zero: false }, values.timeout, env),
    retries: numberOption({ flag: '--retries', variable: 'ADD_TORRENT_RETRIES', fallback: 3, max: 100, integer: true, zero: true }, values.retries, env),
    retryDelayMs: 1000 * numberOption({ flag: '--retry-delay', variable: 'ADD_TORRENT_RETRY_DELAY', fallback: 2, max: 3600, zero: true }, values['retry-delay'], env),
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    paths: positionals
  }
}

interface NumberSpec {
  flag: string
  variable: string
  fallback: number
  max: number
  integer?: boolean
  /** Whether 0 is allowed (a zero timeout is not). */
  zero: boolean
}

function numberOption (spec: NumberSpec, given: string | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = env[spec.variable]
  const [source, text] = given !== undefined ? [spec.flag, given] : fromEnv !== undefined ? [spec.variable, fromEnv] : [null, '']
  if (source === null) return spec.fallback
  const value = Number(text)
  const integer = spec.integer === true
  if (text.trim() === '' || !(value >= (spec.zero ? 0 : Number.MIN_VALUE) && value <= spec.max) || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'a whole number' : 'a number of seconds'
    throw new UsageError(`${source} must be ${kind} ${spec.zero ? 'from 0 to' : 'above 0 and at most'} ${spec.max}, not '${text}'`)
  }
  return value
}

const isTorrentName = (name: string): boolean => extname(name).toLowerCase() === '.torrent'

/** Files to register, in order, each once; a path that cannot be used becomes a failure. */
async function collect (paths: string[]): Promise<Result[]> {
  // Keyed by absolute path, so a file reached twice (named, and inside a folder) is sent once.
  const found = new Map<string, Result>()
  const add = (file: string, error?: string): void => {
    const key = resolve(file)
    if (!found.has(key)) found.set(key, error === undefined ? { file, status: 'parsed' } : { file, status: 'failed', error })
  }
  for (const path of paths) {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => err)
    if (info instanceof Error) add(path, info.code === 'ENOENT' ? 'no such file or folder' : info.message)
    else if (info.isDirectory()) await walk(path, add)
    else if (!isTorrentName(path)) add(path, `not a .torrent file (extension '${extname(path)}' is not supported)`)
    else if (!info.isFile()) add(path, 'not a regular file')
    else add(path)
  }
  return [...found.values()]
}

async function walk (root: string, add: (file: string, error?: string) => void): Promise<void> {
  const folders = [root]
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    const entries = await readdir(folder, { withFileTypes: true }).catch((err: Error) => err)
    if (entries instanceof Error) {
      add(folder, `cannot read folder: ${entries.message}`)
      continue
    }
    entries.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))
    const subfolders: string[] = []
    for (const entry of entries) {
      const path = join(folder, entry.name)
      // Symbolic links to folders are not followed, so a link loop cannot trap the walk.
      if (entry.isDirectory()) subfolders.push(path)
      else if ((entry.isFile() || entry.isSymbolicLink()) && isTorrentName(entry.name)) add(path)
    }
    folders.push(...subfolders.reverse())
  }
}

/** Refuses anything too large before reading it, so memory stays bounded. */
async function readLimited (file: string): Promise<Buffer> {
  const handle = await open(file, 'r')
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new TorrentFileError('not a regular file')
    if (info.size > MAX_TORRENT_FILE_BYTES) {
      throw new TorrentFileError(`file is ${(info.size / 1024 / 1024).toFixed(1)} MiB, over the ${MAX_TORRENT_FILE_BYTES / 1024 / 1024} MiB limit for a .torrent`)
    }
    const buf = Buffer.alloc(info.size)
    let length = 0
    while (length < buf.length) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    return buf.subarray(0, length)
  } finally {
    await handle.close()
  }
}

async function register (result: Result, settings: Settings, note: (line: string) => void): Promise<void> {
  try {
    const torrent = parseTorrentFile(await readLimited(result.file))
    const requests = torrentInfoRequests(torrent)
    result.torrent = torrent
    if (settings.dryRun) {
      result.requests = requests
      return
    }
    const client = {
      ...settings,
      onRetry: (err: TrackerError, attempt: number) => {
        note(`retrying ${result.file} in ${settings.retryDelayMs / 1000} s (attempt ${attempt + 1} of ${settings.retries + 1}): ${err.message}`)
      }
    }
    const statuses: AddStatus[] = []
    for (const request of requests) statuses.push(await addTorrentInfo(client, request))
    result.status = statuses.includes('added') ? 'added' : 'updated'
  } catch (err) {
    if (!(err instanceof TorrentFileError || err instanceof TrackerError || isFsError(err))) throw err
    result.status = 'failed'
    result.error = err.message
  }
}

function isFsError (err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string'
}

function line (result: Result): string {
  const { file, status, torrent, error } = result
  if (status === 'failed' || torrent === undefined) return `failed   ${file}: ${error ?? 'unknown error'}`
  const hashes = [torrent.infoHash === null ? null : `v1 ${torrent.infoHash}`, torrent.infoHashV2 === null ? null : `v2 ${torrent.infoHashV2}`]
  const what = `${torrent.name} (${torrent.size} bytes, ${hashes.filter(h => h !== null).join(' + ')})`
  return `${status.padEnd(8)} ${file}: ${what}`
}

/** Control characters in names or answers must not drive the terminal. */
function printable (text: string): string {
  return text.replace(/\p{Cc}/gu, c => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

function jsonResult ({ file, status, error, torrent, requests }: Result): Record<string, unknown> {
  return {
    file,
    status,
    ...(error === undefined ? {} : { error }),
    ...(torrent === undefined
      ? {}
      : {
          torrent: {
            version: torrent.version,
            info_hash: torrent.infoHash,
            info_hash_v2: torrent.infoHashV2,
            info_hash_v2_truncated: torrent.infoHashV2Truncated,
            name: torrent.name,
            size: torrent.size,
            file_count: torrent.fileCount,
            piece_length: torrent.pieceLength,
            comment: torrent.comment,
            created_by: torrent.createdBy,
            creation_date: torrent.creationDate,
            private: torrent.private
          }
        }),
    ...(requests === undefined ? {} : { requests })
  }
}

/** A one-line bar on stderr, only for a person watching many files go by. */
function progressBar (total: number, stderr: CliStreams['stderr'], enabled: boolean): { show: (done: number) => void, clear: () => void } {
  if (!enabled) return { show: () => {}, clear: () => {} }
  const width = 30
  return {
    show: done => {
      const filled = Math.round(width * done / total)
      stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`)
    },
    clear: () => { stderr.write('\r\x1b[K') }
  }
}

/** Where the command writes: the process's own streams, or a test's. */
export interface CliStreams {
  stdout: { write: (text: string) => unknown }
  stderr: { write: (text: string) => unknown, isTTY?: boolean }
}

/** The whole command: its arguments and environment in, its exit status out. */
export async function addTorrentCli (args: string[], env: NodeJS.ProcessEnv, { stdout, stderr }: CliStreams): Promise<number> {
  let settings: Settings | null
  try {
    settings = settingsFrom(args, env)
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err
    stderr.write(`add-torrent: ${err.message}\nTry 'add-torrent --help'.\n`)
    return 2
  }
  if (settings === null) {
    stdout.write(HELP)
    return 0
  }

  const results = await collect(settings.paths)
  const bar = progressBar(results.length, stderr, !settings.json && stderr.isTTY === true && results.length >= 10)
  const say = (text: string, stream: CliStreams['stdout'] = stdout): void => {
    bar.clear()
    stream.write(printable(text) + '\n')
  }
  const note = (text: string): void => { say(text, stderr) }
  for (const [index, result] of results.entries()) {
    if (result.status !== 'failed') await register(result, settings, note)
    if (!settings.json) {
      say(line(result))
      if (settings.dryRun) for (const request of result.requests ?? []) say(`  POST ${addTorrentInfoUrl(settings.trackerUrl).href} ${JSON.stringify(request)}`)
    }
    bar.show(index + 1)
  }
  bar.clear()

  const count = (status: Status): number => results.filter(r => r.status === status).length
  const summary = { added: count('added'), updated: count('updated'), parsed: count('parsed'), failed: count('failed'), total: results.length }
  if (settings.json) {
    stdout.write(JSON.stringify({ dry_run: settings.dryRun, results: results.map(jsonResult), summary }, null, 2) + '\n')
  } else if (results.length === 0) {
    stdout.write('no .torrent files found\n')
  } else {
    const counts = settings.dryRun ? `${summary.parsed} parsed` : `${summary.added} added, ${summary.updated} updated`
    stdout.write(`${counts}, ${summary.failed} failed, ${summary.total} files${settings.dryRun ? ' (dry run: nothing sent)' : ''}\n`)
  }
  return summary.failed === 0 && results.length > 0 ? 0 : 1
}
