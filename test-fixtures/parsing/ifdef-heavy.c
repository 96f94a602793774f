/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Preprocessor branches that split function headers and bodies. Without
 * preprocessing, both branches are visible at once.
 *
 * EXPECTED:
 *  ih_put: one function; header split by #ifdef CONFIG_IH_TRACE (two
 *   parameter lists); body always does refcount_dec_and_test; final put
 *   calls ih_close in both branches
 *  ih_close: #ifdef CONFIG_IH_SYNC -> vfs_fsync + fput, #else fput only;
 *   an analyzer taking the union reports vfs_fsync and fput
 *  ih_get: #if IS_ENABLED(CONFIG_IH_CHECK) conditional get (checked) vs
 *   #else refcount_inc: reports get in both
 *  ih_stub (only in #else of CONFIG_IH_FULL): empty body
 */
#include <linux/refcount.h>

struct ih_obj {
	refcount_t	i_ref;
	struct file	*i_file;
#ifdef CONFIG_IH_TRACE
	unsigned long	i_trace_id;
#endif
};

static void ih_close(struct ih_obj *o)
{
#ifdef CONFIG_IH_SYNC
	vfs_fsync(o->i_file, 1);
	fput(o->i_file);
#else
	fput(o->i_file);
#endif
}

#ifdef CONFIG_IH_TRACE
void ih_put(struct ih_obj *o, const char *why)
{
	trace_ih_put(o->i_trace_id, why);
#else
void ih_put(struct ih_obj *o)
{
#endif
	if (refcount_dec_and_test(&o->i_ref))
		ih_close(o);
}

bool ih_get(struct ih_obj *o)
{
#if IS_ENABLED(CONFIG_IH_CHECK)
	if (!refcount_inc_not_zero(&o->i_ref))
		return false;
#else
	refcount_inc(&o->i_ref);
#endif
	return true;
}

#ifdef CONFIG_IH_FULL
void ih_full(struct ih_obj *o)
{
	ih_close(o);
}
#else
static inline void ih_stub(struct ih_obj *o) { }
#endif
