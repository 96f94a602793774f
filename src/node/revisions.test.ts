// Revisions from git and from patch series: applied in private trees, compared,
// and every bad input turned into a clear RevisionError.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitIn } from './gitRepo.testutil';
import { nodeParser } from './wasmFiles';
import { compareSeries, compareTexts, readGitRevision, RevisionError } from './revisions';

const FIX = path.resolve(__dirname, '../../test-fixtures');
const design = (d: string) => fs.readFileSync(path.join(FIX, 'designs', d, 'filecache.c'), 'utf8');
const flags = (r: { changes: { code: string; function: string; entryContext?: string }[] }) =>
  r.changes.filter((c) => c.code === 'LL1').map((c) => `${c.function}:${c.entryContext}`);

let repo: string;
beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'll-git-'));
  const git = gitIn(repo);
  git('init', '-q');
  fs.mkdirSync(path.join(repo, 'fs/nfsd'), { recursive: true });
  for (const [i, d] of ['v4-sentinel', 'v5-inline'].entries()) {
    fs.writeFileSync(path.join(repo, 'fs/nfsd/filecache.c'), design(d));
    git('add', '-A');
    git('commit', '-qm', `rev ${i}`);
  }
  // An uncommitted edit that must survive untouched.
  fs.writeFileSync(path.join(repo, 'fs/nfsd/filecache.c'), '/* work in progress */\n');
});
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

describe('git revisions', () => {
  it('reads two revisions from the object store without touching the work tree', async () => {
    const parser = await nodeParser();
    const a = await readGitRevision(repo, 'HEAD~1', ['fs/nfsd']);
    const b = await readGitRevision(repo, 'HEAD', ['fs/nfsd']);
    expect(a.map((f) => f.path)).toEqual(['fs/nfsd/filecache.c']);
    const r = compareTexts(
      { label: 'HEAD~1', sources: a },
      { label: 'HEAD', sources: b },
      { parser },
    );
    expect(flags(r)).toEqual([
      'nfsd_file_close_inode:fsnotify',
      'nfsd_file_close_inode:notifier',
      'nfsd_file_put:process',
    ]);
    expect(fs.readFileSync(path.join(repo, 'fs/nfsd/filecache.c'), 'utf8')).toBe(
      '/* work in progress */\n',
    );
  });

  it('an unknown revision or a path outside the repository is a clear error', async () => {
    await expect(readGitRevision(repo, 'no-such-rev', ['fs/nfsd'])).rejects.toThrow(
      new RevisionError(`unknown git revision "no-such-rev" in ${fs.realpathSync(repo)}`),
    );
    await expect(readGitRevision(repo, 'HEAD', ['../elsewhere'])).rejects.toThrow(
      /is outside the repository/,
    );
  });
});

// v2 3/5 is where v2 departs from v1 3/5: the close goes back to the workqueue.
const ATTRIBUTED_V2 = [
  'LL3 nfsd_file_close_inode: v2 3/5',
  'LL6 nfsd_file_close_inode: v2 3/5',
  'LL1 nfsd_file_close_inode: v2 3/5',
  'LL1 nfsd_file_close_inode: v2 3/5',
];

describe('patch series', () => {
  const series = (mboxes: string[]) =>
    nodeParser().then((parser) =>
      compareSeries({
        parser,
        baseDir: path.join(FIX, 'series/base'),
        mboxes: mboxes.map((m) => path.join(FIX, 'series', m)),
      }),
    );

  it('each change names the patch that introduced it', async () => {
    const s = await series(['v1.mbox', 'v2.mbox']);
    const by = (c: { code: string; function: string; introducedBy?: string }) =>
      `${c.code} ${c.function}: ${c.introducedBy?.replace(/: .*/, '')}`;
    if (process.env.LL_PRINT)
      console.log(JSON.stringify(s.comparisons.map((c) => c.changes.map(by))));
    expect(s.comparisons[1].changes.map(by)).toEqual(ATTRIBUTED_V2);
    expect(s.comparisons[0].changes.every((c) => /^v1 [1-5]\/5: /.test(c.introducedBy ?? ''))).toBe(
      true,
    );
  }, 120_000);

  it('base -> v1 -> v2: v1 makes close_inode inline, v2 defers it again', async () => {
    const s = await series(['v1.mbox', 'v2.mbox']);
    expect(
      s.versions.map((v) => `${v.label}: ${v.patches.length} patches, cover "${v.coverSubject}"`),
    ).toEqual([
      'v1: 5 patches, cover "[PATCH v1 0/5] nfsd: rework filecache refcounting"',
      'v2: 5 patches, cover "[PATCH v2 0/5] nfsd: rework filecache refcounting"',
    ]);
    expect(s.versions[0].patches[2]).toMatchObject({
      subject:
        '[PATCH v1 3/5] nfsd: rework filecache refcounting so the refcount drives the lifecycle',
      index: 'v1 3/5',
      files: ['fs/nfsd/filecache.c'],
    });
    expect(s.comparisons.map((c) => `${c.before.label}->${c.after.label}`)).toEqual([
      'base->v1',
      'v1->v2',
    ]);
    expect(flags(s.comparisons[0])).toEqual([
      'nfsd_file_close_inode:fsnotify',
      'nfsd_file_close_inode:notifier',
      'nfsd_file_put:process',
    ]);
    expect(
      s.comparisons[1].changes.map((c) => `${c.code} ${c.function} ${c.from} -> ${c.to}`),
    ).toEqual([
      'LL3 nfsd_file_close_inode not a final-put site -> final-put site',
      'LL6 nfsd_file_close_inode none -> list_add, nfsd_file_dispose_list_delayed',
      'LL1 nfsd_file_close_inode inline (fsnotify) -> deferred (workqueue)',
      'LL1 nfsd_file_close_inode inline (notifier) -> deferred (workqueue)',
    ]);
  });

  it.each([
    ['bad/not-applying.mbox', /patch ".*" does not apply/],
    ['bad/empty.mbox', /contains no patches/],
    [
      'bad/outside-path.mbox',
      /writes outside the tree \(\.\.\/\.\.\/etc\/evil\); refusing to apply it/,
    ],
    ['bad/truncated.mbox', /(truncated or corrupt patch|does not apply)/],
    ['missing.mbox', /cannot read .*missing\.mbox: no such file/],
  ])('%s is rejected with a clear message', async (mbox, message) => {
    await expect(series([mbox])).rejects.toThrow(message);
  });

  it('a binary file is not taken for an mbox', async () => {
    const bin = path.join(os.tmpdir(), `ll-bin-${process.pid}.mbox`);
    fs.writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
    const parser = await nodeParser();
    await expect(
      compareSeries({ parser, baseDir: path.join(FIX, 'series/base'), mboxes: [bin] }),
    ).rejects.toThrow(`${bin} is a binary file, not an mbox`);
    fs.rmSync(bin);
  });
});
