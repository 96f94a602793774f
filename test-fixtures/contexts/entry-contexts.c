/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * One function per way the kernel starts running code: RPC dispatch tables,
 * service threads, generic netlink, kernel threads, timers, hrtimers,
 * tasklets and interrupt handlers. Each handler closes a file the way its
 * context allows or forbids.
 *
 * EXPECTED entry points (function: context):
 *  ec_proc_close: rpc-thread (.pc_func in struct svc_procedure)
 *  ec_svc_thread: svc-thread (svc_create_pooled thread function, last arg)
 *  ec_nl_close_doit: netlink (.doit in struct genl_small_ops)
 *  ec_nl_dump: netlink (.dumpit in struct genl_split_ops)
 *  ec_worker_thread: kthread (kthread_run)
 *  ec_copy_thread: kthread (kthread_create)
 *  ec_timer_fn: timer (timer_setup)
 *  ec_static_timer_fn: timer (DEFINE_TIMER)
 *  ec_hrtimer_fn: hrtimer (hrtimer_setup)
 *  ec_old_hrtimer_fn: hrtimer (hrtimer_init + .function assignment)
 *  ec_tasklet_fn: tasklet (tasklet_setup)
 *  ec_irq: hardirq (request_irq)
 *  ec_devm_irq: hardirq (devm_request_irq)
 *  ec_threaded_primary: hardirq, ec_threaded_fn: irq-thread (request_threaded_irq)
 *  ec_setup, ec_start: process (non-static, no registration)
 *
 * EXPECTED findings (sleep-in-atomic, inline in an atomic context):
 *  ec_timer_fn: vfs_fsync in a timer callback                   FINDING
 *  ec_hrtimer_fn: filp_close in an hrtimer callback             FINDING
 *  ec_tasklet_fn: __fput_sync in a tasklet                      FINDING
 *  ec_irq: vfs_fsync in a hardirq handler                       FINDING
 *  ec_static_timer_fn, ec_old_hrtimer_fn, ec_devm_irq,
 *  ec_threaded_primary: fput only (defers, does not sleep)     fine
 *  ec_threaded_fn, ec_worker_thread, ec_svc_thread,
 *  ec_proc_close, ec_nl_close_doit: process context            fine
 */
#include <linux/kthread.h>
#include <linux/timer.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/sunrpc/svc.h>
#include <net/genetlink.h>
#include <linux/file.h>
#include <linux/fs.h>

struct ec_dev {
	struct timer_list	ed_timer;
	struct hrtimer		ed_hrtimer;
	struct hrtimer		ed_old_hrtimer;
	struct tasklet_struct	ed_tasklet;
	struct file		*ed_file;
	struct task_struct	*ed_task;
	struct svc_serv		*ed_serv;
	int			ed_irq;
};

static struct ec_dev *ec_global;

static __be32 ec_proc_close(struct svc_rqst *rqstp)
{
	vfs_fsync(ec_global->ed_file, 0);
	return 0;
}

static const struct svc_procedure ec_procedures[] = {
	[1] = {
		.pc_func = ec_proc_close,
	},
};

static int ec_svc_thread(void *data)
{
	struct svc_rqst *rqstp = data;

	while (!kthread_should_stop()) {
		svc_recv(rqstp);
		fput(ec_global->ed_file);
	}
	return 0;
}

static int ec_nl_close_doit(struct sk_buff *skb, struct genl_info *info)
{
	filp_close(ec_global->ed_file, NULL);
	return 0;
}

static int ec_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return 0;
}

static const struct genl_small_ops ec_nl_ops[] = {
	{
		.cmd	= 1,
		.doit	= ec_nl_close_doit,
	},
};

static const struct genl_split_ops ec_nl_split_ops[] = {
	{
		.cmd	= 2,
		.dumpit	= ec_nl_dump,
	},
};

static int ec_worker_thread(void *data)
{
	struct ec_dev *dev = data;

	vfs_fsync(dev->ed_file, 0);
	return 0;
}

static int ec_copy_thread(void *data)
{
	return 0;
}

static void ec_timer_fn(struct timer_list *t)
{
	struct ec_dev *dev = from_timer(dev, t, ed_timer);

	vfs_fsync(dev->ed_file, 0);
}

static void ec_static_timer_fn(struct timer_list *t)
{
	fput(ec_global->ed_file);
}

static DEFINE_TIMER(ec_static_timer, ec_static_timer_fn);

static enum hrtimer_restart ec_hrtimer_fn(struct hrtimer *h)
{
	struct ec_dev *dev = container_of(h, struct ec_dev, ed_hrtimer);

	filp_close(dev->ed_file, NULL);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart ec_old_hrtimer_fn(struct hrtimer *h)
{
	struct ec_dev *dev = container_of(h, struct ec_dev, ed_old_hrtimer);

	fput(dev->ed_file);
	return HRTIMER_NORESTART;
}

static void ec_tasklet_fn(struct tasklet_struct *t)
{
	struct ec_dev *dev = from_tasklet(dev, t, ed_tasklet);

	__fput_sync(dev->ed_file);
}

static irqreturn_t ec_irq(int irq, void *data)
{
	struct ec_dev *dev = data;

	vfs_fsync(dev->ed_file, 0);
	return IRQ_HANDLED;
}

static irqreturn_t ec_devm_irq(int irq, void *data)
{
	struct ec_dev *dev = data;

	fput(dev->ed_file);
	return IRQ_HANDLED;
}

static irqreturn_t ec_threaded_primary(int irq, void *data)
{
	struct ec_dev *dev = data;

	fput(dev->ed_file);
	return IRQ_WAKE_THREAD;
}

static irqreturn_t ec_threaded_fn(int irq, void *data)
{
	struct ec_dev *dev = data;

	vfs_fsync(dev->ed_file, 0);
	return IRQ_HANDLED;
}

int ec_setup(struct ec_dev *dev, struct device *parent)
{
	int err;

	timer_setup(&dev->ed_timer, ec_timer_fn, 0);
	hrtimer_setup(&dev->ed_hrtimer, ec_hrtimer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	hrtimer_init(&dev->ed_old_hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	dev->ed_old_hrtimer.function = ec_old_hrtimer_fn;
	tasklet_setup(&dev->ed_tasklet, ec_tasklet_fn);
	err = request_irq(dev->ed_irq, ec_irq, 0, "ec", dev);
	if (err)
		return err;
	err = devm_request_irq(parent, dev->ed_irq + 1, ec_devm_irq, 0, "ec", dev);
	if (err)
		return err;
	err = request_threaded_irq(dev->ed_irq + 2, ec_threaded_primary, ec_threaded_fn,
				   IRQF_ONESHOT, "ec", dev);
	if (err)
		return err;
	dev->ed_serv = svc_create_pooled(NULL, 1, NULL, 4096, ec_svc_thread);
	dev->ed_task = kthread_run(ec_worker_thread, dev, "ec-worker");
	dev->ed_task = kthread_create(ec_copy_thread, dev, "ec-copy");
	return 0;
}

void ec_start(struct ec_dev *dev)
{
	mod_timer(&dev->ed_timer, jiffies + HZ);
	tasklet_schedule(&dev->ed_tasklet);
}
