/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Sleeping release work reached from atomic context.
 *
 * EXPECTED (findings: sleeping call in atomic context):
 *  as_close_under_lock: vfs_fsync under spin_lock(&as_lock)     FINDING
 *  as_close_in_rcu: __fput_sync inside rcu_read_lock section     FINDING
 *  as_rcu_cb: call_rcu callback (rcu-callback) calls filp_close  FINDING
 *  as_isolate: list_lru_walk isolate callback (lru-isolate)
 *   calls as_close -> vfs_fsync (FINDING) + fput (fine: fput
 *   defers the final __fput, it does not sleep)
 *  as_close_after_unlock: fput after spin_unlock                 fine
 *  as_close: process helper (vfs_fsync + fput); fine on its own
 */
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/list_lru.h>
#include <linux/file.h>

struct as_item {
	struct list_head	ai_lru;
	struct rcu_head		ai_rcu;
	struct file		*ai_file;
};

static DEFINE_SPINLOCK(as_lock);
static struct list_lru as_lru;

static void as_close(struct as_item *ai)
{
	vfs_fsync(ai->ai_file, 1);
	fput(ai->ai_file);
}

void as_close_under_lock(struct as_item *ai)
{
	spin_lock(&as_lock);
	vfs_fsync(ai->ai_file, 1);
	spin_unlock(&as_lock);
}

void as_close_in_rcu(struct as_item *ai)
{
	rcu_read_lock();
	__fput_sync(ai->ai_file);
	rcu_read_unlock();
}

static void as_rcu_cb(struct rcu_head *rcu)
{
	struct as_item *ai = container_of(rcu, struct as_item, ai_rcu);

	filp_close(ai->ai_file, NULL);
	kfree(ai);
}

void as_free_later(struct as_item *ai)
{
	call_rcu(&ai->ai_rcu, as_rcu_cb);
}

static enum lru_status as_isolate(struct list_head *item,
				  struct list_lru_one *lru,
				  spinlock_t *lock, void *arg)
{
	struct as_item *ai = list_entry(item, struct as_item, ai_lru);

	list_lru_isolate(lru, item);
	as_close(ai);
	return LRU_REMOVED;
}

unsigned long as_age(void)
{
	return list_lru_walk(&as_lru, as_isolate, NULL, 64);
}

void as_close_after_unlock(struct as_item *ai)
{
	spin_lock(&as_lock);
	list_del_init(&ai->ai_lru);
	spin_unlock(&as_lock);
	fput(ai->ai_file);
}
