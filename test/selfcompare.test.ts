// Comparing a tree with itself reports nothing: for every dev kernel's fs/nfsd
// (directories, and through --git on a temporary repository holding the same
// files twice as two commits) and for filecache.c alone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const CACHE = process.env.LL_CACHE ?? path.join(ROOT, '.cache/kernel');
const KERNELS = ['5.10', '6.1', '6.12', 'sid'].filter((k) =>
  fs.existsSync(path.join(CACHE, k, '.stamp')),
);
if (!KERNELS.length) console.log(`selfcompare.test.ts skipped: no kernel corpus at ${CACHE}`);

function changes(args: string[], cwd = ROOT): string[] {
  const out = execFileSync('node', [CLI, 'compare', '--format', 'json', ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return (
    JSON.parse(out) as { comparison: { changes: { title: string }[] } }
  ).comparison.changes.map((c) => c.title);
}

describe.skipIf(!KERNELS.length || !fs.existsSync(CLI))('identical trees: zero changes', () => {
  it.each(KERNELS)(
    '%s fs/nfsd and filecache.c, directories',
    (k) => {
      const dir = path.join(CACHE, k, 'fs/nfsd');
      expect(changes([dir, dir])).toEqual([]);
      const fc = path.join(dir, 'filecache.c');
      expect(changes([fc, fc])).toEqual([]);
    },
    120_000,
  );

  it.each(KERNELS)(
    '%s fs/nfsd, --git between two commits of the same tree',
    (k) => {
      const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'll-self-'));
      try {
        const git = (...a: string[]) =>
          execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.net', ...a], {
            cwd: repo,
            stdio: 'pipe',
          });
        git('init', '-q');
        fs.cpSync(path.join(CACHE, k, 'fs/nfsd'), path.join(repo, 'nfsd'), { recursive: true });
        git('add', '-A');
        git('commit', '-qm', 'a');
        git('commit', '-q', '--allow-empty', '-m', 'b');
        expect(changes(['--git', 'HEAD~1', 'HEAD', 'nfsd'], repo)).toEqual([]);
      } finally {
        fs.rmSync(repo, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
