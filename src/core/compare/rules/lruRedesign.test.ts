// LL13 table: LRU redesigns in our own C (modelled on how the NFSD file cache's
// LRU changed over the years), each row a before/after pair and its exact flags.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../analysis/analyze';
import { nodeParser } from '../../../node/wasmFiles';
import { compareModels } from '../compare';
import type { BehaviourChange } from '../compareTypes';

const HEAD = `
struct cache_obj {
	refcount_t co_ref;
	unsigned long co_flags;
	struct list_head co_lru;
	struct list_head co_gc;
	struct file *co_file;
};
static struct list_lru obj_lru;
static LIST_HEAD(obj_freeme);
static DEFINE_SPINLOCK(obj_lock);

static void obj_free(struct cache_obj *co)
{
	fput(co->co_file);
	kfree(co);
}
void obj_put(struct cache_obj *co)
{
	if (refcount_dec_and_test(&co->co_ref))
		obj_free(co);
}
static void obj_dispose(struct list_head *dispose)
{
	struct cache_obj *co;

	while (!list_empty(dispose)) {
		co = list_first_entry(dispose, struct cache_obj, co_gc);
		list_del_init(&co->co_gc);
		obj_free(co);
	}
}
static void obj_dispose_work(struct work_struct *w)
{
	LIST_HEAD(head);

	spin_lock(&obj_lock);
	list_splice_init(&obj_freeme, &head);
	spin_unlock(&obj_lock);
	obj_dispose(&head);
}
static DECLARE_WORK(obj_dispose_wk, obj_dispose_work);
static void obj_dispose_later(struct list_head *dispose)
{
	spin_lock(&obj_lock);
	list_splice_init(dispose, &obj_freeme);
	spin_unlock(&obj_lock);
	queue_work(system_wq, &obj_dispose_wk);
}
`;

/** Reusing an entry takes it off the LRU and drops the reference the LRU held (the caller has one). */
const LRU_REMOVE = `
void obj_reuse(struct cache_obj *co)
{
	if (list_lru_del_obj(&obj_lru, &co->co_lru))
		refcount_dec(&co->co_ref);
}
`;
/** The LRU keeps the last reference: the final put parks the entry instead of dropping. */
const PARKED = `${LRU_REMOVE}
static void obj_lru_add(struct cache_obj *co)
{
	list_lru_add_obj(&obj_lru, &co->co_lru);
}
void obj_release(struct cache_obj *co)
{
	set_bit(OBJ_REFERENCED, &co->co_flags);
	if (refcount_dec_not_one(&co->co_ref))
		return;
	obj_lru_add(co);
}
`;
/** The LRU takes its own reference when the entry is created. */
const OWN_REF = `${LRU_REMOVE}
static void obj_lru_add(struct cache_obj *co)
{
	refcount_inc(&co->co_ref);
	list_lru_add_obj(&obj_lru, &co->co_lru);
}
void obj_release(struct cache_obj *co)
{
	set_bit(OBJ_REFERENCED, &co->co_flags);
	obj_put(co);
}
`;
/** An LRU that only links the entry: no reference of its own. */
const NO_REF = `
void obj_release(struct cache_obj *co)
{
	list_lru_add_obj(&obj_lru, &co->co_lru);
	obj_put(co);
}
`;

const REFERENCED = `
	if (test_and_clear_bit(OBJ_REFERENCED, &co->co_flags))
		return LRU_ROTATE;`;
/** Drops the LRU's reference on every entry; the ones still in use only leave the list. */
const ISOLATE_IN_USE = `
	if (!refcount_dec_and_test(&co->co_ref)) {
		list_lru_isolate(lru, &co->co_lru);
		return LRU_REMOVED;
	}
	list_lru_isolate(lru, &co->co_lru);
	list_add(&co->co_gc, dispose);
	return LRU_REMOVED;`;
/** Entries someone still holds stay on the LRU. */
const ROTATE_IN_USE = `
	if (!refcount_dec_if_one(&co->co_ref))
		return LRU_ROTATE;
	list_lru_isolate(lru, &co->co_lru);
	list_add(&co->co_gc, dispose);
	return LRU_REMOVED;`;
/** Wrong: an entry that is not the last reference is still disposed of. */
const DISPOSE_IN_USE = `
	if (refcount_dec_not_one(&co->co_ref)) {
		list_lru_isolate(lru, &co->co_lru);
		list_add(&co->co_gc, dispose);
		return LRU_REMOVED;
	}
	return LRU_ROTATE;`;

const callback = (body: string) => `
static enum lru_status obj_lru_isolate(struct list_head *item, struct list_lru_one *lru, void *arg)
{
	struct list_head *dispose = arg;
	struct cache_obj *co = list_entry(item, struct cache_obj, co_lru);
${body}
}
`;
const scan = (dispose: string) => `
static unsigned long obj_scan(struct shrinker *s, struct shrink_control *sc)
{
	LIST_HEAD(dispose);
	unsigned long n;

	n = list_lru_shrink_walk(&obj_lru, sc, obj_lru_isolate, &dispose);
	${dispose}(&dispose);
	return n;
}
static void obj_gc_worker(struct work_struct *w)
{
	LIST_HEAD(dispose);

	list_lru_walk(&obj_lru, obj_lru_isolate, &dispose, 128);
	${dispose}(&dispose);
}
static DECLARE_DELAYED_WORK(obj_gc, obj_gc_worker);
static struct shrinker obj_shrinker = {
	.scan_objects = obj_scan,
};
`;

const design = (o: { insert?: string; isolate?: string; dispose?: string }) =>
  (o.insert ?? OWN_REF) +
  callback(o.isolate ?? REFERENCED + ROTATE_IN_USE) +
  scan(o.dispose ?? 'obj_dispose_later');

async function flags(before: string, after: string, codes: string[]) {
  const parser = await nodeParser();
  const model = (text: string) =>
    analyzeSources([{ path: 'cache.c', text: HEAD + text }], { parser });
  const r = compareModels(
    { label: 'a', model: model(before) },
    { label: 'b', model: model(after) },
  );
  return r.changes
    .filter((c: BehaviourChange) => codes.includes(c.code))
    .map((c) => [c.code, c.severity, c.function, c.from, c.to]);
}

const IN_USE_TAKEN = 'entries others still hold only taken off';
const LAST_DISPOSED = 'entries whose last reference is the LRU disposed';
const IN_USE_DISPOSED = 'entries others still hold disposed';
const REF_FLAG = '[!test_and_clear_bit(OBJ_REFERENCED, co_flags)]';

describe('LL13 LRU redesigns, before/after table', () => {
  it.each([
    [
      'the LRU takes its own reference at insertion instead of keeping the last put',
      design({ insert: PARKED }),
      design({ insert: OWN_REF }),
      [
        [
          'LL13',
          'warning',
          'obj_lru_add',
          'the last put hands its reference to the LRU',
          'the LRU takes its own reference when an entry is inserted',
        ],
      ],
    ],
    [
      'and back',
      design({ insert: OWN_REF }),
      design({ insert: PARKED }),
      [
        [
          'LL13',
          'warning',
          'obj_lru_add',
          'the LRU takes its own reference when an entry is inserted',
          'the last put hands its reference to the LRU',
        ],
      ],
    ],
    [
      'the LRU starts counting a reference: LL2 says so, LL13 adds nothing',
      design({ insert: NO_REF }),
      design({ insert: OWN_REF }),
      [['LL2', 'warning', 'obj_reuse', 'no reference', 'holds a reference']],
    ],
    [
      'the isolate callback stops taking in-use entries off (rotates them)',
      design({ isolate: REFERENCED + ISOLATE_IN_USE }),
      design({ isolate: REFERENCED + ROTATE_IN_USE }),
      [
        [
          'LL13',
          'warning',
          'obj_lru_isolate',
          `${IN_USE_TAKEN}; ${LAST_DISPOSED} ${REF_FLAG}`,
          `${LAST_DISPOSED} ${REF_FLAG}`,
        ],
      ],
    ],
    [
      'the isolate callback starts taking in-use entries off (their LRU reference dropped)',
      design({ isolate: REFERENCED + ROTATE_IN_USE }),
      design({ isolate: REFERENCED + ISOLATE_IN_USE }),
      [
        [
          'LL13',
          'warning',
          'obj_lru_isolate',
          `${LAST_DISPOSED} ${REF_FLAG}`,
          `${IN_USE_TAKEN}; ${LAST_DISPOSED} ${REF_FLAG}`,
        ],
      ],
    ],
    [
      'the isolate callback disposes of entries others still hold: use-after-free',
      design({ isolate: REFERENCED + ROTATE_IN_USE }),
      design({ isolate: REFERENCED + DISPOSE_IN_USE }),
      [
        [
          'LL13',
          'error',
          'obj_lru_isolate',
          `${LAST_DISPOSED} ${REF_FLAG}`,
          `${IN_USE_DISPOSED} ${REF_FLAG}`,
        ],
      ],
    ],
    [
      'recently referenced entries are no longer skipped',
      design({ isolate: REFERENCED + ROTATE_IN_USE }),
      design({ isolate: ROTATE_IN_USE }),
      [['LL13', 'warning', 'obj_lru_isolate', `${LAST_DISPOSED} ${REF_FLAG}`, LAST_DISPOSED]],
    ],
    [
      'garbage collection goes from queued to synchronous: the shrinker now closes inline',
      design({ dispose: 'obj_dispose_later' }),
      design({ dispose: 'obj_dispose' }),
      [
        ['LL13', 'error', 'obj_scan', 'queued', 'synchronous'],
        ['LL13', 'warning', 'obj_gc_worker', 'queued', 'synchronous'],
      ],
    ],
    [
      'garbage collection goes from synchronous to queued',
      design({ dispose: 'obj_dispose' }),
      design({ dispose: 'obj_dispose_later' }),
      [
        ['LL13', 'warning', 'obj_gc_worker', 'synchronous', 'queued'],
        ['LL13', 'warning', 'obj_scan', 'synchronous', 'queued'],
      ],
    ],
    [
      'a count read moved into a helper defined elsewhere (obj_in_use): nothing',
      design({
        isolate:
          '\n\tif (refcount_read(&co->co_ref) > 1)\n\t\treturn LRU_SKIP;\n\tlist_lru_isolate_move(lru, &co->co_lru, dispose);\n\treturn LRU_REMOVED;',
      }),
      design({
        isolate:
          '\n\tif (obj_in_use(co))\n\t\treturn LRU_SKIP;\n\tlist_lru_isolate_move(lru, &co->co_lru, dispose);\n\treturn LRU_REMOVED;',
      }),
      [],
    ],
    [
      'the same design reformatted, the isolate steps reordered: nothing',
      design({ isolate: REFERENCED + ISOLATE_IN_USE }),
      design({
        isolate:
          REFERENCED +
          ISOLATE_IN_USE.replace(
            'list_lru_isolate(lru, &co->co_lru);\n\tlist_add(&co->co_gc, dispose);',
            'list_lru_isolate(lru,\n\t\t\t &co->co_lru);\n\tlist_add(&co->co_gc,   dispose);',
          ),
      }),
      [],
    ],
  ])('%s', async (_name, before, after, expected) => {
    expect(await flags(before, after, ['LL2', 'LL13'])).toEqual(expected);
  });

  it('the use-after-free row is not LL11 too (the callback tests the count)', async () => {
    expect(
      await flags(
        design({ isolate: REFERENCED + ROTATE_IN_USE }),
        design({ isolate: REFERENCED + DISPOSE_IN_USE }),
        ['LL11'],
      ),
    ).toEqual([]);
  });
});
