/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * container_of-style macros whose second argument is a type, not an
 * expression. The analyzer must recover the object type (struct nfsd_file)
 * from the list/rcu member so that accesses are attributed to it.
 *
 * EXPECTED:
 *  co_from_lru: container_of(p, struct nfsd_file, nf_lru) -> nfsd_file;
 *   put via refcount_dec_and_test on nf->nf_ref
 *  co_first: list_first_entry(&head, struct nfsd_file, nf_lru) -> nfsd_file
 *  co_entry: list_entry(item, struct nfsd_file, nf_lru) -> nfsd_file; get
 *   (refcount_inc)
 *  co_rcu_free: container_of(rcu, struct nfsd_file, nf_rcu) in a call_rcu
 *   callback: memory only
 */
#include <linux/list.h>
#include <linux/refcount.h>

struct nfsd_file {
	struct list_head	nf_lru;
	struct rcu_head		nf_rcu;
	refcount_t		nf_ref;
};

static struct list_head co_head;

bool co_from_lru(struct list_head *p)
{
	struct nfsd_file *nf = container_of(p, struct nfsd_file, nf_lru);

	return refcount_dec_and_test(&nf->nf_ref);
}

struct nfsd_file *co_first(void)
{
	if (list_empty(&co_head))
		return NULL;
	return list_first_entry(&co_head, struct nfsd_file, nf_lru);
}

void co_entry(struct list_head *item)
{
	refcount_inc(&list_entry(item, struct nfsd_file, nf_lru)->nf_ref);
}

static void co_rcu_free(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct nfsd_file, nf_rcu));
}

void co_free_later(struct nfsd_file *nf)
{
	call_rcu(&nf->nf_rcu, co_rcu_free);
}
