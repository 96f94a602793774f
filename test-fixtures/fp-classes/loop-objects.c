/* Each iteration finds, uses and drops a different object; the path that goes
 * round the loop twice drops two different references. */
#include <linux/refcount.h>
#include <linux/slab.h>

struct token {
	refcount_t k_ref;
	int k_used;
};

extern struct token *token_next(int slot);

static void token_put(struct token *k)
{
	if (refcount_dec_and_test(&k->k_ref))
		kfree(k);
}

void token_drain(void)
{
	struct token *k;
	int slot;

	for (slot = 0; slot < 8; slot++) {
		k = token_next(slot);
		if (!k)
			continue;
		k->k_used = 1;
		token_put(k);
	}
}
