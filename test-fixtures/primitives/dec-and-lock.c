/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * refcount_dec_and_lock: the final put returns with the lock held, the
 * object is unlinked under the lock and released after unlock.
 *
 * EXPECTED:
 *  sess_put: put (refcount_dec_and_lock on sess_table_lock); FINAL PUT =>
 *   sess_table_lock acquired; hlist_del_rcu under the lock; spin_unlock;
 *   then vfs_fsync + fput (after unlock: fine) and call_rcu(sess_free_rcu)
 *  sess_put_bad: same final put but filp_close (sleeps) called BEFORE spin_unlock:
 *   finding (sleeping call under spinlock)
 *  sess_free_rcu: rcu-callback, kfree only
 */
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/rculist.h>
#include <linux/file.h>

struct sess {
	refcount_t		s_ref;
	struct hlist_node	s_node;
	struct rcu_head		s_rcu;
	struct file		*s_file;
};

static DEFINE_SPINLOCK(sess_table_lock);

static void sess_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct sess, s_rcu));
}

void sess_put(struct sess *s)
{
	if (!refcount_dec_and_lock(&s->s_ref, &sess_table_lock))
		return;
	hlist_del_rcu(&s->s_node);
	spin_unlock(&sess_table_lock);

	vfs_fsync(s->s_file, 0);
	fput(s->s_file);
	call_rcu(&s->s_rcu, sess_free_rcu);
}

void sess_put_bad(struct sess *s)
{
	if (!refcount_dec_and_lock(&s->s_ref, &sess_table_lock))
		return;
	hlist_del_rcu(&s->s_node);
	filp_close(s->s_file, NULL);
	spin_unlock(&sess_table_lock);
	call_rcu(&s->s_rcu, sess_free_rcu);
}
