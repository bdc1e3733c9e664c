import { build, stop } from 'esbuild'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * Runs a TypeScript entry point as one bundle, built by esbuild (the compiler tsx uses) at
 * every start, so it is never older than the sources. Loading each file through tsx's module
 * hooks, which answer from a thread of their own, costs a start about twice the CPU.
 */
export async function runBundled (entry) {
  const code = await bundle(fileURLToPath(entry))
  // A private folder (mode 0700) of this start's own, removed once the module has run, or when
  // the process exits while it runs (a configuration error).
  const dir = mkdtempSync(join(tmpdir(), 'tracker-'))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  process.once('exit', remove)
  const file = join(dir, 'bundle.mjs')
  writeFileSync(file, code)
  // Stack traces name the TypeScript file and line, as under tsx.
  process.setSourceMapsEnabled(true)
  try {
    await import(pathToFileURL(file).href)
  } finally {
    remove()
    process.removeListener('exit', remove)
  }
}

/** The bundle's text: packages stay outside it, imported by absolute URL since it runs from a temporary folder. */
export async function bundle (entry) {
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      sourcesContent: false,
      write: false,
      logLevel: 'silent',
      plugins: [{ name: 'in-place', setup: inPlace }]
    })
    return result.outputFiles[0].text
  } finally {
    // The compiler runs as a child process; the tracker should not keep it for its lifetime.
    await stop()
  }
}

/** Each file keeps its own import.meta.url (assets are found beside it); packages resolve from here. */
function inPlace (b) {
  b.onResolve({ filter: /^[^./]/ }, args => ({ path: import.meta.resolve(args.path), external: true }))
  b.onLoad({ filter: /\.ts$/ }, async args => {
    const url = JSON.stringify(pathToFileURL(args.path).href)
    return { contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', url), loader: 'ts' }
  })
}
