// Hand-built behaviour changes modelled on the seed review (v4 sentinel ->
// v5 inline close): what the comparison engine is expected to report for
// test-fixtures/series/v1.mbox patch 3/5. Used by the mail tests only.
import type { ChainStep } from '../model';
import type { BehaviourChange, ComparisonResult } from '../compare/compareTypes';

const V4 = 'test-fixtures/designs/v4-sentinel/filecache.c';
const V5 = 'test-fixtures/designs/v5-inline/filecache.c';

function step(
  fn: string,
  call: string,
  file: string,
  line: number,
  via: ChainStep['via'],
): ChainStep {
  return { function: fn, call, at: { file, line, column: 2 }, via };
}

export const closeInodeInline: BehaviourChange = {
  rule: 'release-context',
  code: 'LL1',
  severity: 'warning',
  title:
    'nfsd_file_close_inode() now does the final close inline in the fsnotify callback instead of handing it to nfsd_filecache_wq',
  function: 'nfsd_file_close_inode',
  entry: 'nfsd_file_fsnotify_handle_event',
  entryContext: 'fsnotify',
  from: 'deferred: workqueue',
  to: 'inline: fsnotify',
  release: ['fsync', 'fput'],
  explanation:
    'Before, the last reference dropped by nfsd_file_close_inode() put the entry on a dispose list that nfsd_filecache_wq drained. Now nfsd_file_put() closes it in the caller, so an fsnotify event (unlink, setattr) runs vfs_fsync() and fput() inside the task doing that VFS operation. If that is deliberate, the commit message should say so.',
  before: {
    summary: 'defers to workqueue via nfsd_file_dispose_list_delayed',
    at: { file: V4, line: 563, column: 2 },
    chain: [
      step('nfsd_file_fsnotify_handle_event', 'nfsd_file_close_inode', V4, 592, 'call'),
      step('nfsd_file_close_inode', 'nfsd_file_dispose_list_delayed', V4, 563, 'call'),
      step('nfsd_file_dispose_list_delayed', 'queue_work', V4, 432, 'defer'),
      step('nfsd_file_delayed_close', 'nfsd_file_dispose_list', V4, 447, 'call'),
      step('nfsd_file_dispose_list', 'nfsd_file_free', V4, 403, 'call'),
      step('nfsd_file_free', 'nfsd_file_flush', V4, 241, 'call'),
      step('nfsd_file_flush', 'vfs_fsync', V4, 225, 'sink'),
    ],
  },
  after: {
    summary: 'closes inline through nfsd_file_put',
    at: { file: V5, line: 515, column: 3 },
    chain: [
      step('nfsd_file_fsnotify_handle_event', 'nfsd_file_close_inode', V5, 551, 'call'),
      step('nfsd_file_close_inode', 'nfsd_file_put', V5, 515, 'call'),
      step('nfsd_file_put', 'nfsd_file_free', V5, 368, 'call'),
      step('nfsd_file_free', 'nfsd_file_flush', V5, 240, 'call'),
      step('nfsd_file_flush', 'vfs_fsync', V5, 224, 'sink'),
    ],
  },
};

/** A second finding on the same patch that matches a different hunk (the LRU callback). */
export const lruCallbackDropsRef: BehaviourChange = {
  rule: 'reference-ownership',
  code: 'LL2',
  severity: 'note',
  title: 'the LRU now owns a reference; nfsd_file_lru_cb() takes it with refcount_dec_if_one()',
  function: 'nfsd_file_lru_cb',
  from: 'holders: caller, hash',
  to: 'holders: caller, lru',
  explanation:
    'The hash table no longer holds a sentinel reference; the LRU holds one instead, and the isolate callback drops it only when it is the last.',
};

export function emptyModel(): ComparisonResult['before']['model'] {
  return {
    modelVersion: 1,
    files: [],
    functions: [],
    entryPoints: [],
    edges: [],
    objects: [],
    findings: [],
  };
}

export function comparison(
  changes: BehaviourChange[],
  before = 'v1',
  after = 'v2',
): ComparisonResult {
  return {
    comparisonVersion: 1,
    before: { label: before, model: emptyModel() },
    after: { label: after, model: emptyModel() },
    matches: [],
    changes,
  };
}
