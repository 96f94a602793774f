// Our b4 output read by the real b4 0.16 (Debian sid's package, unpacked by
// scripts/fetch-b4.sh; skipped when .cache/b4 is absent): b4's own code runs
// the review agent and merges its files into the review, runs the per-patch
// and series check commands from git config, caches the results and renders
// their details as its check view does. test/b4/realB4.py drives b4.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitIn } from '../src/node/gitRepo.testutil';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const B4 = path.join(ROOT, '.cache/b4');
const SITE = path.join(B4, 'root/usr/lib/python3/dist-packages');
const have = fs.existsSync(path.join(B4, '.stamp')) && fs.existsSync(CLI);

let tmp: string;
let repo: string;
function b4py(...args: string[]) {
  const r = spawnSync('/usr/bin/python3', [path.join(ROOT, 'test/b4/realB4.py'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, HOME: tmp, XDG_DATA_HOME: path.join(tmp, 'data'), PYTHONPATH: SITE },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`realB4.py ${args[0]} failed:\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  if (!have) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-b4real-'));
  repo = path.join(tmp, 'repo');
  fs.cpSync(path.join(ROOT, 'test-fixtures/series/base'), repo, { recursive: true });
  const git = gitIn(repo);
  git('init', '-q', '-b', 'master');
  git('add', '-A');
  git('commit', '-qm', 'base');
  git('tag', 'base');
  // v1's five patches without the cover letter, as b4 would cherry-pick them.
  const mails = fs
    .readFileSync(path.join(ROOT, 'test-fixtures/series/v1.mbox'), 'utf8')
    .split(/^(?=From [0-9a-f]{40} )/m)
    .filter((m) => m && !/^Subject: \[PATCH v1 0\/5\]/m.test(m));
  fs.writeFileSync(path.join(tmp, 'patches.mbox'), mails.join(''));
  git('am', '-q', path.join(tmp, 'patches.mbox'));
  const node = `${process.execPath} ${CLI}`;
  git('config', 'user.name', 'Maintainer');
  git('config', 'user.email', 'maintainer@example.org');
  git('config', 'b4.review-agent-command', `${node} b4-agent`);
  git('config', 'b4.review-agent-prompt-path', 'agent-prompt.md');
  git('config', 'b4.review-perpatch-check-cmd', `${node} b4-check`);
  git('config', 'b4.review-series-check-cmd', `${node} b4-series-check`);
  fs.writeFileSync(path.join(repo, 'agent-prompt.md'), 'Review this series.\n');
  b4py('track', 'b4/review/sample', 'base');
}, 120_000);
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

interface Comment {
  path: string;
  line: number;
  text: string;
  content?: string;
}

describe.skipIf(!have)('the real b4 0.16', () => {
  it("merges b4-agent's review files into the review branch's tracking data", () => {
    const r = JSON.parse(b4py('agent', 'b4/review/sample')) as {
      agentExit: number;
      written: string[];
      consumed: boolean;
      seriesReviews: Record<string, { name: string; note: string }>;
      patchReviews: Record<string, Record<string, { name: string; comments: Comment[] }>>;
      drafts: Record<string, string>;
    };
    expect(r.agentExit).toBe(0);
    expect(r.written).toEqual([
      '0001.txt',
      '0002.txt',
      '0003.txt',
      '0004.txt',
      'identity.txt',
      'series.txt',
    ]);
    // b4 consumed the folder (it amends the tracking commit, then removes it).
    expect(r.consumed).toBe(true);
    const me = 'lifecycle-lens@invalid';
    expect(r.seriesReviews[me].name).toBe('Lifecycle Lens');
    expect(r.seriesReviews[me].note.split('\n')[0]).toBe(
      'Lifecycle Lens: 26 behaviour changes in 4 of 5 patches',
    );
    expect(Object.keys(r.patchReviews)).toEqual(['1', '2', '3', '4']);
    // 26 changes; b4 joins the comments that follow the same diff line into one
    // (patch 3's two LL1 changes of nfsd_file_close_inode share their line).
    const counts = Object.values(r.patchReviews).map((p) => p[me].comments.length);
    expect(counts).toEqual([1, 7, 15, 2]);
    // The seed change, anchored by b4 to the line that makes close_inode put inline.
    const ll1 = r.patchReviews['3'][me].comments.filter((c) =>
      c.text.startsWith('Lifecycle Lens LL1 (error): nfsd_file_close_inode()'),
    );
    expect(ll1.map((c) => [c.path, c.line, c.content])).toEqual([
      ['b/fs/nfsd/filecache.c', 529, '+\t\tnfsd_file_put(nf);'],
    ]);
    expect(ll1[0].text).toContain('inline in fsnotify callback');
    expect(ll1[0].text).toContain('inline in notifier chain (lease break)');
    // In the reviewer's draft b4 shows it read-only (`| `) right after that line.
    const draft = r.drafts['3'].split('\n');
    const at = draft.indexOf('> +\t\tnfsd_file_put(nf);');
    expect(draft.slice(at, at + 5)).toEqual([
      '> +\t\tnfsd_file_put(nf);',
      '',
      '| Lifecycle Lens <lifecycle-lens@invalid>:',
      '|',
      '| Lifecycle Lens LL1 (error): nfsd_file_close_inode() now runs fput, fsync',
    ]);
  }, 120_000);

  it('runs b4-check and b4-series-check from git config and shows one line per change', () => {
    const r = JSON.parse(b4py('checks', 'b4/review/sample')) as {
      perpatch: string[];
      series: string[];
      shown: Record<string, { tool: string; status: string; summary: string; details: string }>;
    };
    expect(r.perpatch).toEqual([`${process.execPath} ${CLI} b4-check`]);
    const summary = Object.fromEntries(
      Object.entries(r.shown).map(([id, s]) => [id, `${s.tool} ${s.status}: ${s.summary}`]),
    );
    expect(summary).toEqual({
      'patch-1@test': 'lifecycle-lens warn: 1 behaviour change (1 warning)',
      'patch-2@test': 'lifecycle-lens warn: 7 behaviour changes (7 warnings)',
      'patch-3@test': 'lifecycle-lens fail: 16 behaviour changes (2 errors, 14 warnings)',
      'patch-4@test': 'lifecycle-lens warn: 2 behaviour changes (2 warnings)',
      'patch-5@test': 'lifecycle-lens pass: no lifecycle or execution-context behaviour changes',
      'cover@test':
        'lifecycle-lens fail: 26 behaviour changes in the series (2 errors, 24 warnings)',
    });
    // b4's check view: one dot line per detail entry, the causing diff line under it.
    const patch3 = r.shown['patch-3@test'].details.split('\n');
    expect(patch3.filter((l) => l.startsWith('● ')).length).toBe(16);
    const i = patch3.findIndex((l) =>
      l.includes(
        'nfsd_file_close_inode(): nfsd_file_close_inode() now runs fput, fsync inline in fsnotify',
      ),
    );
    expect(patch3[i]).toBe(
      '● error  LL1 release-context — nfsd_file_close_inode(): nfsd_file_close_inode() now runs fput, fsync inline in fsnotify callback (entry nfsd_file_fsnotify_handle_event()); before: deferred (workqueue) [deferred (workqueue) -> inline (fsnotify)]',
    );
    expect(patch3[i + 1]).toBe('    fs/nfsd/filecache.c: +\t\tnfsd_file_put(nf);');
    const cover = r.shown['cover@test'].details.split('\n');
    expect(cover.filter((l) => l.startsWith('● ')).length).toBe(26);
    expect(cover.some((l) => l.includes('— [3/5] nfsd_file_close_inode(): '))).toBe(true);
  }, 180_000);
});
