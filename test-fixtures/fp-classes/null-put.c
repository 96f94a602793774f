/* A lookup that may return NULL; every exit drops the looked-up handle once,
 * the error exits through a label whose put tolerates NULL. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct widget {
	refcount_t w_ref;
	int w_id;
};

static struct widget *widget_table[16];

static struct widget *widget_find(int id)
{
	struct widget *w = widget_table[id & 15];

	if (w && !refcount_inc_not_zero(&w->w_ref))
		return NULL;
	return w;
}

static void widget_put(struct widget *w)
{
	if (!w)
		return;
	if (refcount_dec_and_test(&w->w_ref))
		kfree(w);
}

int widget_use(int id, int len)
{
	struct widget *w;
	int err = 0;

	w = widget_find(id);
	if (!w) {
		err = -ENOENT;
		goto out;
	}
	if (len > 4096) {
		err = -EINVAL;
		goto out;
	}
	widget_put(w);
	return 0;
out:
	widget_put(w);
	return err;
}
