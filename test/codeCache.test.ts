// The CLI's code cache (src/node/codeCache.ts) through the built launcher: the
// first run writes it, later runs use it, a damaged file is never used, and the
// output never depends on it. `analyze` changes V8 flags at run time
// (compilerTiering.ts): a cache that is used on the next run shows they were undone.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const FIXTURE = path.join(ROOT, 'test-fixtures/contexts/entry-contexts.c');
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-cli-cache-'));
afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

function run(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LIFECYCLE_LENS_CACHE: cacheDir, LIFECYCLE_LENS_DEBUG: '1', ...extraEnv },
  });
  const use = /lifecycle-lens: code cache (\w+)/.exec(r.stderr)?.[1];
  return { status: r.status, stdout: r.stdout, use };
}

const cacheFiles = () => fs.readdirSync(path.join(cacheDir, 'code-cache'));

describe.skipIf(!fs.existsSync(CLI))('the CLI through its code cache', () => {
  it('is written by the first run, used by the next, ignored when damaged', () => {
    const analyze = ['analyze', FIXTURE, '--json', '-q', '--no-tree'];
    // Another command first: it writes its own cache, not the one analyze reads.
    expect(run(['--version']).use).toBe('none');
    const first = run(analyze);
    expect([first.status, first.use]).toEqual([0, 'none']);
    const name = (command: string) =>
      expect.stringMatching(new RegExp(`^cliMain-${command}-\\d+-\\d+-v[\\d.]+-\\w+\\.bin$`));
    expect(cacheFiles().sort()).toEqual([name('analyze'), name('other')]);
    const second = run(analyze);
    expect([second.status, second.use]).toEqual([0, 'used']);
    expect(second.stdout).toBe(first.stdout);
    expect(run(['--version']).use).toBe('used');

    const file = path.join(
      cacheDir,
      'code-cache',
      cacheFiles().find((f) => f.includes('-analyze-'))!,
    );
    const data = fs.readFileSync(file);
    data[data.length >> 1] ^= 0xff;
    fs.writeFileSync(file, data);
    const damaged = run(analyze);
    expect([damaged.status, damaged.use, damaged.stdout]).toEqual([0, 'damaged', first.stdout]);
    expect(run(analyze).use).toBe('used');

    const without = run(analyze, { LIFECYCLE_LENS_NO_CODE_CACHE: '1' });
    expect([without.status, without.use, without.stdout]).toEqual([0, 'disabled', first.stdout]);
  }, 60_000);
});
