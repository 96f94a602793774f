/* A callee that takes and drops a reference of its own around its work: the
 * caller's count is untouched, whatever paths the callee takes. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct reel {
	refcount_t r_ref;
	int r_len;
};

static void reel_put(struct reel *r)
{
	if (refcount_dec_and_test(&r->r_ref))
		kfree(r);
}

static bool reel_tryget(struct reel *r)
{
	return refcount_inc_not_zero(&r->r_ref);
}

static int reel_measure(struct reel *r)
{
	int len;

	if (!reel_tryget(r))
		return -ENOENT;
	len = r->r_len;
	if (len < 0) {
		reel_put(r);
		return -EINVAL;
	}
	reel_put(r);
	return len;
}

int reel_report(struct reel *r, int *out)
{
	int len;

	refcount_inc(&r->r_ref);
	len = reel_measure(r);
	if (len < 0) {
		reel_put(r);
		return len;
	}
	*out = len;
	reel_put(r);
	return 0;
}
