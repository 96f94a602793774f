/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Hash insertion/removal primitives and the HASHED-bit winner pattern.
 *
 * EXPECTED:
 *  hx_hlist_add: hlist_add_head_rcu under hx_bucket_lock (publish); sets
 *   HX_HASHED with __set_bit before publication (fine)
 *  hx_hlist_del: hlist_del_rcu under hx_bucket_lock, then kfree_rcu (safe)
 *  hx_rht_insert: rhashtable_lookup_insert_key (insert, may fail -EEXIST)
 *  hx_rht_remove: rhashtable_remove_fast then kfree_rcu
 *  hx_rhl_insert / hx_rhl_remove: rhltable_insert / rhltable_remove
 *  hx_unhash: test_and_clear_bit(HX_HASHED) decides the single winner;
 *   only the winner calls rhltable_remove and drops the hash's ref
 *   (refcount_dec_and_test; FINAL PUT -> kfree_rcu)
 *  hx_unhash_racy: test_bit + clear_bit (not atomic as a pair): two
 *   callers can both remove: finding
 */
#include <linux/rhashtable.h>
#include <linux/rculist.h>
#include <linux/refcount.h>

#define HX_HASHED 0

struct hx_obj {
	struct hlist_node	hx_node;
	struct rhash_head	hx_rhash;
	struct rhlist_head	hx_rlist;
	struct rcu_head		hx_rcu;
	refcount_t		hx_ref;
	unsigned long		hx_flags;
	u64			hx_key;
};

static const struct rhashtable_params hx_params = {
	.key_len	= sizeof(u64),
	.key_offset	= offsetof(struct hx_obj, hx_key),
	.head_offset	= offsetof(struct hx_obj, hx_rhash),
};
static struct rhashtable hx_rht;
static struct rhltable hx_rhl;
static DEFINE_SPINLOCK(hx_bucket_lock);
static struct hlist_head hx_bucket;

void hx_hlist_add(struct hx_obj *o)
{
	__set_bit(HX_HASHED, &o->hx_flags);
	spin_lock(&hx_bucket_lock);
	hlist_add_head_rcu(&o->hx_node, &hx_bucket);
	spin_unlock(&hx_bucket_lock);
}

void hx_hlist_del(struct hx_obj *o)
{
	spin_lock(&hx_bucket_lock);
	hlist_del_rcu(&o->hx_node);
	spin_unlock(&hx_bucket_lock);
	kfree_rcu(o, hx_rcu);
}

int hx_rht_insert(struct hx_obj *o)
{
	return rhashtable_lookup_insert_key(&hx_rht, &o->hx_key, &o->hx_rhash,
					    hx_params);
}

void hx_rht_remove(struct hx_obj *o)
{
	if (!rhashtable_remove_fast(&hx_rht, &o->hx_rhash, hx_params))
		kfree_rcu(o, hx_rcu);
}

int hx_rhl_insert(struct hx_obj *o)
{
	return rhltable_insert(&hx_rhl, &o->hx_rlist, hx_params);
}

void hx_rhl_remove(struct hx_obj *o)
{
	rhltable_remove(&hx_rhl, &o->hx_rlist, hx_params);
}

void hx_unhash(struct hx_obj *o)
{
	if (!test_and_clear_bit(HX_HASHED, &o->hx_flags))
		return;
	rhltable_remove(&hx_rhl, &o->hx_rlist, hx_params);
	if (refcount_dec_and_test(&o->hx_ref))
		kfree_rcu(o, hx_rcu);
}

void hx_unhash_racy(struct hx_obj *o)
{
	if (!test_bit(HX_HASHED, &o->hx_flags))
		return;
	clear_bit(HX_HASHED, &o->hx_flags);
	rhltable_remove(&hx_rhl, &o->hx_rlist, hx_params);
}
