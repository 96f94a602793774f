/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * DELIBERATELY BROKEN: br_unbalanced has one more '{' than '}', and an
 * #ifdef CONFIG_BR_DEBUG near the end has no #endif. The analyzer must not
 * crash, must report these as parse problems, and should still extract the
 * well-formed functions.
 *
 * EXPECTED:
 *  br_ok_get: get (refcount_inc)                       extracted
 *  br_ok_put: put (refcount_dec_and_test -> fput)      extracted
 *  br_unbalanced: parse error (missing '}')            reported
 *  br_after: fput; may or may not be recovered after the broken function
 *  unterminated #ifdef CONFIG_BR_DEBUG                 reported
 */
#include <linux/refcount.h>

struct br_obj {
	refcount_t	b_ref;
	struct file	*b_file;
};

void br_ok_get(struct br_obj *o)
{
	refcount_inc(&o->b_ref);
}

void br_ok_put(struct br_obj *o)
{
	if (refcount_dec_and_test(&o->b_ref))
		fput(o->b_file);
}

int br_unbalanced(struct br_obj *o, int mode)
{
	if (mode) {
		refcount_inc(&o->b_ref);
		if (mode > 1) {
			fput(o->b_file);
	}
	return 0;
}

void br_after(struct br_obj *o)
{
	fput(o->b_file);
}

#ifdef CONFIG_BR_DEBUG
void br_debug_dump(struct br_obj *o)
{
	pr_info("ref=%u\n", refcount_read(&o->b_ref));
}
