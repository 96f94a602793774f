/* Two counters on one object: users (active references) and a base count that
 * the users share one reference of. Dropping the last user releases the users'
 * share of the base count, inside the same call: one drop for the caller, not a
 * double put, and the caller's error path that drops its user is balanced. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct vault {
	refcount_t v_users;
	refcount_t v_base;
	int v_id;
};

static void vault_base_put(struct vault *v)
{
	if (refcount_dec_and_test(&v->v_base))
		kfree(v);
}

static void vault_user_put(struct vault *v)
{
	if (refcount_dec_and_test(&v->v_users)) {
		v->v_id = 0;
		vault_base_put(v);
	}
}

static struct vault *vault_open(int id)
{
	struct vault *v = kzalloc(sizeof(*v), GFP_KERNEL);

	if (!v)
		return NULL;
	refcount_set(&v->v_users, 1);
	refcount_set(&v->v_base, 1);
	v->v_id = id;
	return v;
}

int vault_use(int id, int (*check)(struct vault *), struct vault **out)
{
	struct vault *v = vault_open(id);

	if (!v)
		return -ENOMEM;
	if (check(v)) {
		vault_user_put(v);
		return -EACCES;
	}
	*out = v;
	return 0;
}
