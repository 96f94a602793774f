/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Get/put balance per path.
 *
 * EXPECTED:
 *  bal_put: put wrapper (refcount_dec_and_test -> bal_obj_free)
 *  bal_clean: get + put on every path: balanced
 *  bal_leak_on_error: get, then `goto out` on the prepare() error path
 *   skips the put: LEAK on that path (success path balanced)
 *  bal_double_put: the b_state < 0 early-exit path puts and then jumps
 *   to `out`, which puts again: DOUBLE PUT on that path (other path fine)
 *  bal_tested_get: if (!refcount_inc_not_zero(..)) return: the get is
 *   tested; balanced
 *  bal_untested_get: refcount_inc_not_zero result ignored, then put:
 *   UNCHECKED conditional get (finding)
 */
#include <linux/refcount.h>

struct bal_obj {
	refcount_t	b_ref;
	int		b_state;
};

void bal_obj_free(struct bal_obj *b);
int prepare(struct bal_obj *b);
void consume(struct bal_obj *b);

static void bal_put(struct bal_obj *b)
{
	if (refcount_dec_and_test(&b->b_ref))
		bal_obj_free(b);
}

void bal_clean(struct bal_obj *b)
{
	refcount_inc(&b->b_ref);
	consume(b);
	bal_put(b);
}

int bal_leak_on_error(struct bal_obj *b)
{
	int err;

	refcount_inc(&b->b_ref);
	err = prepare(b);
	if (err)
		goto out;
	consume(b);
	bal_put(b);
out:
	return err;
}

int bal_double_put(struct bal_obj *b)
{
	int ret = 0;

	refcount_inc(&b->b_ref);
	if (b->b_state < 0) {
		bal_put(b);
		ret = -EINVAL;
		goto out;
	}
	consume(b);
out:
	bal_put(b);
	return ret;
}

int bal_tested_get(struct bal_obj *b)
{
	if (!refcount_inc_not_zero(&b->b_ref))
		return -ENOENT;
	consume(b);
	bal_put(b);
	return 0;
}

void bal_untested_get(struct bal_obj *b)
{
	refcount_inc_not_zero(&b->b_ref);
	consume(b);
	bal_put(b);
}
