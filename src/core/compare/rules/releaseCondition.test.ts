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
  // LL12 is experimental: only with the option (the CLI's --experimental-rules).
  return compareModels(
    { label: 'a', model: model(before) },
    { label: 'b', model: model(after) },
    { experimental: true },
  )
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
  ])('%s', async (_name, before, after, expected) => {
    expect(await ll12(before, after)).toEqual(expected);
  });
});
