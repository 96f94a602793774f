/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * A helper called with a spinlock held that drops the lock itself before
 * doing sleeping work (annotated __releases/__acquires, as the kernel writes
 * such helpers) is not sleeping under the caller's lock. One that keeps the
 * lock is.
 *
 * EXPECTED:
 *  scan_step: drops scan_lock, filp_close, retakes it: no finding at its call
 *  scan_step_locked: filp_close with scan_lock still held
 *  scan_all: finding at the scan_step_locked call (line 45) only
 */
#include <linux/spinlock.h>
#include <linux/file.h>

struct scan_item {
	struct file		*si_file;
};

static DEFINE_SPINLOCK(scan_lock);

static void scan_step(struct scan_item *it)
	__releases(&scan_lock)
	__acquires(&scan_lock)
{
	spin_unlock(&scan_lock);
	filp_close(it->si_file, NULL);
	spin_lock(&scan_lock);
}

static void scan_step_locked(struct scan_item *it)
{
	filp_close(it->si_file, NULL);
}

void scan_all(struct scan_item *a, struct scan_item *b)
{
	spin_lock(&scan_lock);
	scan_step(a);
	spin_unlock(&scan_lock);

	spin_lock(&scan_lock);
	/* the helper keeps the lock: filp_close sleeps under it */
	scan_step_locked(b);
	spin_unlock(&scan_lock);
}
