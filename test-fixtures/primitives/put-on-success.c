/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * A function that consumes the caller's reference only when it succeeds: on
 * success (it returns 0) it either installs the object in a slot, which keeps
 * the reference, or drops it because the slot is taken by the same object; on
 * an error code the reference stays with the caller, who must drop it. The
 * status is one variable set to 0 or to an error code and returned at one
 * label, as kernel functions write it.
 *
 * EXPECTED:
 *  blob_lookup: returns the blob with a reference of its own
 *  blob_put: put wrapper
 *  slot_install: put wrapper of its blob, consumed only when it returns 0
 *   (partial: a stored blob is kept, not dropped)
 *  slot_open: the same through slot_install (a wrapper of the wrapper)
 *  blob_attach: drops its blob only after slot_open() failed: no finding
 *  blob_attach_twice: drops it also after slot_open() succeeded: a double put
 *   on the path where err is 0, which read the status (confident)
 *  blob_attach_unchecked: calls slot_install() and ignores the status, then
 *   drops: a double put as well, a guess (an unread status is taken as
 *   success, and slot_install() may have failed)
 */
#include <linux/refcount.h>
#include <linux/spinlock.h>

struct blob {
	refcount_t count;
};

struct slot {
	spinlock_t lock;
	struct blob *blob;
	int users;
};

void blob_free(struct blob *b);
extern struct blob *blob_table[16];

struct blob *blob_lookup(int id)
{
	struct blob *b = blob_table[id & 15];

	if (b)
		refcount_inc(&b->count);
	return b;
}

void blob_put(struct blob *b)
{
	if (b && refcount_dec_and_test(&b->count))
		blob_free(b);
}

int slot_install(struct slot *s, struct blob *b)
{
	struct blob *old;
	int err = 0;

	spin_lock(&s->lock);
	old = s->blob;
	if (old && old != b) {
		err = -EBUSY;
		goto unlock;
	}
	if (s->users < 0) {
		err = -EINVAL;
		goto unlock;
	}
	s->users++;
	if (!old)
		s->blob = b;
	else
		blob_put(b);
unlock:
	spin_unlock(&s->lock);
	return err;
}

static int slot_open(struct slot *s, struct blob *b)
{
	int err;

	err = slot_install(s, b);
	if (err)
		return err;
	s->users++;
	return 0;
}

int blob_attach(struct slot *s, int id)
{
	struct blob *b;
	int err;

	b = blob_lookup(id);
	if (!b)
		return -ENOENT;
	err = slot_open(s, b);
	if (!err)
		return 0;
	blob_put(b);
	return err;
}

int blob_attach_twice(struct slot *s, int id)
{
	struct blob *b;
	int err;

	b = blob_lookup(id);
	if (!b)
		return -ENOENT;
	err = slot_open(s, b);
	if (err)
		pr_warn("blob %d not attached: %d\n", id, err);
	blob_put(b);
	return err;
}

void blob_attach_unchecked(struct slot *s, int id)
{
	struct blob *b;

	b = blob_lookup(id);
	if (!b)
		return;
	slot_install(s, b);
	blob_put(b);
}
