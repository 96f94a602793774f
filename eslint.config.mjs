// Lint rules. The import-direction rule is the architecture's main invariant:
// src/core never sees `vscode` (nor Node's I/O modules), so it runs the same in
// the CLI, the extension host, workers, the webview and tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.cache/**',
      'test-output/**',
      'test-fixtures/**',
      'webview/dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        __dirname: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'vscode',
              message: 'src/core must not depend on vscode: it runs in the CLI and tests too.',
            },
            {
              name: 'node:fs',
              message: 'src/core does no I/O: hosts read files and pass contents in.',
            },
            { name: 'fs', message: 'src/core does no I/O: hosts read files and pass contents in.' },
            { name: 'node:child_process', message: 'src/core does no I/O (git runs in src/node).' },
            { name: 'child_process', message: 'src/core does no I/O (git runs in src/node).' },
          ],
          patterns: [
            {
              group: ['**/extension/**', '**/cli/**', '**/node/**', '**/webview/**'],
              message: 'src/core is the lowest layer: it imports nothing above it.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests are hosts: they read fixtures and load the parser, then feed core like the CLI does.
    files: ['src/core/**/*.test.ts', 'src/core/**/*.testutil.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'src/core must not depend on vscode.' }] },
      ],
    },
  },
  {
    files: ['src/node/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'Only src/extension may import vscode.' }] },
      ],
    },
  },
);
