/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Every way a callback gets bound to an execution context.
 *
 * EXPECTED (callback -> context):
 *  reg_work_fn         workqueue     (INIT_WORK in reg_setup)
 *  reg_dwork_fn        delayed-work  (INIT_DELAYED_WORK in reg_setup)
 *  reg_static_dwork_fn delayed-work  (DECLARE_DELAYED_WORK reg_static_dwork)
 *  reg_static_work_fn  workqueue     (DECLARE_WORK reg_static_work)
 *  reg_fsn_event       fsnotify      (fsnotify_ops .handle_inode_event)
 *  reg_fsn_free_mark   fsnotify      (fsnotify_ops .free_mark)
 *  reg_lease_cb        notifier      (notifier_block, lease_register_notifier)
 *  reg_old_count/reg_old_scan  shrinker (static struct shrinker)
 *  reg_new_count/reg_new_scan  shrinker (shrinker_alloc + assignment)
 *  reg_isolate         lru-isolate   (list_lru_walk argument)
 *  reg_rcu_cb          rcu-callback  (call_rcu argument)
 *  reg_runtime_cb      bound at run time via `ops->cb = reg_runtime_cb;`
 *                      to whatever calls ops->cb (reg_fire: process)
 */
#include <linux/workqueue.h>
#include <linux/fsnotify_backend.h>
#include <linux/filelock.h>
#include <linux/shrinker.h>
#include <linux/list_lru.h>

struct reg_ops { void (*cb)(void *data); };
struct reg_obj {
	struct work_struct	work;
	struct delayed_work	dwork;
	struct rcu_head		rcu;
};

static void reg_work_fn(struct work_struct *w) { }
static void reg_dwork_fn(struct work_struct *w) { }
static void reg_static_dwork_fn(struct work_struct *w) { }
static void reg_static_work_fn(struct work_struct *w) { }
static DECLARE_DELAYED_WORK(reg_static_dwork, reg_static_dwork_fn);
static DECLARE_WORK(reg_static_work, reg_static_work_fn);

static int reg_fsn_event(struct fsnotify_mark *mark, u32 mask,
			 struct inode *inode, struct inode *dir,
			 const struct qstr *name, u32 cookie)
{
	return 0;
}

static void reg_fsn_free_mark(struct fsnotify_mark *mark) { }

static const struct fsnotify_ops reg_fsn_ops = {
	.handle_inode_event	= reg_fsn_event,
	.free_mark		= reg_fsn_free_mark,
};

static int reg_lease_cb(struct notifier_block *nb, unsigned long arg,
			void *data)
{
	return NOTIFY_DONE;
}

static struct notifier_block reg_lease_nb = {
	.notifier_call = reg_lease_cb,
};

static unsigned long reg_old_count(struct shrinker *s, struct shrink_control *sc) { return 0; }
static unsigned long reg_old_scan(struct shrinker *s, struct shrink_control *sc) { return SHRINK_STOP; }
static unsigned long reg_new_count(struct shrinker *s, struct shrink_control *sc) { return 0; }
static unsigned long reg_new_scan(struct shrinker *s, struct shrink_control *sc) { return SHRINK_STOP; }

static struct shrinker reg_old_shrinker = {
	.count_objects	= reg_old_count,
	.scan_objects	= reg_old_scan,
	.seeks		= DEFAULT_SEEKS,
};
static struct shrinker *reg_new_shrinker;

static enum lru_status reg_isolate(struct list_head *item,
				   struct list_lru_one *lru,
				   spinlock_t *lock, void *arg)
{
	return LRU_SKIP;
}

static void reg_rcu_cb(struct rcu_head *rcu) { }
static void reg_runtime_cb(void *data) { }

int reg_setup(struct reg_obj *o, struct reg_ops *ops, struct list_lru *lru)
{
	INIT_WORK(&o->work, reg_work_fn);
	INIT_DELAYED_WORK(&o->dwork, reg_dwork_fn);
	fsnotify_alloc_group(&reg_fsn_ops, 0);
	lease_register_notifier(&reg_lease_nb);
	register_shrinker(&reg_old_shrinker, "reg-old");
	reg_new_shrinker = shrinker_alloc(0, "reg-new");
	if (!reg_new_shrinker)
		return -ENOMEM;
	reg_new_shrinker->count_objects = reg_new_count;
	reg_new_shrinker->scan_objects = reg_new_scan;
	shrinker_register(reg_new_shrinker);
	list_lru_walk(lru, reg_isolate, NULL, 16);
	call_rcu(&o->rcu, reg_rcu_cb);
	ops->cb = reg_runtime_cb;
	return 0;
}

void reg_fire(struct reg_ops *ops)
{
	ops->cb(NULL);
}
