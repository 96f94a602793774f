/* An object set up with its first reference, then freed with kfree() when its
 * setup fails before anyone else could see it: a release, not a leak. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct gadget {
	refcount_t g_ref;
	void *g_buf;
};

static int gadget_setup(struct gadget *g)
{
	refcount_set(&g->g_ref, 1);
	g->g_buf = kmalloc(64, GFP_KERNEL);
	if (!g->g_buf)
		return -ENOMEM;
	return 0;
}

struct gadget *gadget_new(void)
{
	struct gadget *g;

	g = kmalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return NULL;
	if (gadget_setup(g)) {
		kfree(g);
		return NULL;
	}
	return g;
}
