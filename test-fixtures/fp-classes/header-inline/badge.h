/* Get and put helpers as static inline functions in a header, the way many
 * subsystems define them. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct badge {
	refcount_t b_ref;
	int b_level;
};

static inline struct badge *badge_get(struct badge *b)
{
	refcount_inc(&b->b_ref);
	return b;
}

static inline void badge_put(struct badge *b)
{
	if (refcount_dec_and_test(&b->b_ref))
		kfree(b);
}
