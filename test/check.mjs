import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import ts from 'typescript'

/**
 * Type-check and lint in one process, for the test command. The lint's typed rules need the same
 * TypeScript program that the type-check builds; handed that program, ESLint skips building and
 * checking a second one of its own, the larger part of what lint and tsc cost side by side.
 * `npm run lint` and `npm run typecheck` stay the separate, standard commands.
 */
const root = fileURLToPath(new URL('..', import.meta.url))
const configFile = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json')
if (configFile === undefined) throw new Error(`no tsconfig.json in ${root}`)
const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile)
if (error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'))
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root)
const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences })

const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)]
if (diagnostics.length > 0) {
  const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => root, getNewLine: () => '\n' }
  const format = process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics
  process.stdout.write(format(diagnostics, host))
}

const eslint = new ESLint({
  cwd: root,
  overrideConfig: { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false, programs: [program] } } }
})
const results = await eslint.lintFiles(['.'])
const report = await (await eslint.loadFormatter('stylish')).format(results)
if (report !== '') process.stdout.write(report)

// As the two commands would: a lint warning is shown, and only an error fails.
const errors = results.reduce((sum, r) => sum + r.errorCount, 0)
const warnings = results.reduce((sum, r) => sum + r.warningCount, 0)
process.stdout.write(`tsc: ${diagnostics.length} errors; eslint: ${errors} errors, ${warnings} warnings in ${results.length} files\n`)
process.exitCode = diagnostics.length > 0 || errors > 0 ? 1 : 0
