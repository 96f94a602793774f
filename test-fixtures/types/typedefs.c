/* Typedef'd structs: a named struct behind a typedef, and an unnamed one.
 * EXPECTED: objects "tile" (refcount_t t_users) and "grout_t" (kref g_kref);
 * tile_acquire/tile_release and grout_keep/grout_let_go sit under their own type. */
#include <linux/kref.h>
#include <linux/refcount.h>
#include <linux/slab.h>

typedef struct tile tile_t;

struct tile {
	refcount_t t_users;
	int colour;
};

typedef struct {
	struct kref g_kref;
	int mix;
} grout_t;

static void tile_acquire(tile_t *t)
{
	refcount_inc(&t->t_users);
}

static void tile_release(tile_t *t)
{
	if (refcount_dec_and_test(&t->t_users))
		kfree(t);
}

static void grout_free(struct kref *k)
{
	grout_t *g = container_of(k, grout_t, g_kref);

	kfree(g);
}

static void grout_keep(grout_t *g)
{
	kref_get(&g->g_kref);
}

static void grout_let_go(grout_t *g)
{
	kref_put(&g->g_kref, grout_free);
}
