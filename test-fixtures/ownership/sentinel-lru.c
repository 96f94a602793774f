/* Form (c): a hashed object that also sits on an LRU. The LRU of `struct tile`
 * counts a reference (a get next to list_lru_add, a put after a successful
 * list_lru_del); the LRU of `struct slab_tag` only links the object. */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/list_lru.h>

struct tile {
	refcount_t t_ref;
	struct hlist_node t_node;
	struct list_head t_lru;
};

struct slab_tag {
	refcount_t s_ref;
	struct hlist_node s_node;
	struct list_head s_lru;
};

static struct list_lru tile_lru;
static struct list_lru tag_lru;
static struct hlist_head tile_hash;
static struct hlist_head tag_hash;
static DEFINE_SPINLOCK(tile_lock);

static void tile_put(struct tile *t)
{
	if (refcount_dec_and_test(&t->t_ref))
		kfree(t);
}

static void tile_hash_insert(struct tile *t)
{
	spin_lock(&tile_lock);
	refcount_inc(&t->t_ref);
	hlist_add_head(&t->t_node, &tile_hash);
	spin_unlock(&tile_lock);
}

static void tile_unhash(struct tile *t)
{
	spin_lock(&tile_lock);
	hlist_del_init(&t->t_node);
	spin_unlock(&tile_lock);
	tile_put(t);
}

static void tile_lru_add(struct tile *t)
{
	refcount_inc(&t->t_ref);
	if (!list_lru_add_obj(&tile_lru, &t->t_lru))
		tile_put(t);
}

static void tile_lru_remove(struct tile *t)
{
	if (list_lru_del_obj(&tile_lru, &t->t_lru))
		tile_put(t);
}

static void tag_put(struct slab_tag *s)
{
	if (refcount_dec_and_test(&s->s_ref))
		kfree(s);
}

static void tag_hash_insert(struct slab_tag *s)
{
	spin_lock(&tile_lock);
	refcount_inc(&s->s_ref);
	hlist_add_head(&s->s_node, &tag_hash);
	spin_unlock(&tile_lock);
}

static void tag_unhash(struct slab_tag *s)
{
	spin_lock(&tile_lock);
	hlist_del_init(&s->s_node);
	list_lru_del_obj(&tag_lru, &s->s_lru);
	spin_unlock(&tile_lock);
	tag_put(s);
}

static void tag_lru_add(struct slab_tag *s)
{
	list_lru_add_obj(&tag_lru, &s->s_lru);
}
