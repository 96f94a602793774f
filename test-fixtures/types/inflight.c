/* A real reference count next to two in-flight counters in one struct.
 * EXPECTED: object "lantern" with refField "users"; "burning" (atomic_t) and
 * "pending" (refcount_t) only wake waiters when they reach zero: usage
 * counters, never references, and no leak is reported for them. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/wait.h>

struct lantern {
	refcount_t users;
	atomic_t burning;
	refcount_t pending;
};

static void lantern_destroy(struct lantern *l)
{
	kfree(l);
}

static void lantern_get(struct lantern *l)
{
	refcount_inc(&l->users);
}

static void lantern_put(struct lantern *l)
{
	if (refcount_dec_and_test(&l->users))
		lantern_destroy(l);
}

static void lantern_light(struct lantern *l)
{
	atomic_inc(&l->burning);
}

static void lantern_snuff(struct lantern *l)
{
	if (atomic_dec_and_test(&l->burning))
		wake_up_var(&l->burning);
}

static int lantern_start(struct lantern *l)
{
	refcount_inc(&l->pending);
	return 0;
}

static void lantern_done(struct lantern *l)
{
	if (refcount_dec_and_test(&l->pending))
		wake_up_var(&l->pending);
}
