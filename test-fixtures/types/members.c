/* Member chains and container_of-style results. The counter field is named
 * "count" in both structs, so only the expression's type tells them apart.
 * EXPECTED: every refcount call on shelf->box->... is typed "crate";
 * the container_of/list_first_entry results are typed "crate" too. */
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/slab.h>

struct crate {
	refcount_t count;
	struct list_head on_shelf;
	struct rb_node node;
	union {
		struct rcu_head rcu;
		struct list_head gc;
	};
};

struct shelf {
	refcount_t count;
	struct crate *box;
	struct {
		struct crate *spare;
	} extra;
	struct list_head crates;
};

/* A prototype (as a header would declare it) and a global. */
struct crate *crate_lookup(struct shelf *s, int key);
static struct shelf *main_shelf;

static void shelf_take_box(struct shelf *s)
{
	refcount_inc(&s->box->count);
}

static void shelf_take_spare(struct shelf *s)
{
	refcount_inc(&s->extra.spare->count);
}

static void crate_take_first(struct shelf *s)
{
	refcount_inc(&list_first_entry(&s->crates, struct crate, on_shelf)->count);
}

static void crate_take_node(struct rb_node *n)
{
	refcount_inc(&rb_entry(n, struct crate, node)->count);
}

static void crate_drop(struct crate *c)
{
	if (refcount_dec_and_test(&c->count))
		kfree(c);
}

static void shelf_drop(struct shelf *s)
{
	if (refcount_dec_and_test(&s->count))
		kfree(s);
}
