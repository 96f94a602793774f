/* Form (b): the object starts with two references, one for the hash table and
 * one for the creator. Unhashing drops the table's with dec_not_one; when that
 * would be the last reference, the object goes to a dispose list whose walker
 * drops it. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/rhashtable.h>

struct gadget {
	refcount_t g_ref;
	struct rhash_head g_hnode;
	struct list_head g_dispose;
};

static struct rhashtable gadget_table;
static const struct rhashtable_params gadget_params;

static void gadget_put(struct gadget *g)
{
	if (refcount_dec_and_test(&g->g_ref))
		kfree(g);
}

struct gadget *gadget_create(void)
{
	struct gadget *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return NULL;
	/* one for the table, one for the caller */
	refcount_set(&g->g_ref, 2);
	if (rhashtable_insert_fast(&gadget_table, &g->g_hnode, gadget_params)) {
		kfree(g);
		return NULL;
	}
	return g;
}

static void gadget_unhash(struct gadget *g, struct list_head *dispose)
{
	rhashtable_remove_fast(&gadget_table, &g->g_hnode, gadget_params);
	if (!refcount_dec_not_one(&g->g_ref))
		list_add(&g->g_dispose, dispose);
}

static void gadget_dispose(struct list_head *dispose)
{
	struct gadget *g, *next;

	list_for_each_entry_safe(g, next, dispose, g_dispose) {
		list_del_init(&g->g_dispose);
		gadget_put(g);
	}
}

void gadget_retire(struct gadget *g)
{
	LIST_HEAD(dispose);

	gadget_unhash(g, &dispose);
	gadget_dispose(&dispose);
}
