/* The table holds a reference. The removal helper drops the table's reference
 * only when it was the one to unhash the object; the caller, who took its own
 * reference first, then drops that one. Two drops, two references. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/list.h>

struct ticket {
	refcount_t t_ref;
	struct list_head t_hash;
	bool t_hashed;
};

static DEFINE_SPINLOCK(ticket_lock);

static void ticket_put(struct ticket *t)
{
	if (refcount_dec_and_test(&t->t_ref))
		kfree(t);
}

static bool ticket_unhash(struct ticket *t)
{
	if (!t->t_hashed)
		return false;
	list_del_init(&t->t_hash);
	t->t_hashed = false;
	return true;
}

/* Drops the table's reference if this call unhashed the object. */
static void ticket_drop_from_table(struct ticket *t)
{
	bool unhashed;

	spin_lock(&ticket_lock);
	unhashed = ticket_unhash(t);
	spin_unlock(&ticket_lock);
	if (unhashed)
		ticket_put(t);
}

void ticket_revoke(struct ticket *t)
{
	refcount_inc(&t->t_ref);
	ticket_drop_from_table(t);
	ticket_put(t);
}
