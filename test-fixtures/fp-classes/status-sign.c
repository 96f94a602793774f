/* Contradictory branches on a status: the cleanup at the exit runs for every
 * negative status, and every jump there sets one (a negative constant, or a
 * status tested non-zero after starting at 0 and only ever set negative). The
 * path that skips the cleanup while holding the seat cannot happen. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct seat {
	refcount_t s_ref;
	bool s_stale;
	int s_id;
};

static struct seat *seat_table[16];

static struct seat *seat_get(int id)
{
	struct seat *s = seat_table[id & 15];

	if (s)
		refcount_inc(&s->s_ref);
	return s;
}

static void seat_put(struct seat *s)
{
	if (refcount_dec_and_test(&s->s_ref))
		kfree(s);
}

int seat_claim(int id, struct seat **out)
{
	struct seat *s;
	int rc = 0;

	s = seat_get(id);
	if (!s)
		return -ENOENT;
	if (s->s_stale) {
		rc = -ESTALE;
		goto out;
	}
	if (s->s_id != id)
		rc = -EINVAL;
	if (rc)
		goto out;
	*out = s;
	return 0;
out:
	if (rc == -EINVAL)
		s->s_stale = true;
	if (rc < 0)
		seat_put(s);
	return rc;
}
