/* A reference held by a local declared with a scope cleanup: the cleanup drops
 * it at every return, error returns included. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/cleanup.h>

struct lens {
	refcount_t ln_ref;
	int ln_focus;
};

static struct lens *lens_table[8];

static struct lens *lens_find(int id)
{
	struct lens *ln = lens_table[id & 7];

	if (ln)
		refcount_inc(&ln->ln_ref);
	return ln;
}

static void lens_put(struct lens *ln)
{
	if (refcount_dec_and_test(&ln->ln_ref))
		kfree(ln);
}

DEFINE_FREE(lens_put, struct lens *, if (_T) lens_put(_T))

int lens_focus(int id, int focus)
{
	struct lens *ln __free(lens_put) = lens_find(id);

	if (!ln)
		return -ENOENT;
	if (focus < 0)
		return -EINVAL;
	ln->ln_focus = focus;
	return 0;
}
