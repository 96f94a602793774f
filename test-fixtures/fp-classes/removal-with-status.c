/* The removal helper also records why the object was removed (a status mask
 * stored into the object): storing a mask keeps no reference, so the helper is
 * still a removal and the caller's drop after it is its own. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/list.h>

#define PASS_CLOSED	1

struct pass {
	refcount_t p_ref;
	struct list_head p_node;
	unsigned int p_status;
};

static DEFINE_SPINLOCK(pass_lock);

static void pass_put(struct pass *p)
{
	if (refcount_dec_and_test(&p->p_ref))
		kfree(p);
}

static bool pass_unlink(struct pass *p, unsigned int why)
{
	if (list_empty(&p->p_node))
		return false;
	p->p_status |= why;
	list_del_init(&p->p_node);
	return true;
}

static void pass_revoke(struct pass *p)
{
	bool unlinked;

	spin_lock(&pass_lock);
	unlinked = pass_unlink(p, PASS_CLOSED);
	spin_unlock(&pass_lock);
	if (unlinked)
		pass_put(p);
}

void pass_return(struct pass *p)
{
	pass_revoke(p);
	pass_put(p);
}
