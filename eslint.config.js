import neostandard from 'neostandard'
import tseslint from 'typescript-eslint'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules/**', 'bench/results/**', '.stryker-tmp/**', 'reports/**', 'test-artifacts/**'] }),
  {
    // The dashboard's scripts run in the browser as they are.
    files: ['dashboard/**/*.js'],
    languageOptions: { globals: { getComputedStyle: 'readonly', ResizeObserver: 'readonly' } }
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test runs a test()/describe() promise itself; awaiting it is not required.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }]
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // `void promise` is how a deliberate fire-and-forget is marked for no-floating-promises.
      'no-void': ['error', { allowAsStatement: true }]
    }
  }
]
