/* A list that holds a reference: the job takes one when it queues itself on the
 * owner's job list. The cancel path finds the job, takes a reference of its own
 * and unlinks it, which hands the caller the list's reference too; it stops the
 * job (dropping one) and then drops the other. Two references, two drops. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/list.h>

struct job {
	refcount_t j_ref;
	struct list_head j_node;
	int j_id;
};

struct owner {
	spinlock_t o_lock;
	struct list_head o_jobs;
};

static void job_put(struct job *j)
{
	if (refcount_dec_and_test(&j->j_ref))
		kfree(j);
}

int job_queue(struct owner *o, int id)
{
	struct job *j = kzalloc(sizeof(*j), GFP_KERNEL);

	if (!j)
		return -ENOMEM;
	refcount_set(&j->j_ref, 1);
	j->j_id = id;
	spin_lock(&o->o_lock);
	refcount_inc(&j->j_ref);
	list_add(&j->j_node, &o->o_jobs);
	spin_unlock(&o->o_lock);
	job_put(j);
	return 0;
}

static struct job *job_unlink_first(struct owner *o)
{
	struct job *j = NULL;

	spin_lock(&o->o_lock);
	if (!list_empty(&o->o_jobs)) {
		j = list_first_entry(&o->o_jobs, struct job, j_node);
		refcount_inc(&j->j_ref);
		list_del_init(&j->j_node);
	}
	spin_unlock(&o->o_lock);
	return j;
}

static void job_stop(struct job *j)
{
	j->j_id = 0;
	job_put(j);
}

void owner_cancel_all(struct owner *o)
{
	struct job *j;

	while ((j = job_unlink_first(o)) != NULL) {
		job_stop(j);
		job_put(j);
	}
}
