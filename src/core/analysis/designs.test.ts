// The three filecache designs of the seed review, analysed on their own: the
// exact lifecycle facts a reviewer would write down for each.
import { describe, expect, it } from 'vitest';
import type { ObjectLifecycle, ProgramModel } from '../model';
import { analyzeFixture, entries, findings } from './testSupport.testutil';

function nfsdFile(model: ProgramModel): ObjectLifecycle {
  const o = model.objects.find((x) => x.type === 'nfsd_file');
  if (!o) throw new Error('struct nfsd_file not found');
  return o;
}

/** Non-process entry -> sorted "mode/runsIn/release" of its release paths. */
function releaseByEntry(o: ObjectLifecycle): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const p of o.releasePaths) {
    if (p.entryContext === 'process') continue;
    (out[`${p.entry}:${p.entryContext}`] ??= new Set()).add(`${p.mode}/${p.runsIn}/${p.release}`);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

const DEFERRED = ['deferred/workqueue/fput', 'deferred/workqueue/fsync'];
const WORKER = ['inline/workqueue/fput', 'inline/workqueue/fsync'];
const CALLBACK_ENTRIES = [
  'nfsd_file_delayed_close:workqueue',
  'nfsd_file_fsnotify_handle_event:fsnotify',
  'nfsd_file_gc_worker:delayed-work',
  'nfsd_file_lease_notifier_call:notifier',
  'nfsd_file_lru_cb:lru-isolate',
  'nfsd_file_lru_count:shrinker',
  'nfsd_file_lru_scan:shrinker',
  'nfsd_file_mark_free:fsnotify',
  'nfsd_file_slab_free:rcu-callback',
];

const CASES = [
  {
    design: 'v4-sentinel',
    finalPutSites: [
      'nfsd_file_dispose_isolated refcount_dec_and_test',
      'nfsd_file_put_noref refcount_dec_and_test',
      'nfsd_file_unhash_and_dispose_locked refcount_dec_and_test',
    ],
    holders: ['caller nfsd_file_get', 'hash nfsd_file_hash_insert'],
    putters: ['nfsd_file_put', 'nfsd_file_put_noref'],
    hashed: ['nfsd_file_hash_insert'],
    unhashed: ['nfsd_file_hash_remove_locked'],
    release: {
      'nfsd_file_delayed_close:workqueue': WORKER,
      'nfsd_file_fsnotify_handle_event:fsnotify': DEFERRED,
      'nfsd_file_gc_worker:delayed-work': DEFERRED,
      'nfsd_file_lease_notifier_call:notifier': DEFERRED,
      'nfsd_file_lru_scan:shrinker': DEFERRED,
    },
  },
  {
    design: 'v5-inline',
    finalPutSites: [
      'nfsd_file_cache_purge refcount_dec_and_test',
      'nfsd_file_lru_cb refcount_dec_if_one',
      'nfsd_file_put refcount_dec_and_test',
    ],
    holders: ['caller nfsd_file_get', 'lru nfsd_file_lru_add'],
    putters: ['nfsd_file_put'],
    hashed: ['nfsd_file_hash_insert'],
    unhashed: ['nfsd_file_unhash'],
    release: {
      'nfsd_file_delayed_close:workqueue': WORKER,
      // The seed review's catch: fsnotify and lease breaks now run fsync and fput inline.
      'nfsd_file_fsnotify_handle_event:fsnotify': [
        ...DEFERRED,
        'inline/fsnotify/fput',
        'inline/fsnotify/fsync',
      ],
      'nfsd_file_gc_worker:delayed-work': DEFERRED,
      'nfsd_file_lease_notifier_call:notifier': [
        ...DEFERRED,
        'inline/notifier/fput',
        'inline/notifier/fsync',
      ],
      'nfsd_file_lru_scan:shrinker': DEFERRED,
    },
  },
  {
    design: 'v6-deferred',
    finalPutSites: [
      'nfsd_file_cache_purge refcount_dec_and_test',
      'nfsd_file_close_inode refcount_dec_and_test',
      'nfsd_file_lru_cb refcount_dec_if_one',
      'nfsd_file_put refcount_dec_and_test',
    ],
    holders: ['caller nfsd_file_get', 'lru nfsd_file_lru_add'],
    putters: ['nfsd_file_put'],
    hashed: ['nfsd_file_hash_insert'],
    unhashed: ['nfsd_file_unhash'],
    release: {
      'nfsd_file_delayed_close:workqueue': WORKER,
      'nfsd_file_fsnotify_handle_event:fsnotify': DEFERRED,
      'nfsd_file_gc_worker:delayed-work': DEFERRED,
      'nfsd_file_lease_notifier_call:notifier': DEFERRED,
      'nfsd_file_lru_scan:shrinker': DEFERRED,
    },
  },
];

describe.each(CASES)('design $design', (c) => {
  let model: ProgramModel;
  const load = async () => (model ??= await analyzeFixture(`designs/${c.design}/filecache.c`));

  it('parses every function cleanly and reports no findings', async () => {
    const m = await load();
    expect(m.files[0].functionsWithErrors).toBe(0);
    expect(findings(m)).toEqual([]);
  });

  it('finds struct nfsd_file (nf_ref, refcount_t, initial count 1) with its get/put wrappers', async () => {
    const o = nfsdFile(await load());
    expect([o.refField, o.refKind, o.initialCounts]).toEqual(['nf_ref', 'refcount_t', [1]]);
    expect(o.getters).toEqual(['nfsd_file_get']);
    expect(o.putters).toEqual(c.putters);
  });

  it('lists the final-put sites and who holds references', async () => {
    const o = nfsdFile(await load());
    expect(o.finalPutSites.map((s) => `${s.function} ${s.call}`).sort()).toEqual(c.finalPutSites);
    expect(o.holders.map((h) => `${h.holder} ${h.function}`)).toEqual(c.holders);
  });

  it('maps hash and unhash transitions to functions', async () => {
    const o = nfsdFile(await load());
    const by = (to: string) =>
      [...new Set(o.transitions.filter((t) => t.to === to).map((t) => t.function))].sort();
    expect([by('hashed'), by('unhashed'), by('allocated'), by('rcu-freed')]).toEqual([
      c.hashed,
      c.unhashed,
      ['nfsd_file_alloc'],
      ['nfsd_file_free'],
    ]);
  });

  it('finds every callback entry point with its context', async () => {
    const m = await load();
    expect(entries(m).filter((e) => !e.endsWith(':process'))).toEqual(CALLBACK_ENTRIES);
  });

  it('says where the final close runs for each callback context', async () => {
    expect(releaseByEntry(nfsdFile(await load()))).toEqual(c.release);
  });
});

describe('evidence chains', () => {
  it('v5: the fsnotify chain runs close_inode -> put -> free -> flush -> vfs_fsync inline', async () => {
    const o = nfsdFile(await analyzeFixture('designs/v5-inline/filecache.c'));
    const p = o.releasePaths.find(
      (x) => x.entryContext === 'fsnotify' && x.mode === 'inline' && x.release === 'fsync',
    );
    expect(p?.chain.map((s) => `${s.function}:${s.at.line}`)).toEqual([
      'nfsd_file_fsnotify_handle_event:551',
      'nfsd_file_close_inode:515',
      'nfsd_file_put:368',
      'nfsd_file_free:240',
      'nfsd_file_flush:224',
    ]);
    expect(p?.chain.at(-1)?.call).toBe('vfs_fsync');
    expect(p?.viaFinalPut).toBe(true);
  });
});
