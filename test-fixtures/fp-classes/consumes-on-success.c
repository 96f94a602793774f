/* A callee that takes over the caller's reference only when it succeeds: it
 * stores it, or drops it when the holder already has that object, and returns
 * 0; on -EBUSY it leaves the reference alone. The caller drops its reference
 * only when the call failed: one drop for one reference on every path. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

struct pipe_end {
	refcount_t p_ref;
};

struct holder {
	spinlock_t h_lock;
	struct pipe_end *h_cur;
};

static void pipe_put(struct pipe_end *p)
{
	if (refcount_dec_and_test(&p->p_ref))
		kfree(p);
}

static int holder_attach(struct holder *h, struct pipe_end *p)
{
	int err = 0;

	spin_lock(&h->h_lock);
	if (h->h_cur && h->h_cur != p) {
		err = -EBUSY;
		goto unlock;
	}
	if (!h->h_cur)
		h->h_cur = p;
	else
		pipe_put(p);
unlock:
	spin_unlock(&h->h_lock);
	return err;
}

int holder_open(struct holder *h, struct pipe_end *p)
{
	int err;

	refcount_inc(&p->p_ref);
	err = holder_attach(h, p);
	if (!err)
		return 0;
	pipe_put(p);
	return err;
}
