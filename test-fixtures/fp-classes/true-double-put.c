/* Control: a real double put. One reference taken, two dropped on one path. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct badge {
	refcount_t b_ref;
};

static void badge_put(struct badge *b)
{
	if (refcount_dec_and_test(&b->b_ref))
		kfree(b);
}

void badge_flash(struct badge *b)
{
	refcount_inc(&b->b_ref);
	badge_put(b);
	badge_put(b);
	badge_put(b);
}
