// LL12 table: the same release from the same entry in the same context, with
// the guards it runs under changed (or not). Our own C, exact flags.
import { describe, expect, it } from 'vitest';
import { analyzeSources } from '../../analysis/analyze';
import { nodeParser } from '../../../node/wasmFiles';
import { compareModels } from '../compare';

const HEAD = `
struct cache_obj {
	refcount_t co_ref;
	unsigned long co_flags;
	struct list_head co_lru;
	struct file *co_file;
};
static void obj_free(struct cache_obj *co)
{
	fput(co->co_file);
	kfree(co);
}
static struct cache_obj *obj_get(struct cache_obj *co)
{
	refcount_inc(&co->co_ref);
	return co;
}
static void obj_put(struct cache_obj *co)
{
	if (refcount_dec_and_test(&co->co_ref))
		obj_free(co);
}
static int obj_lease_cb(struct notifier_block *nb, unsigned long arg, void *data)
{
	obj_close_inode(data);
	return 0;
}
static struct notifier_block obj_lease_nb = {
	.notifier_call = obj_lease_cb,
};
`;

const closeInode = (body: string) => `
static void obj_close_inode(void *data)
{
	struct cache_obj *co = data;
${body}
}
`;

async function ll12(before: string, after: string) {
  const parser = await nodeParser();
  const model = (text: string) =>
    analyzeSources([{ path: 'cache.c', text: HEAD + text }], { parser });
  return compareModels({ label: 'a', model: model(before) }, { label: 'b', model: model(after) })
    .changes.filter((c) => c.code === 'LL12')
    .map((c) => [c.severity, c.function, c.from, c.to, c.release?.join(), c.entries?.join()]);
}

describe('LL12: same release, different condition', () => {
  it.each([
    [
      'a flag test becomes a final-put test: only zero-count entries are released',
      closeInode('\tif (test_bit(OBJ_HASHED, &co->co_flags))\n\t\tobj_free(co);'),
      closeInode('\tif (refcount_dec_and_test(&co->co_ref))\n\t\tobj_free(co);'),
      [
        [
          'warning',
          'obj_free',
          'test_bit(OBJ_HASHED, co_flags)',
          'refcount_dec_and_test(co_ref)',
          'fput',
          'obj_lease_cb',
        ],
      ],
    ],
    [
      'a guard dropped: released unconditionally now',
      closeInode('\tif (list_empty(&co->co_lru))\n\t\tobj_free(co);'),
      closeInode('\tobj_free(co);'),
      [['warning', 'obj_free', 'list_empty(co_lru)', 'unconditional', 'fput', 'obj_lease_cb']],
    ],
    [
      'a negated guard: the other branch',
      closeInode('\tif (!test_bit(OBJ_DEAD, &co->co_flags))\n\t\tobj_free(co);'),
      closeInode('\tif (test_bit(OBJ_DEAD, &co->co_flags))\n\t\tobj_free(co);'),
      [
        [
          'warning',
          'obj_free',
          '!test_bit(OBJ_DEAD, co_flags)',
          'test_bit(OBJ_DEAD, co_flags)',
          'fput',
          'obj_lease_cb',
        ],
      ],
    ],
    [
      'identical conditions, respelled (early return instead of if, another local name): no change',
      closeInode('\tif (refcount_dec_and_test(&co->co_ref))\n\t\tobj_free(co);'),
      `
static void obj_close_inode(void *data)
{
	struct cache_obj *obj = data;
	if (!refcount_dec_and_test(&obj->co_ref))
		return;
	obj_free(obj);
}
`,
      [],
    ],
    [
      'a guard about another object (the net is up) added: not a condition of this release',
      closeInode('\tif (refcount_dec_and_test(&co->co_ref))\n\t\tobj_free(co);'),
      `
struct obj_net {
	unsigned long flags;
};
static void obj_close_inode(void *data)
{
	struct cache_obj *co = data;
	struct obj_net *net = obj_net_of(co);
	if (!test_bit(OBJ_NET_UP, &net->flags))
		return;
	if (refcount_dec_and_test(&co->co_ref))
		obj_free(co);
}
`,
      [],
    ],
    [
      'the same guard moved into a helper, tests reordered: no change',
      closeInode(
        '\tif (test_bit(OBJ_HASHED, &co->co_flags) && list_empty(&co->co_lru))\n\t\tobj_free(co);',
      ),
      `
static void obj_drop_unused(struct cache_obj *co)
{
	if (!list_empty(&co->co_lru))
		return;
	obj_free(co);
}
static void obj_close_inode(void *data)
{
	struct cache_obj *c = data;
	if (test_bit(OBJ_HASHED, &c->co_flags))
		obj_drop_unused(c);
}
`,
      [],
    ],
  ])('%s', async (_name, before, after, expected) => {
    expect(await ll12(before, after)).toEqual(expected);
  });
});

// The two changes seen in the nfsd file cache's history, modelled in our own C:
// the dispose work handed to the workqueue only for entries whose count reached
// zero, and the fsync done on the final put instead of on every unhash.
const QUEUE = `
static LIST_HEAD(obj_freeme);
static void obj_free_worker(struct work_struct *work)
{
	struct cache_obj *co;
	while (!list_empty(&obj_freeme)) {
		co = list_first_entry(&obj_freeme, struct cache_obj, co_lru);
		list_del_init(&co->co_lru);
		obj_free(co);
	}
}
static DECLARE_WORK(obj_free_work, obj_free_worker);
static void obj_dispose_delayed(struct cache_obj *co)
{
	list_add(&co->co_lru, &obj_freeme);
	queue_work(system_wq, &obj_free_work);
}
`;

const FSYNC_ON_UNHASH = `
static void obj_unhash(struct cache_obj *co)
{
	if (test_and_clear_bit(OBJ_HASHED, &co->co_flags))
		vfs_fsync(co->co_file, 1);
}
static void obj_final(struct cache_obj *co)
{
	obj_free(co);
}
static void obj_close_inode(void *data)
{
	struct cache_obj *co = data;
	obj_unhash(co);
	if (refcount_dec_and_test(&co->co_ref))
		obj_final(co);
}
`;

const FSYNC_ON_FINAL_PUT = `
static void obj_unhash(struct cache_obj *co)
{
	clear_bit(OBJ_HASHED, &co->co_flags);
}
static void obj_final(struct cache_obj *co)
{
	vfs_fsync(co->co_file, 1);
	obj_free(co);
}
static void obj_close_inode(void *data)
{
	struct cache_obj *co = data;
	obj_unhash(co);
	if (refcount_dec_and_test(&co->co_ref))
		obj_final(co);
}
`;

const disposeList = (queueIf: string) => `
static void obj_queue_one(struct cache_obj *co, struct list_head *dispose)
{
${queueIf}
}
static void obj_dispose(struct list_head *dispose)
{
	struct cache_obj *co;
	while (!list_empty(dispose)) {
		co = list_first_entry(dispose, struct cache_obj, co_lru);
		list_del_init(&co->co_lru);
		obj_free(co);
	}
}
static void obj_close_inode(void *data)
{
	struct cache_obj *co = data;
	LIST_HEAD(dispose);
	obj_queue_one(co, &dispose);
	obj_dispose(&dispose);
}
`;

describe('LL12 on the two changes of the nfsd file cache history', () => {
  it.each([
    [
      'a dispose list now filled only with entries whose count reached zero (the guard is where the list is filled)',
      disposeList(
        '\tif (test_and_clear_bit(OBJ_HASHED, &co->co_flags))\n\t\tlist_add(&co->co_lru, dispose);',
      ),
      disposeList('\tif (refcount_dec_and_test(&co->co_ref))\n\t\tlist_add(&co->co_lru, dispose);'),
      [
        [
          'warning',
          'obj_free',
          'test_and_clear_bit(OBJ_HASHED, co_flags)',
          'refcount_dec_and_test(co_ref)',
          'fput',
          'obj_lease_cb',
        ],
      ],
    ],
    [
      'only entries whose count reached zero are handed to the workqueue',
      QUEUE +
        closeInode(
          '\tif (test_and_clear_bit(OBJ_HASHED, &co->co_flags))\n\t\tobj_dispose_delayed(co);',
        ),
      QUEUE + closeInode('\tif (refcount_dec_and_test(&co->co_ref))\n\t\tobj_dispose_delayed(co);'),
      [
        [
          'warning',
          'obj_free',
          'test_and_clear_bit(OBJ_HASHED, co_flags)',
          'refcount_dec_and_test(co_ref)',
          'fput',
          'obj_lease_cb',
        ],
      ],
    ],
    [
      'fsync only on the final put instead of on every unhash',
      FSYNC_ON_UNHASH,
      FSYNC_ON_FINAL_PUT,
      [
        [
          'warning',
          'obj_final',
          'test_and_clear_bit(OBJ_HASHED, co_flags)',
          'refcount_dec_and_test(co_ref)',
          'fsync',
          'obj_lease_cb',
        ],
      ],
    ],
  ])('%s', async (_name, before, after, expected) => {
    expect(await ll12(before, after)).toEqual(expected);
  });
});
