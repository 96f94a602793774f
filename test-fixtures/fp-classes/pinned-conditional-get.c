/* A conditional get whose result is ignored cannot fail while the caller already
 * holds a reference of its own: the object is pinned. Without that reference the
 * ignored result is a real bug (control, second function). */
#include <linux/kref.h>
#include <linux/slab.h>

struct ticket {
	struct kref t_kref;
	int t_seat;
};

static void ticket_free(struct kref *kref)
{
	kfree(container_of(kref, struct ticket, t_kref));
}

void ticket_share(struct ticket *t, struct ticket **a, struct ticket **b)
{
	kref_get(&t->t_kref);
	*a = t;
	kref_get_unless_zero(&t->t_kref);
	*b = t;
	kref_put(&t->t_kref, ticket_free);
}

void ticket_share_unpinned(struct ticket *t, struct ticket **b)
{
	kref_get_unless_zero(&t->t_kref);
	*b = t;
}
