import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { analysisHash } from './scripts/analysisHash.mjs';

export default defineConfig({
  // The same analysis version as the bundles (index records are keyed by it).
  define: {
    __LL_ANALYSIS_HASH__: JSON.stringify(
      analysisHash(path.dirname(fileURLToPath(import.meta.url))),
    ),
  },
  test: {
    include: ['src/**/*.test.ts', 'webview/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Tree indexes built by tests (and the CLI runs they spawn) stay inside the
    // repository's ignored cache, never in the user's ~/.cache.
    env: {
      LIFECYCLE_LENS_CACHE: path.resolve(
        path.dirname(fileURLToPath(import.meta.url)),
        '.cache/index',
      ),
    },
  },
});
