// Runs the real-VS-Code end-to-end test (test/e2e/run-e2e.sh) from vitest.
// Needs the environment from scripts/setup-e2e.sh (.ci/run installs it first).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const repo = path.join(__dirname, '../..');
const root = process.env.LL_E2E_ROOT ?? path.join(repo, '.cache/e2e');

it(
  'extension works in a real VS Code (code-server + chromium)',
  { timeout: 6 * 60_000 },
  async () => {
    const missing = [
      'node24/bin/node',
      'cs/node_modules/code-server/package.json',
      'tools/node_modules/playwright-core/package.json',
    ]
      .map((p) => path.join(root, p))
      .filter((p) => !fs.existsSync(p));
    if (missing.length)
      throw new Error(
        `the E2E environment is missing (${missing.join(', ')}): run scripts/setup-e2e.sh first`,
      );
    // `npm test` builds before vitest and other tests use dist/ meanwhile: do not rebuild it.
    const env = fs.existsSync(path.join(repo, 'dist/extension.js'))
      ? { ...process.env, LL_E2E_SKIP_BUILD: '1' }
      : process.env;
    const child = spawn('bash', [path.join(__dirname, 'run-e2e.sh')], {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => child.kill('SIGTERM'), 6 * 60_000 - 10_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    const line = out.split('\n').find((l) => l.startsWith('E2E_RESULT '));
    if (code !== 0 || !line) console.log(out.slice(-6000));
    expect(line, 'run-e2e.sh printed no E2E_RESULT line').toBeDefined();
    const result = JSON.parse((line as string).slice('E2E_RESULT '.length));
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(code).toBe(0);
    for (const [name, c] of Object.entries(result.checks as Record<string, { ok: boolean }>))
      expect(c.ok, name).toBe(true);
    expect(result.vsixBytes).toBeLessThan(3 * 1024 * 1024);
  },
);
