/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * A small refcounted cache of open files. The last put hands the close to a
 * workqueue (foo_put); foo_put_now closes in the caller's context. The
 * shrinker and the fsnotify handler both drop references with foo_put.
 */
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

struct foo_obj {
	refcount_t		ref;
	struct file		*file;
	struct work_struct	work;
	struct list_head	lru;
};

static struct workqueue_struct *foo_wq;
static LIST_HEAD(foo_lru);
static DEFINE_SPINLOCK(foo_lock);

static void foo_free(struct foo_obj *o)
{
	vfs_fsync(o->file, 1);
	fput(o->file);
	kfree(o);
}

static void foo_free_work(struct work_struct *work)
{
	struct foo_obj *o = container_of(work, struct foo_obj, work);

	foo_free(o);
}

void foo_put(struct foo_obj *o)
{
	trace_foo_put(o);
	if (refcount_dec_and_test(&o->ref)) {
		INIT_WORK(&o->work, foo_free_work);
		queue_work(foo_wq, &o->work);
	}
}

static void foo_put_now(struct foo_obj *o)
{
	if (refcount_dec_and_test(&o->ref))
		foo_free(o);
}

/* Takes the oldest entry off the LRU; the caller owns its reference. */
static struct foo_obj *foo_first(void)
{
	struct foo_obj *o = NULL;

	spin_lock(&foo_lock);
	if (!list_empty(&foo_lru)) {
		o = list_first_entry(&foo_lru, struct foo_obj, lru);
		list_del_init(&o->lru);
	}
	spin_unlock(&foo_lock);
	return o;
}

static unsigned long foo_shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct foo_obj *o = foo_first();

	if (!o)
		return SHRINK_STOP;
	foo_put(o);
	return 1;
}

static struct shrinker foo_shrinker = {
	.scan_objects	= foo_shrink_scan,
};

static int foo_handle_event(struct fsnotify_mark *mark, u32 mask,
			    struct inode *inode, struct inode *dir,
			    const struct qstr *name, u32 cookie)
{
	struct foo_obj *o = foo_first();

	if (o)
		foo_put(o);
	return 0;
}

static const struct fsnotify_ops foo_fsnotify_ops = {
	.handle_inode_event	= foo_handle_event,
};
