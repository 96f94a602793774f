// Table tests for the rules added for issue 12: each row a before/after pair
// of our own C and the exact flags the comparison must produce.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../analysis/analyze';
import { nodeParser } from '../../../node/wasmFiles';
import { compareModels } from '../compare';
import { changeKey } from '../changeKey';
import type { BehaviourChange } from '../compareTypes';

const HEAD = `
struct cache_obj {
	refcount_t co_ref;
	unsigned long co_flags;
	struct hlist_node co_hash;
	struct list_head co_lru;
	struct file *co_file;
};
`;

const LEASE = `
static int obj_lease_cb(struct notifier_block *nb, unsigned long arg, void *data)
{
	obj_close_inode(data);
	return 0;
}
static struct notifier_block obj_lease_nb = {
	.notifier_call = obj_lease_cb,
};
`;

async function flags(before: string, after: string, pick: (c: BehaviourChange) => boolean) {
  const parser = await nodeParser();
  const model = (text: string) =>
    analyzeSources([{ path: 'cache.c', text: HEAD + text }], { parser });
  const r = compareModels(
    { label: 'a', model: model(before) },
    { label: 'b', model: model(after) },
  );
  return r.changes
    .filter(pick)
    .map((c) => [c.code, c.severity, c.function, c.entryContext ?? null, c.from, c.to]);
}

const CLOSE_SYNC = `
static void obj_close_sync(struct cache_obj *co)
{
	fput(co->co_file);
	flush_delayed_fput();
}
static void obj_work_fn(struct work_struct *w)
{
	flush_delayed_fput();
}
static DECLARE_WORK(obj_flush_work, obj_work_fn);
`;

describe('issue 12 rules, before/after tables', () => {
  it.each([
    [
      'LL8: the lease break now flushes inline, through a helper',
      `${CLOSE_SYNC}
static void obj_close_inode(struct cache_obj *co)
{
	queue_work(system_wq, &obj_flush_work);
}
${LEASE}`,
      `${CLOSE_SYNC}
static void obj_close_inode(struct cache_obj *co)
{
	obj_close_sync(co);
}
${LEASE}`,
      [['LL8', 'error', 'obj_close_sync', 'notifier', 'deferred (workqueue)', 'inline']],
    ],
    [
      'LL8: the lease break hands its flush to the workqueue',
      `${CLOSE_SYNC}
static void obj_close_inode(struct cache_obj *co)
{
	obj_close_sync(co);
}
${LEASE}`,
      `${CLOSE_SYNC}
static void obj_close_inode(struct cache_obj *co)
{
	queue_work(system_wq, &obj_flush_work);
}
${LEASE}`,
      [['LL8', 'warning', 'obj_work_fn', 'notifier', 'inline', 'deferred (workqueue)']],
    ],
    [
      'LL8: the same flush, moved into a helper: nothing',
      `${CLOSE_SYNC}
static void obj_close_inode(struct cache_obj *co)
{
	fput(co->co_file);
	flush_delayed_fput();
}
${LEASE}`,
      `${CLOSE_SYNC}
static void obj_close_inode(struct cache_obj *co)
{
	obj_close_sync(co);
}
${LEASE}`,
      [],
    ],
  ])('%s', async (_name, before, after, expected) => {
    expect(await flags(before, after, (c) => c.code === 'LL8')).toEqual(expected);
  });

  it.each([
    [
      'LL9: might_sleep() added',
      'void obj_put(struct cache_obj *co)\n{\n\tif (refcount_dec_and_test(&co->co_ref))\n\t\tkfree(co);\n}\n',
      'void obj_put(struct cache_obj *co)\n{\n\tmight_sleep();\n\tif (refcount_dec_and_test(&co->co_ref))\n\t\tkfree(co);\n}\n',
      [['LL9', 'note', 'obj_put', null, 'none', 'might_sleep()']],
    ],
    [
      'LL9: a lockdep assertion names another lock',
      'static void obj_unhash(struct cache_obj *co)\n{\n\tlockdep_assert_held(&state_lock);\n\thlist_del_rcu(&co->co_hash);\n}\n',
      'static void obj_unhash(struct cache_obj *co)\n{\n\tlockdep_assert_held(&tbl->hash_lock);\n\thlist_del_rcu(&co->co_hash);\n}\n',
      [
        [
          'LL9',
          'note',
          'obj_unhash',
          null,
          'lockdep_assert_held(state_lock)',
          'lockdep_assert_held(hash_lock)',
        ],
      ],
    ],
    [
      'LL9: the same assertion spelled differently: nothing',
      'static void obj_unhash(struct cache_obj *co)\n{\n\tlockdep_assert_held(&nn->hash_lock);\n}\n',
      'static void obj_unhash(struct cache_obj *co)\n{\n\tlockdep_assert_held(&tbl->hash_lock);\n}\n',
      [],
    ],
  ])('%s', async (_name, before, after, expected) => {
    expect(await flags(before, after, (c) => c.code === 'LL9')).toEqual(expected);
  });
});

const PUT_ATOMIC = `
struct cache_obj *obj_get(struct cache_obj *co)
{
	atomic_inc(&co->co_count);
	return co;
}
void obj_put(struct cache_obj *co)
{
	if (atomic_dec_and_test(&co->co_count))
		kfree(co);
}
bool obj_put_not_last(struct cache_obj *co)
{
	return atomic_add_unless(&co->co_count, -1, 1);
}
`;
const PUT_REFCOUNT = PUT_ATOMIC.replace('atomic_inc', 'refcount_inc')
  .replace('atomic_dec_and_test', 'refcount_dec_and_test')
  .replace('atomic_add_unless(&co->co_count, -1, 1)', 'refcount_dec_not_one(&co->co_count)');

const PURGE = (body: string) => `
void obj_put(struct cache_obj *co)
{
	if (refcount_dec_and_test(&co->co_ref))
		kfree(co);
}
static void obj_purge(struct cache_obj *co, struct list_head *dispose)
{
	hlist_del_rcu(&co->co_hash);
${body}
}
`;

describe('issue 12 rules: refcount type, unsafe free, grouped entry points', () => {
  it('LL10: atomic_t -> refcount_t is one change, not final-put churn', async () => {
    const head = (t: string) => `struct counted { ${t} co_count; };\n`;
    const parser = await nodeParser();
    const model = (text: string) => analyzeSources([{ path: 'c.c', text }], { parser });
    const r = compareModels(
      {
        label: 'a',
        model: model(head('atomic_t') + PUT_ATOMIC.replaceAll('cache_obj', 'counted')),
      },
      {
        label: 'b',
        model: model(head('refcount_t') + PUT_REFCOUNT.replaceAll('cache_obj', 'counted')),
      },
    );
    expect(r.changes.map((c) => [c.code, c.severity, c.title])).toEqual([
      [
        'LL10',
        'note',
        'struct counted: reference count type atomic_t -> refcount_t (atomic_dec_and_test, atomic_inc -> refcount_dec_and_test, refcount_dec_not_one, refcount_inc)',
      ],
    ]);
  });

  it.each([
    [
      'LL11: a purge that frees regardless of the count',
      PURGE('\tif (refcount_dec_and_test(&co->co_ref))\n\t\tlist_add(&co->co_lru, dispose);'),
      PURGE('\tlist_add(&co->co_lru, dispose);'),
      [
        [
          'LL11',
          'error',
          'obj_purge',
          null,
          'frees only after the final put',
          'frees regardless of count',
        ],
      ],
    ],
    [
      'LL11: the fix frees only entries whose count reached zero',
      PURGE('\tlist_add(&co->co_lru, dispose);'),
      PURGE('\tif (refcount_dec_and_test(&co->co_ref))\n\t\tlist_add(&co->co_lru, dispose);'),
      [
        [
          'LL11',
          'note',
          'obj_purge',
          null,
          'frees regardless of count',
          'frees only after the final put',
        ],
      ],
    ],
  ])('%s', async (_name, before, after, expected) => {
    expect(await flags(before, after, (c) => c.code === 'LL11')).toEqual(expected);
  });

  it('LL7: new API in one file is one item, the list folded', async () => {
    const api = (names: string[]) =>
      names.map((n) => `int ${n}(struct cache_obj *co)\n{\n\treturn 0;\n}\n`).join('');
    const parser = await nodeParser();
    const model = (text: string) =>
      analyzeSources([{ path: 'cache.c', text: HEAD + text }], { parser });
    const r = compareModels(
      { label: 'a', model: model(api(['obj_a', 'obj_old'])) },
      { label: 'b', model: model(api(['obj_a', 'obj_b', 'obj_c', 'obj_d'])) },
    );
    expect(r.changes.map((c) => [c.code, c.severity, c.title, c.entries])).toEqual([
      [
        'LL7',
        'note',
        'entry points in cache.c: 3 new (obj_b(), obj_c(), obj_d()); 1 removed (obj_old())',
        ['obj_b', 'obj_c', 'obj_d', 'obj_old'],
      ],
    ]);
  });
});

describe('changeKey', () => {
  it('has no line numbers and names rule, object, function and the move', () => {
    const c: BehaviourChange = {
      rule: 'release-context',
      code: 'LL1',
      severity: 'warning',
      title: 't',
      function: 'f',
      entry: 'e',
      entryContext: 'fsnotify',
      from: 'deferred (workqueue)',
      to: 'inline (fsnotify)',
      release: ['fput', 'fsync'],
      object: 'obj',
      explanation: '',
    };
    expect(changeKey(c)).toBe(
      'LL1|obj|f|fsnotify|e|deferred (workqueue)|inline (fsnotify)|fput+fsync',
    );
  });
});
