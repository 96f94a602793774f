/* A never-published object released through its own free function (which ends
 * in kfree) on the error path: no reference is left behind. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct segment {
	refcount_t s_ref;
	int *s_map;
};

static void segment_put(struct segment *s)
{
	if (refcount_dec_and_test(&s->s_ref))
		kfree(s);
}

static void segment_free(struct segment *s)
{
	kfree(s->s_map);
	kfree(s);
}

struct segment *segment_build(int n, int (*fill)(struct segment *))
{
	struct segment *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	refcount_set(&s->s_ref, 1);
	s->s_map = kcalloc(n, sizeof(int), GFP_KERNEL);
	if (!s->s_map)
		goto out_free;
	if (fill(s))
		goto out_free;
	return s;
out_free:
	segment_free(s);
	return NULL;
}

void segment_drop(struct segment *s)
{
	segment_put(s);
}
