/**
 * True when the tests run as the JavaScript test/build.mjs compiles (the test command), false
 * when they run through tsx (a single file, StrykerJS). Child processes started from compiled
 * tests run compiled scripts too, without a loader.
 */
export const compiled = import.meta.url.endsWith('.js')

/** The arguments that make `node` run one of the project's TypeScript scripts. */
export function scriptArgs (file: string): string[] {
  return compiled ? [file.replace(/\.ts$/, '.js')] : ['--import', 'tsx', file]
}
