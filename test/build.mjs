import { mkdirSync, readdirSync, symlinkSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { init, parse } from 'es-module-lexer'
import { transform } from 'esbuild'

/**
 * Usage: node test/build.mjs <folder>. Makes <folder> a copy of the checkout that Node runs without
 * a loader: every file is a link to the original, and each TypeScript file also gets its
 * JavaScript beside it, compiled by esbuild as tsx compiles it at run time (types erased, nothing
 * checked: test/check.mjs type-checks), with its `.ts` imports pointed at the `.js` files. The test
 * command runs its tests there, because tsx costs about a second of CPU in each process, and the
 * tests start some fifty.
 */
const root = fileURLToPath(new URL('..', import.meta.url))
const out = process.argv[2]
if (out === undefined) throw new Error('usage: node test/build.mjs <folder>')

// Not mirrored; node_modules and the tests' output folder are linked whole.
const skip = new Set(['.git', '.stryker-tmp', 'reports', 'node_modules', 'test-artifacts'])
const linked = ['node_modules', 'test-artifacts']

const sources = []
function mirror (rel) {
  mkdirSync(join(out, rel), { recursive: true })
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const path = join(rel, entry.name)
    if (entry.isDirectory()) {
      if (!skip.has(entry.name)) mirror(path)
      continue
    }
    symlinkSync(join(root, path), join(out, path))
    if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) sources.push(path)
  }
}
mirror('')
for (const name of linked) {
  mkdirSync(join(root, name), { recursive: true })
  symlinkSync(join(root, name), join(out, name))
}

// As tsx compiles a file when it loads it, one file at a time; then relative `.ts` imports, static
// or dynamic, are pointed at the compiled `.js` files.
const tsconfigRaw = await readFile(join(root, 'tsconfig.json'), 'utf8')
await init
await Promise.all(sources.map(async path => {
  const source = await readFile(join(root, path), 'utf8')
  const { code } = await transform(source, { loader: 'ts', tsconfigRaw, format: 'esm', target: `node${process.versions.node}`, sourcemap: 'inline', sourcefile: join(root, path) })
  let js = ''
  let at = 0
  for (const { s: start, e: end, n: name } of parse(code)[0]) {
    if (name === undefined || !/^\.\.?\/.*\.ts$/.test(name)) continue
    // A dynamic import's range holds the quotes too.
    js += code.slice(at, start) + code.slice(start, end).replace(name, name.slice(0, -3) + '.js')
    at = end
  }
  await writeFile(join(out, path.slice(0, -3) + '.js'), js + code.slice(at))
}))
