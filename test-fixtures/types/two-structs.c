/* Two refcounted structs that share every field name (ref, lock, list).
 * EXPECTED: two objects, "plum" and "quince", each with its own getter,
 * putter, allocation and final put; no field-name guess. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct plum {
	refcount_t ref;
	spinlock_t lock;
	struct list_head list;
	int seeds;
};

struct quince {
	refcount_t ref;
	spinlock_t lock;
	struct list_head list;
	long weight;
};

static struct plum *plum_new(void)
{
	struct plum *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return NULL;
	refcount_set(&p->ref, 1);
	return p;
}

static void plum_hold(struct plum *p)
{
	refcount_inc(&p->ref);
}

static void plum_drop(struct plum *p)
{
	if (refcount_dec_and_test(&p->ref))
		kfree(p);
}

static struct quince *quince_new(void)
{
	struct quince *q = kzalloc(sizeof(*q), GFP_KERNEL);

	if (!q)
		return NULL;
	refcount_set(&q->ref, 2);
	return q;
}

static void quince_hold(struct quince *q)
{
	refcount_inc(&q->ref);
}

static void quince_drop(struct quince *q)
{
	if (refcount_dec_and_test(&q->ref))
		kfree(q);
}

/* The receiver's type is unknown and two structs have a "ref": no guess. */
static void poke_unknown(void *cookie)
{
	refcount_inc(&find_fruit(cookie)->ref);
}
