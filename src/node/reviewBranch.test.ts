// A b4 review branch (base, one commit per patch, the tracking commit) read
// from git, each patch compared with the tree before it, and b4's agent files
// written: every diff line quoted, each change after the line causing it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitIn } from './gitRepo.testutil';
import { nodeParser } from './wasmFiles';
import { readReviewBranch, reviewBranch, TRACKING_MARKER, writeAgentReview } from './reviewBranch';

const FIX = path.resolve(__dirname, '../../test-fixtures');
const design = (d: string) => fs.readFileSync(path.join(FIX, 'designs', d, 'filecache.c'), 'utf8');

let repo: string;
let git: ReturnType<typeof gitIn>;
beforeAll(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'll-b4branch-'));
  git = gitIn(repo);
  git('init', '-q');
  fs.mkdirSync(path.join(repo, 'fs/nfsd'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'fs/nfsd/filecache.c'), design('v4-sentinel'));
  git('add', '-A');
  git('commit', '-qm', 'base');
  fs.writeFileSync(path.join(repo, 'README'), 'not C\n');
  git('add', '-A');
  git('commit', '-qm', 'nfsd: a patch without C');
  fs.writeFileSync(path.join(repo, 'fs/nfsd/filecache.c'), design('v5-inline'));
  git('commit', '-qam', 'nfsd: close inline');
  const first = git('rev-parse', 'HEAD~1').toString().trim();
  const tracking = {
    series: {
      'change-id': 'x',
      'base-commit': git('rev-parse', 'HEAD~2').toString().trim(),
      'first-patch-commit': first,
    },
    patches: [{ title: 'a' }, { title: 'b' }],
  };
  git(
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    `cover\n\nbody\n\n${TRACKING_MARKER}\n# internal\n${JSON.stringify(tracking)}`,
  );
});
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

describe('b4 review branch', () => {
  it('reads the patches and writes b4 agent files with every diff line quoted', async () => {
    const branch = readReviewBranch(repo);
    expect(branch.patches.map((p) => p.subject)).toEqual([
      'nfsd: a patch without C',
      'nfsd: close inline',
    ]);
    expect(branch.cover).toBe('cover\n\nbody');
    const review = await reviewBranch(branch, { parser: await nodeParser() });
    expect(review.dirs).toEqual(['fs/nfsd']);
    expect(review.patches[0].result?.changes).toEqual([]);
    const out = writeAgentReview(review);
    expect(out.dir).toBe(path.join(fs.realpathSync(repo), '.git/b4-review', branch.head));
    expect(out.files).toEqual(['identity.txt', 'series.txt', '0002.txt']);
    expect(fs.readFileSync(path.join(out.dir, 'identity.txt'), 'utf8')).toBe(
      'Lifecycle Lens <lifecycle-lens@invalid>\n',
    );
    const text = fs.readFileSync(path.join(out.dir, '0002.txt'), 'utf8');
    const lines = text.split('\n');
    const firstQuoted = lines.findIndex((l) => l.startsWith('> '));
    // The quoted lines, unquoted, are the patch's diff: none left out.
    const quoted = lines.filter((l) => l.startsWith('> ')).map((l) => l.slice(2));
    expect(quoted.join('\n') + '\n').toBe(review.patches[1].diff);
    // Comments are unquoted and never look like quotes.
    expect(
      lines.slice(firstQuoted).filter((l) => l.startsWith('>') && !l.startsWith('> ')),
    ).toEqual([]);
    // The fsnotify LL1 change sits right after the line that makes close_inode put inline.
    const at = lines.findIndex((l) =>
      l.startsWith('Lifecycle Lens LL1 (error): nfsd_file_close_inode() now runs fput, fsync'),
    );
    expect(lines.slice(at - 2, at + 3)).toEqual([
      '> +\t\tnfsd_file_put(nf);',
      '',
      'Lifecycle Lens LL1 (error): nfsd_file_close_inode() now runs fput, fsync',
      '  inline in fsnotify callback (entry nfsd_file_fsnotify_handle_event());',
      '  before: deferred (workqueue)',
    ]);
    const n = review.patches[1].result?.changes.length ?? 0;
    expect(out.reviews[1]?.placed.filter((p) => p.line !== undefined).length).toBe(n);
    expect(lines[0]).toBe(
      `Lifecycle Lens: ${n} behaviour changes in this patch (patch 1 ${branch.patches[0].sha.slice(0, 12)} -> patch 2 ${branch.patches[1].sha.slice(0, 12)}).`,
    );
    const series = fs.readFileSync(path.join(out.dir, 'series.txt'), 'utf8').split('\n');
    expect(series[0]).toBe(`Lifecycle Lens: ${n} behaviour changes in 1 of 2 patches`);
    expect(series[1]).toBe('');
    expect(series[2]).toBe('0001 nfsd: a patch without C: no behaviour changes');
  });

  it('a commit that is not a b4 tracking commit is a clear error', () => {
    expect(() => readReviewBranch(repo, 'HEAD~1')).toThrow(
      `HEAD~1 is not a b4 review branch tip (its commit message has no "${TRACKING_MARKER}" line)`,
    );
  });
});
