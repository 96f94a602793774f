/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * A parameter whose name is given to other values. A tag is an integer handle
 * on a refcounted object; slot_set() takes its own reference on the caller's
 * tag, installs it, and drops the tag it replaced, all under the one name
 * `tag`. Counting by name, the last drop would look like a put of the caller's
 * tag; it is another object's.
 *
 * EXPECTED:
 *  tag_put: put wrapper; tag_get: conditional get (a zero tag takes nothing)
 *  slot_set: no wrapper (the parameter names three values; the caller's
 *   reference goes into the slot): its tag is passed on, fate not counted
 *  slot_share: takes a tag, lets slot_set() install it, drops its own: no finding
 *  node_next_put: walks to the next node and drops that one: no wrapper of
 *   its parameter, the name was moved before any count
 *  node_release: the parameter is copied back to itself through an alias
 *   before the drop: still the put wrapper of its parameter
 *  node_split: when it splits, a new node under `tail` is what `n` names after
 *   `n = tail`, and goes to node_start(), which passes it to a function
 *   with no body here;
 *   the NULL return after that holds tail's reference: a guess, citing
 *   node_start() by the name it was passed under (n)
 *  node_drop_twice: drops its reference, then node_release() drops it again:
 *   a double put (a guess: with no get on the path, both drops may be the
 *   caller's references)
 */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

struct tag {
	refcount_t	t_ref;
};

struct slot {
	spinlock_t	s_lock;
	unsigned long	s_tag;
};

struct node {
	refcount_t	n_ref;
	struct node	*n_next;
	int		n_len;
};

/* Defined elsewhere: queues the node for I/O, which drops it when done. */
int node_queue_io(struct node *n);

static void tag_put(unsigned long tag)
{
	struct tag *t = (void *)tag;

	if (t && refcount_dec_and_test(&t->t_ref))
		kfree(t);
}

static unsigned long tag_get(unsigned long tag)
{
	struct tag *t = (void *)tag;

	if (t)
		refcount_inc(&t->t_ref);
	return tag;
}

/* Installs tag; returns the tag it replaced, which the caller now owns. */
static unsigned long slot_swap(struct slot *s, unsigned long tag)
{
	unsigned long old;

	spin_lock(&s->s_lock);
	old = s->s_tag;
	s->s_tag = tag;
	spin_unlock(&s->s_lock);
	return old;
}

static void slot_set(struct slot *s, unsigned long tag)
{
	tag = tag_get(tag);
	tag = slot_swap(s, tag);
	tag_put(tag);
}

int slot_share(struct slot *dst, struct slot *src)
{
	unsigned long tag;

	spin_lock(&src->s_lock);
	tag = tag_get(src->s_tag);
	spin_unlock(&src->s_lock);
	if (!tag)
		return -ENOENT;
	slot_set(dst, tag);
	tag_put(tag);
	return 0;
}

void node_put(struct node *n)
{
	if (refcount_dec_and_test(&n->n_ref))
		kfree(n);
}

/* Drops the reference the list holds on the node after n. */
void node_next_put(struct node *n)
{
	n = n->n_next;
	n->n_next = NULL;
	node_put(n);
}

void node_release(struct node *n)
{
	struct node *cur = n;

	n = NULL;
	n = cur;
	node_put(n);
}

static struct node *node_alloc(int len)
{
	struct node *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return NULL;
	refcount_set(&n->n_ref, 1);
	n->n_len = len;
	return n;
}

static int node_start(struct node *n)
{
	if (!n->n_len)
		return 0;
	return node_queue_io(n);
}

/* Returns the node still to start, or NULL when it was started. */
struct node *node_split(struct node *n)
{
	struct node *tail;

	if (n->n_len > 8) {
		tail = node_alloc(n->n_len - 8);
		if (!tail)
			return NULL;
		n->n_len = 8;
		n = tail;
	}
	if (!node_start(n))
		return n;
	return NULL;
}

void node_drop_twice(struct node *n)
{
	node_put(n);
	node_release(n);
}
