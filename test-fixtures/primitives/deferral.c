/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Calls that move work to another context.
 *
 * EXPECTED (caller -> handler, handler context):
 *  df_kick: queue_work(df_wq, &df_work) -> df_worker (workqueue)
 *  df_kick_system: schedule_work(&df_work) -> df_worker (workqueue)
 *  df_later: queue_delayed_work(system_wq, &df_dwork, HZ) -> df_dworker
 *   (delayed-work)
 *  df_sooner: mod_delayed_work(system_wq, &df_dwork, 0) -> df_dworker
 *  df_hand_off: moves items onto df_pending under df_lock, then
 *   queue_work: the close (fput) is DEFERRED to df_worker, which drains
 *   df_pending (list_splice_init) and fputs inline in workqueue context
 *  df_close_now: fput inline (process) for comparison
 */
#include <linux/workqueue.h>
#include <linux/file.h>

struct df_item {
	struct list_head	di_list;
	struct file		*di_file;
};

static struct workqueue_struct *df_wq;
static DEFINE_SPINLOCK(df_lock);
static LIST_HEAD(df_pending);
static void df_worker(struct work_struct *work);
static void df_dworker(struct work_struct *work);
static DECLARE_WORK(df_work, df_worker);
static DECLARE_DELAYED_WORK(df_dwork, df_dworker);

static void df_worker(struct work_struct *work)
{
	struct df_item *di, *tmp;
	LIST_HEAD(batch);

	spin_lock(&df_lock);
	list_splice_init(&df_pending, &batch);
	spin_unlock(&df_lock);
	list_for_each_entry_safe(di, tmp, &batch, di_list) {
		list_del(&di->di_list);
		fput(di->di_file);
		kfree(di);
	}
}

static void df_dworker(struct work_struct *work) { }

void df_kick(void)		{ queue_work(df_wq, &df_work); }
void df_kick_system(void)	{ schedule_work(&df_work); }
void df_later(void)		{ queue_delayed_work(system_wq, &df_dwork, HZ); }
void df_sooner(void)		{ mod_delayed_work(system_wq, &df_dwork, 0); }

void df_hand_off(struct list_head *items)
{
	spin_lock(&df_lock);
	list_splice_tail_init(items, &df_pending);
	spin_unlock(&df_lock);
	queue_work(df_wq, &df_work);
}

void df_close_now(struct df_item *di)
{
	fput(di->di_file);
	kfree(di);
}
