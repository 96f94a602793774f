// Runs the TextMate grammar tests (vscode-tmgrammar-test on
// test-fixtures/grammar/*.test.eml) through the npm script, so a grammar
// regression fails `vitest run` too.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('review-mail grammar passes its vscode-tmgrammar-test cases', () => {
  const r = spawnSync('npm', ['run', '--silent', 'test:grammar'], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  const out = `${r.stdout}${r.stderr}`;
  expect(out, out).not.toMatch(/ERROR/);
  expect(r.status, out).toBe(0);
  // Both fixture files ran (a glob matching nothing would pass silently).
  expect(out.match(/run successfuly/g)?.length ?? 0, out).toBeGreaterThanOrEqual(2);
});
