/* A flag bit of the object records that it holds a reference for someone (here:
 * the lamp is lit, and the light keeps it alive). Two helpers drop that
 * reference only after claiming the bit: one tests the claim directly, the other
 * returns early when the claim fails. The caller holds its own reference, calls
 * both helpers and then drops its own: at most three drops for three references
 * (its own, and the bit's taken when it was lit). */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/bitops.h>

#define LAMP_LIT	0
#define LAMP_FLASHING	1

struct lamp {
	refcount_t l_ref;
	unsigned long l_flags;
};

static void lamp_put(struct lamp *l)
{
	if (refcount_dec_and_test(&l->l_ref))
		kfree(l);
}

static void lamp_light(struct lamp *l)
{
	if (!test_and_set_bit(LAMP_LIT, &l->l_flags))
		refcount_inc(&l->l_ref);
}

static void lamp_unlight(struct lamp *l)
{
	if (test_and_clear_bit(LAMP_LIT, &l->l_flags))
		lamp_put(l);
}

static void lamp_stop_flashing(struct lamp *l, int bit)
{
	if (!test_and_clear_bit(bit, &l->l_flags))
		return;
	refcount_dec(&l->l_ref);
}

void lamp_switch_off(struct lamp *l)
{
	refcount_inc(&l->l_ref);
	lamp_unlight(l);
	lamp_stop_flashing(l, LAMP_FLASHING);
	lamp_put(l);
}
