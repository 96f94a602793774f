/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Lock regions and sleeping release work: which calls run while a spinlock
 * (or the RCU read side) may still be held. One function per lock form.
 *
 * EXPECTED (sleep-in-atomic findings):
 *  lr_fput_under_lock: fput() under spin_lock                 fine (fput defers)
 *  lr_sync_under_lock: __fput_sync() under spin_lock          FINDING
 *  lr_fsync_under_lock: vfs_fsync() under spin_lock           FINDING
 *  lr_unlock_first: spin_unlock, then vfs_fsync               fine
 *  lr_unlock_both_branches: unlocked on both arms, then fsync fine
 *  lr_unlock_one_branch: unlocked on one arm only, then fsync FINDING
 *  lr_irqsave: spin_unlock_irqrestore, then vfs_fsync         fine
 *  lr_irqsave_inside: vfs_fsync before spin_unlock_irqrestore FINDING
 *  lr_rcu_done: rcu_read_unlock, then __fput_sync             fine
 *  lr_guard: guard(spinlock) then vfs_fsync in its scope      FINDING
 *  lr_guard_inner: guard(spinlock) in an inner block, vfs_fsync
 *   after the block                                           fine
 *  lr_scoped: scoped_guard(spinlock) { vfs_fsync }            FINDING
 *  lr_scoped_after: vfs_fsync after the scoped_guard body     fine
 *  lr_drop_in_helper: spin_lock, then lr_unlock_helper()
 *   (__releases, drops the lock), then vfs_fsync              fine
 *  lr_drop_in_plain_helper: same, helper not annotated, drops
 *   the lock it did not take                                  fine
 */
#include <linux/spinlock.h>
#include <linux/cleanup.h>
#include <linux/rcupdate.h>
#include <linux/fs.h>
#include <linux/file.h>

struct lr_table {
	spinlock_t	lt_lock;
	int		lt_count;
};

struct lr_entry {
	struct file	*le_file;
	int		le_busy;
};

void lr_fput_under_lock(struct lr_table *t, struct lr_entry *e)
{
	spin_lock(&t->lt_lock);
	fput(e->le_file);
	spin_unlock(&t->lt_lock);
}

void lr_sync_under_lock(struct lr_table *t, struct lr_entry *e)
{
	spin_lock(&t->lt_lock);
	__fput_sync(e->le_file);
	spin_unlock(&t->lt_lock);
}

void lr_fsync_under_lock(struct lr_table *t, struct lr_entry *e)
{
	spin_lock(&t->lt_lock);
	vfs_fsync(e->le_file, 0);
	spin_unlock(&t->lt_lock);
}

void lr_unlock_first(struct lr_table *t, struct lr_entry *e)
{
	spin_lock(&t->lt_lock);
	t->lt_count--;
	spin_unlock(&t->lt_lock);
	vfs_fsync(e->le_file, 0);
}

void lr_unlock_both_branches(struct lr_table *t, struct lr_entry *e)
{
	spin_lock(&t->lt_lock);
	if (e->le_busy) {
		t->lt_count++;
		spin_unlock(&t->lt_lock);
	} else {
		spin_unlock(&t->lt_lock);
	}
	vfs_fsync(e->le_file, 0);
}

void lr_unlock_one_branch(struct lr_table *t, struct lr_entry *e)
{
	spin_lock(&t->lt_lock);
	if (e->le_busy)
		spin_unlock(&t->lt_lock);
	vfs_fsync(e->le_file, 0);
}

void lr_irqsave(struct lr_table *t, struct lr_entry *e)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lt_lock, flags);
	t->lt_count++;
	spin_unlock_irqrestore(&t->lt_lock, flags);
	vfs_fsync(e->le_file, 0);
}

void lr_irqsave_inside(struct lr_table *t, struct lr_entry *e)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lt_lock, flags);
	vfs_fsync(e->le_file, 0);
	spin_unlock_irqrestore(&t->lt_lock, flags);
}

void lr_rcu_done(struct lr_entry *e)
{
	rcu_read_lock();
	e->le_busy = 0;
	rcu_read_unlock();
	__fput_sync(e->le_file);
}

void lr_guard(struct lr_table *t, struct lr_entry *e)
{
	guard(spinlock)(&t->lt_lock);
	t->lt_count++;
	vfs_fsync(e->le_file, 0);
}

void lr_guard_inner(struct lr_table *t, struct lr_entry *e)
{
	if (e->le_busy) {
		guard(spinlock)(&t->lt_lock);
		t->lt_count++;
	}
	vfs_fsync(e->le_file, 0);
}

void lr_scoped(struct lr_table *t, struct lr_entry *e)
{
	scoped_guard(spinlock, &t->lt_lock) {
		t->lt_count++;
		vfs_fsync(e->le_file, 0);
	}
}

void lr_scoped_after(struct lr_table *t, struct lr_entry *e)
{
	scoped_guard(spinlock, &t->lt_lock) {
		t->lt_count++;
	}
	vfs_fsync(e->le_file, 0);
}

static void lr_unlock_helper(struct lr_table *t)
	__releases(&t->lt_lock)
{
	t->lt_count = 0;
	spin_unlock(&t->lt_lock);
}

void lr_drop_in_helper(struct lr_table *t, struct lr_entry *e)
{
	spin_lock(&t->lt_lock);
	lr_unlock_helper(t);
	vfs_fsync(e->le_file, 0);
}

static void lr_plain_unlock_helper(struct lr_table *tbl)
{
	tbl->lt_count = 0;
	spin_unlock(&tbl->lt_lock);
}

void lr_drop_in_plain_helper(struct lr_table *t, struct lr_entry *e)
{
	spin_lock(&t->lt_lock);
	lr_plain_unlock_helper(t);
	vfs_fsync(e->le_file, 0);
}
