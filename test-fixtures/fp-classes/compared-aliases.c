/* Two names for maybe one object: the insert returns either the entry already
 * in the table (with a new reference) or the caller's own new entry (its
 * reference now shared with the table). When they differ the caller drops its
 * own; when they are the same there is one reference, not two. The analysis
 * cannot tell from the comparison alone: a leak it sees there is a guess. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct slot {
	refcount_t sl_ref;
	int sl_key;
};

static struct slot *slot_table[8];

static void slot_put(struct slot *sl)
{
	if (refcount_dec_and_test(&sl->sl_ref))
		kfree(sl);
}

static struct slot *slot_insert(struct slot *new)
{
	struct slot *cur = slot_table[new->sl_key & 7];

	if (cur && refcount_inc_not_zero(&cur->sl_ref))
		return cur;
	slot_table[new->sl_key & 7] = new;
	return new;
}

struct slot *slot_open(int key, int (*prepare)(struct slot *))
{
	struct slot *sl, *found;

	sl = kzalloc(sizeof(*sl), GFP_KERNEL);
	if (!sl)
		return NULL;
	refcount_set(&sl->sl_ref, 1);
	sl->sl_key = key;
	found = slot_insert(sl);
	if (found != sl) {
		slot_put(sl);
		sl = found;
	}
	if (prepare(sl)) {
		slot_put(sl);
		return NULL;
	}
	return sl;
}
