/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Attribute and annotation words between the return type, the name and the
 * body. Each must still be parsed as a function definition, and the
 * annotations read as facts.
 *
 * EXPECTED:
 *  an_locked_put: __must_hold(&an_lock) -> runs with an_lock held (atomic);
 *   calls refcount_dec_and_test only
 *  an_lock_it: __acquires(&an_lock); an_unlock_it: __releases(&an_lock)
 *  an_fast_get: __always_inline, refcount_inc (get)
 *  an_slow_close: noinline, might_sleep, fput (may sleep)
 *  an_init: __init, registers nothing lifecycle-related
 *  an_exported_put: EXPORT_SYMBOL_GPL'd (process context), put via
 *   refcount_dec_and_test -> an_slow_close (fput inline)
 *  an_cur: __rcu pointer, an_tunable: __read_mostly (data, not functions)
 */
#include <linux/spinlock.h>
#include <linux/refcount.h>
#include <linux/export.h>

struct an_obj {
	refcount_t	a_ref;
	struct file	*a_file;
};

static DEFINE_SPINLOCK(an_lock);
static struct an_obj __rcu *an_cur;
static unsigned int an_tunable __read_mostly = 4;

static bool an_locked_put(struct an_obj *o)
	__must_hold(&an_lock)
{
	lockdep_assert_held(&an_lock);
	return refcount_dec_and_test(&o->a_ref);
}

static void an_lock_it(void) __acquires(&an_lock)
{
	spin_lock(&an_lock);
}

static void an_unlock_it(void) __releases(&an_lock)
{
	spin_unlock(&an_lock);
}

static __always_inline void an_fast_get(struct an_obj *o)
{
	refcount_inc(&o->a_ref);
}

static noinline void an_slow_close(struct an_obj *o)
{
	might_sleep();
	fput(o->a_file);
}

static int __init an_init(void)
{
	RCU_INIT_POINTER(an_cur, NULL);
	return an_tunable ? 0 : -EINVAL;
}

void an_exported_put(struct an_obj *o)
{
	if (refcount_dec_and_test(&o->a_ref))
		an_slow_close(o);
}
EXPORT_SYMBOL_GPL(an_exported_put);

void an_exported_get(struct an_obj *o)
{
	an_fast_get(o);
}
EXPORT_SYMBOL_GPL(an_exported_get);
