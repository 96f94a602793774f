/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * An object whose one reference the red-black tree owns once it is linked:
 * item_add() links it through a second name (node = &ins->rb_node), and
 * item_release() takes it off the tree (if linked) before dropping it.
 *
 * EXPECTED:
 *  item_alloc: returns a new item with one reference
 *  item_add: stores its parameter ins (rb_link_node of &ins->rb_node)
 *  item_release: a removal-put (off the tree, then the drop)
 *  item_insert: every path either leaves the item to the tree or releases it:
 *   no finding
 *  item_insert_leaky: the -EINVAL path forgets the item never linked: a leak
 */
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/slab.h>

struct item {
	refcount_t refs;
	struct rb_node rb_node;
	int index;
};

static struct item *item_alloc(void)
{
	struct item *item = kmalloc(sizeof(*item), GFP_NOFS);

	if (item) {
		RB_CLEAR_NODE(&item->rb_node);
		refcount_set(&item->refs, 1);
	}
	return item;
}

static int item_add(struct rb_root_cached *root, struct item *ins)
{
	struct rb_node **p, *node;
	struct rb_node *parent_node = NULL;

	p = &root->rb_root.rb_node;
	node = &ins->rb_node;
	while (*p) {
		parent_node = *p;
		if (ins->index < 3)
			p = &(*p)->rb_right;
		else
			return -EEXIST;
	}
	rb_link_node(node, parent_node, p);
	rb_insert_color_cached(node, root, true);
	return 0;
}

static void item_remove(struct rb_root_cached *root, struct item *item)
{
	if (RB_EMPTY_NODE(&item->rb_node))
		return;
	rb_erase_cached(&item->rb_node, root);
	RB_CLEAR_NODE(&item->rb_node);
}

static void item_release(struct rb_root_cached *root, struct item *item)
{
	if (item) {
		item_remove(root, item);
		if (refcount_dec_and_test(&item->refs))
			kfree(item);
	}
}

int item_insert(struct rb_root_cached *root, int index)
{
	struct item *item;
	int ret;

	item = item_alloc();
	if (!item)
		return -ENOMEM;
	item->index = index;
	ret = item_add(root, item);
	if (ret) {
		item_release(root, item);
		return ret;
	}
	if (index > 7) {
		item_release(root, item);
		return -EINVAL;
	}
	return 0;

int item_insert_leaky(struct rb_root_cached *root, int index)
{
	struct item *item;

	item = item_alloc();
	if (!item)
		return -ENOMEM;
	if (index > 7)
		return -EINVAL;
	item->index = index;
	if (item_add(root, item)) {
		item_release(root, item);
		return -EEXIST;
	}
	return 0;
}
