// Behaviour changes between the fixture revisions: the exact flags a reviewer
// needs (rule, function, context, was -> now, release work) with evidence.
import { describe, expect, it } from 'vitest';
import { analyzeFixture } from '../analysis/testSupport.testutil';
import { compareModels } from './compare';
import type { BehaviourChange, ComparisonResult } from './compareTypes';
import { sequenceSimilarity } from './matchFunctions';

async function compareDesigns(a: string, b: string): Promise<ComparisonResult> {
  const before = await analyzeFixture(`designs/${a}/filecache.c`);
  const after = await analyzeFixture(`designs/${b}/filecache.c`);
  return compareModels({ label: a, model: before }, { label: b, model: after });
}

const row = (c: BehaviourChange) => [
  c.code,
  c.severity,
  c.function,
  c.entryContext ?? null,
  c.from,
  c.to,
  c.release ?? null,
];

const SEED_FLAGS = [
  [
    'LL1',
    'error',
    'nfsd_file_close_inode',
    'fsnotify',
    'deferred (workqueue)',
    'inline (fsnotify)',
    ['fput', 'fsync'],
  ],
  [
    'LL1',
    'error',
    'nfsd_file_close_inode',
    'notifier',
    'deferred (workqueue)',
    'inline (notifier)',
    ['fput', 'fsync'],
  ],
];

// Ranked: severity first, then how many entry points reach the function.
const V4_TO_V5_REST = [
  ['LL2', 'warning', 'nfsd_file_lru_add', null, 'no reference', 'holds a reference', null],
  ['LL3', 'warning', 'nfsd_file_put', null, 'not a final-put site', 'final-put site', null],
  [
    'LL3',
    'warning',
    'nfsd_file_unhash_and_dispose_locked',
    null,
    'final-put site',
    'not a final-put site',
    null,
  ],
  ['LL3', 'warning', 'nfsd_file_lru_cb', null, 'not a final-put site', 'final-put site', null],
  ['LL3', 'warning', 'nfsd_file_put_noref', null, 'final-put site', 'not a final-put site', null],
  ['LL2', 'warning', 'nfsd_file_hash_insert', null, 'holds a reference', 'no reference', null],
  ['LL3', 'warning', 'nfsd_file_cache_purge', null, 'not a final-put site', 'final-put site', null],
  [
    'LL3',
    'warning',
    'nfsd_file_dispose_isolated',
    null,
    'final-put site',
    'not a final-put site',
    null,
  ],
  ['LL6', 'warning', 'nfsd_file_cache_purge', null, 'none', 'flush_delayed_fput, list_add', null],
  ['LL6', 'warning', 'nfsd_file_close_inode', null, 'nfsd_file_dispose_list_delayed', 'none', null],
  ['LL6', 'warning', 'nfsd_file_close_inode_sync', null, 'none', 'flush_delayed_fput', null],
  ['LL4', 'note', 'nfsd_file_unhash', null, 'does not unhash', 'unhashes', null],
  ['LL4', 'note', 'nfsd_file_unhash', null, 'hlist_del_rcu', 'rhltable_remove', null],
  ['LL4', 'note', 'nfsd_file_hash_remove_locked', null, 'unhashes', 'does not unhash', null],
  ['LL1', 'note', 'nfsd_file_put', 'process', 'inline (process)', 'not reached', ['flush']],
  ['LL4', 'note', 'nfsd_file_hash_insert', null, 'hlist_add_head_rcu', 'rhltable_insert', null],
];

describe('compare revisions', () => {
  it('v4 -> v5: the seed case is flagged first, then every other behaviour change', async () => {
    const r = await compareDesigns('v4-sentinel', 'v5-inline');
    expect(r.changes.map(row)).toEqual([...SEED_FLAGS, ...V4_TO_V5_REST]);
  });

  it('v4 -> v5: the seed flag carries both call chains with file:line', async () => {
    const r = await compareDesigns('v4-sentinel', 'v5-inline');
    const seed = r.changes[0];
    const chain = (e: typeof seed.before) =>
      e?.chain.map((s) => `${s.function}:${s.at.line}:${s.via}`);
    expect(chain(seed.before)).toEqual([
      'nfsd_file_fsnotify_handle_event:592:call',
      'nfsd_file_close_inode:563:call',
      'nfsd_file_dispose_list_delayed:432:defer',
      'nfsd_file_delayed_close:447:call',
      'nfsd_file_dispose_list:403:call',
      'nfsd_file_free:242:sink',
    ]);
    expect(chain(seed.after)).toEqual([
      'nfsd_file_fsnotify_handle_event:551:call',
      'nfsd_file_close_inode:515:call',
      'nfsd_file_put:368:call',
      'nfsd_file_free:241:sink',
    ]);
    expect(seed.title).toBe(
      'nfsd_file_close_inode() now runs fput, fsync inline in fsnotify callback (entry nfsd_file_fsnotify_handle_event()); before: deferred (workqueue)',
    );
  });

  it('v5 -> v6: the close goes back to the workqueue', async () => {
    const r = await compareDesigns('v5-inline', 'v6-deferred');
    expect(r.changes.map(row)).toEqual([
      [
        'LL3',
        'warning',
        'nfsd_file_close_inode',
        null,
        'not a final-put site',
        'final-put site',
        null,
      ],
      [
        'LL6',
        'warning',
        'nfsd_file_close_inode',
        null,
        'none',
        'list_add, nfsd_file_dispose_list_delayed',
        null,
      ],
      [
        'LL1',
        'note',
        'nfsd_file_close_inode',
        'fsnotify',
        'inline (fsnotify)',
        'deferred (workqueue)',
        ['fput', 'fsync'],
      ],
      [
        'LL1',
        'note',
        'nfsd_file_close_inode',
        'notifier',
        'inline (notifier)',
        'deferred (workqueue)',
        ['fput', 'fsync'],
      ],
    ]);
  });

  it('formatting, comments, tracepoints, logging and a pure rename: zero flags', async () => {
    const r = await compareDesigns('v5-inline', 'v5-reformatted');
    expect(r.changes).toEqual([]);
    expect(r.matches.filter((m) => m.kind !== 'same')).toEqual([
      {
        before: 'nfsd_file_lru_add',
        after: 'nfsd_file_lru_insert',
        kind: 'renamed',
        similarity: 1,
      },
    ]);
  });

  it('identical revisions: zero flags', async () => {
    const r = await compareDesigns('v6-deferred', 'v6-deferred');
    expect(r.changes).toEqual([]);
  });

  it('rename matching uses the call sequence of the body', () => {
    expect(sequenceSimilarity(['a', 'b', 'c'], ['a', 'b', 'c'])).toBe(1);
    expect(sequenceSimilarity(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd'])).toBe(0.75);
    expect(sequenceSimilarity([], [])).toBe(1);
  });
});
