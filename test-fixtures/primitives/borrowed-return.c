/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * A group is created with one reference, which the group tree keeps, and is
 * returned through two more functions that take no reference of their own.
 * What they return is borrowed from the tree: a caller that keeps it on one
 * path and drops nothing on another leaks nothing.
 *
 * EXPECTED:
 *  grp_put: put wrapper; grp_alloc: returns a new group
 *  grp_make: links the group into the tree (the tree keeps its reference) and
 *   returns it: returns a shared object
 *  grp_create, grp_create_checked: return what grp_make returned, taking no
 *   reference: shared too
 *  grp_setup: the -EIO path returns with the group counted once, but every
 *   count came with a shared object: a guess naming grp_create_checked()
 *  grp_own_leak: allocates a group of its own (not in the tree) and returns
 *   -EIO without dropping it: a leak (confident)
 */
#include <linux/refcount.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/err.h>

struct grp {
	refcount_t	g_ref;
	struct rb_node	g_node;
	unsigned long	g_start;
	int		g_flags;
};

struct grp_tree {
	spinlock_t	t_lock;
	struct rb_root	t_root;
	struct grp	*t_last;
};

void grp_put(struct grp *g)
{
	if (refcount_dec_and_test(&g->g_ref))
		kfree(g);
}

void grp_get(struct grp *g)
{
	refcount_inc(&g->g_ref);
}

static struct grp *grp_alloc(unsigned long start)
{
	struct grp *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return NULL;
	refcount_set(&g->g_ref, 1);
	g->g_start = start;
	return g;
}

static int grp_insert(struct grp_tree *t, struct grp *g)
{
	struct rb_node **p = &t->t_root.rb_node;
	struct rb_node *parent = NULL;
	struct grp *cur;

	spin_lock(&t->t_lock);
	while (*p) {
		parent = *p;
		cur = rb_entry(parent, struct grp, g_node);
		if (g->g_start < cur->g_start) {
			p = &(*p)->rb_left;
		} else if (g->g_start > cur->g_start) {
			p = &(*p)->rb_right;
		} else {
			spin_unlock(&t->t_lock);
			return -EEXIST;
		}
	}
	rb_link_node(&g->g_node, parent, p);
	rb_insert_color(&g->g_node, &t->t_root);
	spin_unlock(&t->t_lock);
	return 0;
}

static struct grp *grp_make(struct grp_tree *t, unsigned long start)
{
	struct grp *g = grp_alloc(start);
	int ret;

	if (!g)
		return ERR_PTR(-ENOMEM);
	ret = grp_insert(t, g);
	if (ret) {
		grp_put(g);
		return ERR_PTR(ret);
	}
	return g;
}

static struct grp *grp_create(struct grp_tree *t, unsigned long start, int flags)
{
	struct grp *g;

	if (flags < 0)
		return ERR_PTR(-EINVAL);
	g = grp_make(t, start);
	if (IS_ERR(g))
		return g;
	g->g_flags = flags;
	return g;
}

static struct grp *grp_create_checked(struct grp_tree *t, unsigned long start)
{
	struct grp *g = grp_create(t, start, 0);

	if (IS_ERR(g))
		return NULL;
	return g;
}

static int grp_check(struct grp *g)
{
	return g->g_flags ? 0 : -EIO;
}

/* The tree's last group: kept with the reference the caller hands over. */
static void grp_publish(struct grp_tree *t, struct grp *g)
{
	spin_lock(&t->t_lock);
	t->t_last = g;
	spin_unlock(&t->t_lock);
}

int grp_setup(struct grp_tree *t, unsigned long start)
{
	struct grp *g = grp_create_checked(t, start);

	if (!g)
		return -ENOMEM;
	if (grp_check(g))
		return -EIO;
	grp_publish(t, g);
	return 0;
}

int grp_own_leak(struct grp_tree *t, unsigned long start)
{
	struct grp *g = grp_alloc(start);

	if (!g)
		return -ENOMEM;
	if (grp_check(g))
		return -EIO;
	grp_publish(t, g);
	return 0;
}
