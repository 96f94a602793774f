// A series as it is posted (test-fixtures/series/rebased, our own C): v1 and
// v2 on different bases, named by the base-commit: trailers git format-patch
// writes or by a base per mbox, a hunk on a header the base folders lack.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BehaviourChange } from '../core/compare/compareTypes';
import { gitIn } from './gitRepo.testutil';
import { rebasedSeriesText } from '../core/reports/rebasedSeriesText';
import { compareRebasedSeries } from './seriesBases';
import { nodeParser } from './wasmFiles';

const FIX = path.resolve(__dirname, '../../test-fixtures/series/rebased');
const brief = (cs: BehaviourChange[]) =>
  cs.map((c) => `${c.code} ${c.function}: ${c.from} -> ${c.to}`);

let tmp: string;
let repo: string;
let v1: string;
let v2: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-rebased-'));
  repo = path.join(tmp, 'repo');
  const git = gitIn(repo);
  const put = (from: string, to: string) => {
    fs.mkdirSync(path.dirname(path.join(repo, to)), { recursive: true });
    fs.copyFileSync(path.join(FIX, from), path.join(repo, to));
  };
  const cache = 'fs/foo/cache.c';
  const trace = 'include/trace/events/foo.h';
  put('base-a/fs/foo/cache.c', cache);
  put('trace/foo.h', trace);
  git('init', '-q', '-b', 'master');
  git('add', '-A');
  git('commit', '-qm', 'foo: base a');
  git('tag', 'A');
  git('checkout', '-qb', 'v1');
  put('v1/1/cache.c', cache);
  put('trace/foo-traced.h', trace);
  git('commit', '-qam', 'foo: trace the last put');
  put('v1/2/cache.c', cache);
  git('commit', '-qam', 'foo: say who owns the reference foo_first returns');
  git('checkout', '-q', 'master');
  put('base-b/fs/foo/cache.c', cache);
  git('commit', '-qam', 'foo: the shrinker closes inline');
  git('tag', 'B');
  git('checkout', '-qb', 'v2');
  put('v2/1/cache.c', cache);
  put('trace/foo-traced.h', trace);
  git('commit', '-qam', 'foo: trace the last put');
  put('v2/2/cache.c', cache);
  git('commit', '-qam', 'foo: close inline in the fsnotify handler');
  // git writes the base-commit: trailers (in the cover letter of v1, after the patches of v2).
  v1 = path.join(tmp, 'v1.mbox');
  v2 = path.join(tmp, 'v2.mbox');
  fs.writeFileSync(
    v1,
    git(
      'format-patch',
      '--stdout',
      '--cover-letter',
      '--subject-prefix=PATCH v1',
      '--base=A',
      'A..v1',
    ),
  );
  fs.writeFileSync(
    v2,
    git('format-patch', '--stdout', '--subject-prefix=PATCH v2', '--base=B', 'B..v2'),
  );
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SERIES_OWN = [
  'LL1 foo_handle_event: deferred (workqueue) -> inline (fsnotify)',
  'LL6 foo_handle_event: foo_put -> none',
];
const FROM_BASE = [
  'LL1 foo_shrink_scan: deferred (workqueue) -> inline (shrinker)',
  'LL6 foo_shrink_scan: foo_put -> none',
];

describe('a series posted on two bases', () => {
  it('resolves each base-commit: trailer in the repository and reports base drift apart', async () => {
    const gitA = gitIn(repo)('rev-parse', 'A').toString().trim();
    const gitB = gitIn(repo)('rev-parse', 'B').toString().trim();
    const s = await compareRebasedSeries({
      parser: await nodeParser(),
      mboxes: [v1, v2],
      repoDir: repo,
    });
    expect(s.bases).toEqual([
      { from: 'base-commit trailer', spec: gitA, commit: gitA },
      { from: 'base-commit trailer', spec: gitB, commit: gitB },
    ]);
    // The repository has the trace header: nothing skipped.
    expect(s.skipped).toEqual([]);
    expect(s.first.changes).toEqual([]);
    expect(s.steps).toHaveLength(1);
    const [step] = s.steps;
    expect([step.from, step.to]).toEqual(['v1', 'v2']);
    expect(brief(step.total.changes).sort()).toEqual([...SERIES_OWN, ...FROM_BASE].sort());
    expect(brief(step.baseDrift?.changes ?? [])).toEqual(FROM_BASE);
    expect(brief(step.inSeries)).toEqual(SERIES_OWN);
    expect(brief(step.fromBase)).toEqual(FROM_BASE);
    expect(step.baseHidden).toEqual([]);
    expect(step.baseDrift?.before.label).toBe('base of v1');
  });

  it('takes a base folder per mbox, skips the hunk on a file the base lacks and lists it', async () => {
    const s = await compareRebasedSeries({
      parser: await nodeParser(),
      mboxes: [v1, v2],
      bases: [{ dir: path.join(FIX, 'base-a') }, { dir: path.join(FIX, 'base-b') }],
    });
    expect(s.bases.map((b) => b.from)).toEqual(['folder', 'folder']);
    expect(s.skipped).toEqual([
      {
        version: 'v1',
        patch: '[PATCH v1 1/2] foo: trace the last put',
        file: 'include/trace/events/foo.h',
        hunks: 1,
        reason: `${path.join(FIX, 'base-a')} does not have it`,
      },
      {
        version: 'v2',
        patch: '[PATCH v2 1/2] foo: trace the last put',
        file: 'include/trace/events/foo.h',
        hunks: 1,
        reason: `${path.join(FIX, 'base-b')} does not have it`,
      },
    ]);
    // fs/foo/cache.c was still patched and analysed.
    expect(brief(s.steps[0].inSeries)).toEqual(SERIES_OWN);
    expect(brief(s.steps[0].fromBase)).toEqual(FROM_BASE);
    const text = rebasedSeriesText(s).split('\n');
    expect(text.filter((l) => /^(v\d| {2}base:|Skipped|Changes|No base)/.test(l))).toEqual([
      'v1: [PATCH v1 0/2] *** SUBJECT HERE ***',
      `  base: folder ${path.join(FIX, 'base-a')}`,
      'v2: 2 patches',
      `  base: folder ${path.join(FIX, 'base-b')}`,
      'Skipped (files the base does not have): 2',
      'v1 -> v2',
      'Changes in the series: 2',
      'Changes that came from the base (base of v1 -> base of v2): 2',
    ]);
  });

  it('the same base for both versions: no drift, everything is the series', async () => {
    const s = await compareRebasedSeries({
      parser: await nodeParser(),
      mboxes: [v1, v2],
      defaultBase: { rev: 'B' },
      repoDir: repo,
    });
    expect(s.bases.map((b) => `${b.from} ${b.spec}`)).toEqual(['revision B', 'revision B']);
    expect(s.steps[0].baseDrift).toBeUndefined();
    expect(brief(s.steps[0].inSeries)).toEqual(SERIES_OWN);
  });

  it('an mbox without a base, or whose base-commit the repository lacks, is a clear error', async () => {
    const bare = path.join(tmp, 'bare.mbox');
    fs.writeFileSync(bare, fs.readFileSync(v2, 'utf8').replace(/^base-commit: .*\n/m, ''));
    await expect(
      compareRebasedSeries({ parser: await nodeParser(), mboxes: [bare], repoDir: repo }),
    ).rejects.toThrow(
      `${bare} has no base: give --base DIR or --base-rev REV after it (or before all mboxes), or post it with a base-commit: trailer (git format-patch --base, b4 send)`,
    );
    const other = path.join(tmp, 'other');
    fs.mkdirSync(other);
    gitIn(other)('init', '-q');
    await expect(
      compareRebasedSeries({ parser: await nodeParser(), mboxes: [v2], repoDir: other }),
    ).rejects.toThrow(
      /v2\.mbox: its base-commit: [0-9a-f]{40} is not in .*other \(fetch it, or give --base-rev after the mbox\)$/,
    );
  });
});
