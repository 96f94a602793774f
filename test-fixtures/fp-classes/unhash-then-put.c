/* The caller holds a reference from its lookup; the hash table holds its own.
 * Removing from the table drops the table's reference, then the caller drops
 * its own: correct, not a double put. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/list.h>

struct lease {
	refcount_t l_ref;
	struct hlist_node l_node;
};

static void lease_put(struct lease *l)
{
	if (refcount_dec_and_test(&l->l_ref))
		kfree(l);
}

/* Takes the lease off the table and drops the table's reference. */
static void lease_unhash_and_put(struct lease *l)
{
	hlist_del_init(&l->l_node);
	lease_put(l);
}

void lease_return(struct lease *l)
{
	lease_unhash_and_put(l);
	lease_put(l);
}
