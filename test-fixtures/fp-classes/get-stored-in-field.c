/* A reference taken for a field: the request records its owner with a get whose
 * result goes straight into the request (through a conversion), so the field
 * holds that reference and the caller's error path owes nothing for it. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct member {
	refcount_t m_ref;
};

struct owner_rec {
	struct member or_member;
	int or_id;
};

struct request {
	struct owner_rec *r_owner;
};

static struct member *member_get(struct member *m)
{
	refcount_inc(&m->m_ref);
	return m;
}

static struct owner_rec *to_owner(struct member *m)
{
	return container_of(m, struct owner_rec, or_member);
}

int request_fill(struct request *r, struct owner_rec *o, int (*check)(int))
{
	if (o->or_id < 0)
		return 0;
	r->r_owner = to_owner(member_get(&o->or_member));
	if (check(o->or_id))
		return -EINVAL;
	return 0;
}
