/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Pre-refcount_t idiom: an atomic_t used as a reference count guarding
 * kfree. Must be treated like refcount_t.
 *
 * EXPECTED:
 *  struct legacy_buf.lb_count: set 1 in legacy_buf_new (atomic_set)
 *  legacy_buf_grab: get (atomic_inc)
 *  legacy_buf_drop: put (atomic_dec_and_test); FINAL PUT -> fput + kfree
 *   inline in the caller
 *  legacy_stats_bump: atomic_inc on a statistics counter that never guards
 *   a free: NOT a reference
 */
#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/file.h>

struct legacy_buf {
	atomic_t	lb_count;
	struct file	*lb_file;
	void		*lb_data;
};

static atomic_t legacy_stats_allocs = ATOMIC_INIT(0);

struct legacy_buf *legacy_buf_new(struct file *file)
{
	struct legacy_buf *lb = kmalloc(sizeof(*lb), GFP_KERNEL);

	if (!lb)
		return NULL;
	atomic_set(&lb->lb_count, 1);
	lb->lb_file = file;
	lb->lb_data = NULL;
	return lb;
}

void legacy_buf_grab(struct legacy_buf *lb)
{
	atomic_inc(&lb->lb_count);
}

void legacy_buf_drop(struct legacy_buf *lb)
{
	if (!atomic_dec_and_test(&lb->lb_count))
		return;
	fput(lb->lb_file);
	kfree(lb->lb_data);
	kfree(lb);
}

void legacy_stats_bump(void)
{
	atomic_inc(&legacy_stats_allocs);
}
