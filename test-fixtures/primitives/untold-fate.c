/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Callees whose summary cannot tell what they do to a reference: a finding
 * that rests on them is a guess, not a confident report.
 *
 * EXPECTED:
 *  obj_lookup: returns o with a reference; obj_put: put wrapper
 *  obj_drop: drops one reference, or two when it claims the tree's bit: no
 *   wrapper kind says that; its parameter's fate is untold (passesParams [0])
 *  obj_use: the -EIO path gives o to obj_drop: a leak there is a guess
 *  obj_del_timer: drops o only when it stopped the timer (a partial put)
 *  obj_kill: obj_del_timer then obj_put: a double put only if the timer was
 *   stopped, and then the timer's reference went: a guess
 *  obj_create: returns o, which it also put on the table's list: the count
 *   cannot tell whether the caller got a reference (returnsShared)
 *  obj_setup: the -EINVAL path keeps o: a guess (the list may own the count)
 *  obj_submit: -EIOCBQUEUED is no error (queued, completion follows): no leak
 *  obj_peek: a tryget whose result is ignored, never dropped: a guess;
 *  obj_peek_put: the same, then a put as if the get succeeded: confident
 */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/list.h>

#define OBJ_TREE_REF	0

struct obj {
	refcount_t		o_ref;
	unsigned long		o_flags;
	int			o_bad;
	struct obj		*o_child;
	struct timer_list	o_timer;
	struct list_head	o_node;
};

struct obj_table {
	struct list_head	ot_list;
};

struct obj *obj_lookup(struct obj *parent)
{
	struct obj *o = parent->o_child;

	if (o)
		refcount_inc(&o->o_ref);
	return o;
}

void obj_put(struct obj *o)
{
	if (refcount_dec_and_test(&o->o_ref))
		kfree(o);
}

void obj_drop(struct obj *o)
{
	if (test_and_clear_bit(OBJ_TREE_REF, &o->o_flags))
		refcount_dec(&o->o_ref);
	obj_put(o);
}

int obj_use(struct obj *parent)
{
	struct obj *o = obj_lookup(parent);

	if (!o)
		return -ENOENT;
	if (o->o_bad) {
		obj_drop(o);
		return -EIO;
	}
	obj_put(o);
	return 0;
}

static int obj_del_timer(struct obj *o)
{
	if (del_timer(&o->o_timer)) {
		obj_put(o);
		return 1;
	}
	return 0;
}

void obj_kill(struct obj *parent)
{
	struct obj *o = obj_lookup(parent);

	if (!o)
		return;
	obj_del_timer(o);
	obj_put(o);
}

struct obj *obj_create(struct obj_table *t)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return NULL;
	refcount_set(&o->o_ref, 1);
	list_add(&o->o_node, &t->ot_list);
	return o;
}

int obj_setup(struct obj_table *t)
{
	struct obj *o = obj_create(t);

	if (!o)
		return -ENOMEM;
	if (o->o_bad)
		return -EINVAL;
	obj_put(o);
	return 0;
}

int obj_submit(struct obj *parent, int sync)
{
	struct obj *o = obj_lookup(parent);

	if (!o)
		return -ENOENT;
	if (!sync)
		return -EIOCBQUEUED;
	obj_put(o);
	return 0;
}

void obj_peek(struct obj *o)
{
	refcount_inc_not_zero(&o->o_ref);
	o->o_bad = 0;
}

void obj_peek_put(struct obj *o)
{
	refcount_inc_not_zero(&o->o_ref);
	o->o_bad = 0;
	obj_put(o);
}
