/* Form (a): a hash chain under a bucket spinlock. Inserting takes a reference
 * for the table (the sentinel); unhashing drops it. Callers take and drop their own. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/list.h>

struct widget {
	refcount_t w_ref;
	struct hlist_node w_node;
	unsigned long w_key;
};

struct widget_bucket {
	spinlock_t wb_lock;
	struct hlist_head wb_head;
};

static struct widget_bucket widget_table[64];

static struct widget *widget_get(struct widget *w)
{
	refcount_inc(&w->w_ref);
	return w;
}

static void widget_put(struct widget *w)
{
	if (refcount_dec_and_test(&w->w_ref))
		kfree(w);
}

static void widget_hash(struct widget_bucket *b, struct widget *w)
{
	spin_lock(&b->wb_lock);
	widget_get(w);
	hlist_add_head(&w->w_node, &b->wb_head);
	spin_unlock(&b->wb_lock);
}

static void widget_unhash(struct widget_bucket *b, struct widget *w)
{
	spin_lock(&b->wb_lock);
	hlist_del_init(&w->w_node);
	spin_unlock(&b->wb_lock);
	widget_put(w);
}

struct widget *widget_create(unsigned long key)
{
	struct widget *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (!w)
		return NULL;
	refcount_set(&w->w_ref, 1);
	w->w_key = key;
	widget_hash(&widget_table[key & 63], w);
	return w;
}

void widget_retire(struct widget *w)
{
	widget_unhash(&widget_table[w->w_key & 63], w);
	widget_put(w);
}
