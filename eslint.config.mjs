// ESLint: typescript-eslint's recommended rules, the promise rules that catch a forgotten
// await, the size limits of the house (300 lines a file, 80 a function) and the Temporal
// workflow fence. Import boundaries between layers are checked by dependency-cruiser
// (.dependency-cruiser.cjs); formatting is Prettier's (eslint-config-prettier turns off
// every stylistic rule that would disagree with it).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '.state*/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test registers suites and cases synchronously; their returned promises are the runner's to await.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'error',
      'max-lines': ['error', { max: 300 }],
      'max-lines-per-function': ['error', { max: 80 }],
    },
  },
  {
    // Tests: a describe() block is a list of cases, not one function; keep the file limit.
    files: ['test/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    // Declarative tables: a list of cases reads best in one place.
    files: ['test/security/bad-input-cases.ts'],
    rules: { 'max-lines': 'off' },
  },
  {
    // The workflow fence: workflow code runs in Temporal's deterministic sandbox and is replayed.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'workflow code must not use Node built-ins; do it in an activity' })),
          patterns: [
            { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'workflows import activities as types only, through proxyActivities' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() in a loop from @temporalio/workflow' },
        { name: 'process', message: 'workflow code has no process; pass settings in the input' },
        { name: 'fetch', message: 'network calls belong in activities' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'use uuid4() or a seeded value from the input; randomness breaks replay' },
      ],
    },
  },
  {
    // Policy is pure: no I/O, no clock, no randomness; `now` is a parameter.
    files: ['policy/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: nodeBuiltins.map((name) => ({ name, message: 'policy and contracts are pure; no Node built-ins' })) },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'policy is pure; pass settings in' }, { name: 'setTimeout', message: 'policy is pure' }],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'policy is deterministic' },
        { object: 'Date', property: 'now', message: 'policy takes `now` as a parameter' },
      ],
    },
  },
);
