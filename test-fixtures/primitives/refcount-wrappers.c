/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Reference wrappers whose names do not say get/put, and a *_get function
 * that takes no reference. Wrappers must be recognised from their bodies.
 *
 * EXPECTED:
 *  obj_hold: get (refcount_inc) on struct demo_obj.do_ref
 *  obj_try_hold: conditional get (refcount_inc_not_zero), result returned
 *  obj_release_ref: put (refcount_dec_and_test); FINAL PUT -> obj_destroy
 *  obj_destroy: release work fput (inline, caller context); kfree_rcu
 *  demo_obj_get: NOT a get (only reads a field, no refcount op)
 *  demo_use: calls obj_hold then obj_release_ref: balanced
 *  demo_lookup_name: calls demo_obj_get only: no reference taken
 */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/file.h>

struct demo_obj {
	refcount_t	do_ref;
	struct file	*do_file;
	struct rcu_head	do_rcu;
	const char	*do_name;
};

static void obj_destroy(struct demo_obj *obj)
{
	if (obj->do_file)
		fput(obj->do_file);
	kfree_rcu(obj, do_rcu);
}

static void obj_hold(struct demo_obj *obj)
{
	refcount_inc(&obj->do_ref);
}

static struct demo_obj *obj_try_hold(struct demo_obj *obj)
{
	return refcount_inc_not_zero(&obj->do_ref) ? obj : NULL;
}

static void obj_release_ref(struct demo_obj *obj)
{
	if (refcount_dec_and_test(&obj->do_ref))
		obj_destroy(obj);
}

/* Despite the name, this takes no reference. */
static const char *demo_obj_get(struct demo_obj *obj)
{
	return obj->do_name;
}

void demo_use(struct demo_obj *obj)
{
	obj_hold(obj);
	pr_info("using %s\n", demo_obj_get(obj));
	obj_release_ref(obj);
}

const char *demo_lookup_name(struct demo_obj *obj)
{
	return demo_obj_get(obj);
}
