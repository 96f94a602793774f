/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Design (a), "sentinel": an NFSD-style open-file cache in which the hash
 * table owns one reference (the sentinel) on every nfsd_file while it is
 * hashed. nfsd_file_put() drops a caller's reference; entries that are down
 * to the sentinel are reaped by the laundrette (delayed work) or the
 * shrinker, which unhash them and drop the sentinel. Final closes found on
 * those paths, and on nfsd_file_close_inode(), are collected on a dispose
 * list and handed to nfsd_filecache_wq; only the nfsd thread doing the very
 * last put and the explicit *_sync/purge paths close inline. The LRU does not
 * hold a reference; its isolate callback only moves entries.
 *
 * EXPECTED:
 *  refs on nfsd_file.nf_ref:
 *   get:  nfsd_file_get (refcount_inc_not_zero, conditional; wrapper = get)
 *         nfsd_file_alloc (refcount_set 1, the caller's reference)
 *         nfsd_file_hash_insert (refcount_inc: the hash sentinel)
 *   put:  nfsd_file_put_noref (refcount_dec_and_test) via nfsd_file_put
 *         (wrapper = put); nfsd_file_unhash_and_dispose_locked and
 *         nfsd_file_dispose_isolated (refcount_dec_and_test on the sentinel);
 *         nfsd_file_do_acquire error path (refcount_dec, never final)
 *  refs on nfsd_file_mark.nfm_ref: get nfsd_file_mark_get
 *   (refcount_inc_not_zero), set 1 in nfsd_file_mark_find_or_create;
 *   put nfsd_file_mark_put (refcount_dec_and_test -> fsnotify_put_mark,
 *   memory freed by .free_mark = nfsd_file_mark_free)
 *  final put (nf_ref -> 0):
 *   nfsd_file_put_noref -> nfsd_file_free INLINE
 *   nfsd_file_unhash_and_dispose_locked -> list_add to a dispose list
 *   nfsd_file_dispose_isolated -> dispose list -> nfsd_file_dispose_list_delayed
 *  final close = nfsd_file_free: nfsd_file_flush (vfs_fsync) + fput, then
 *   call_rcu(nfsd_file_slab_free) (rcu-callback: kmem_cache_free only)
 *  other release work: filemap_flush in nfsd_file_put (caller + sentinel
 *   left); flush_delayed_fput in nfsd_file_dispose_list_sync
 *  deferral: nfsd_file_dispose_list_delayed -> per-net freeme list +
 *   queue_work(nfsd_filecache_wq) -> nfsd_file_delayed_close (workqueue)
 *  contexts reaching the final close:
 *   INLINE:   process (nfsd_file_put, nfsd_file_close_inode_sync,
 *             nfsd_file_cache_shutdown_net/nfsd_file_cache_shutdown via
 *             nfsd_file_cache_purge), workqueue (nfsd_file_delayed_close)
 *   DEFERRED (to workqueue): fsnotify (nfsd_file_fsnotify_handle_event ->
 *             nfsd_file_close_inode), notifier (nfsd_file_lease_notifier_call
 *             -> nfsd_file_close_inode), delayed-work (nfsd_file_gc_worker),
 *             shrinker (nfsd_file_lru_scan)
 *   lru-isolate (nfsd_file_lru_cb): no put, no close, only isolates
 *   rcu-callback (nfsd_file_slab_free): memory only
 *  no sleeping call under a spinlock or rcu_read_lock.
 */
#include <linux/hash.h>
#include <linux/slab.h>
#include <linux/file.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/list_lru.h>
#include <linux/fsnotify_backend.h>
#include <linux/fsnotify.h>
#include <linux/workqueue.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/filelock.h>
#include "vfs.h"
#include "nfsd.h"
#include "netns.h"
#include "trace.h"
#define NFSD_FILE_HASHED	0
#define NFSD_FILE_PENDING	1
#define NFSD_FILE_REFERENCED	2
#define NFSD_FILE_GC		3

#define NFSD_FILE_MAY_MASK	(NFSD_MAY_READ | NFSD_MAY_WRITE)
#define NFSD_LAUNDRETTE_DELAY	(2 * HZ)
#define NFSD_FILECACHE_UP	0

struct nfsd_file_mark {
	struct fsnotify_mark	nfm_mark;
	refcount_t		nfm_ref;
};

struct nfsd_file {
	struct hlist_node	nf_node;	/* bucket chain, under nfb_lock */
	unsigned int		nf_hashval;
	struct list_head	nf_lru;		/* LRU, or a dispose list */
	struct rcu_head		nf_rcu;
	struct file		*nf_file;
	struct inode		*nf_inode;
	struct net		*nf_net;
	struct nfsd_file_mark	*nf_mark;
	unsigned long		nf_flags;
	refcount_t		nf_ref;
	unsigned char		nf_may;
};

struct nfsd_fcache_disposal {
	struct work_struct	work;
	spinlock_t		lock;
	struct list_head	freeme;
};

static struct kmem_cache *nfsd_file_slab;
static struct kmem_cache *nfsd_file_mark_slab;
static struct list_lru nfsd_file_lru;
static struct fsnotify_group *nfsd_file_fsnotify_group;
static struct workqueue_struct *nfsd_filecache_wq __read_mostly;
static unsigned long nfsd_file_flags;

static void nfsd_file_gc_worker(struct work_struct *work);
static DECLARE_DELAYED_WORK(nfsd_filecache_laundrette, nfsd_file_gc_worker);

#define NFSD_FILE_HASH_BITS	12
#define NFSD_FILE_HASH_SIZE	(1 << NFSD_FILE_HASH_BITS)

struct nfsd_fcache_bucket {
	struct hlist_head	nfb_head;
	spinlock_t		nfb_lock;
	unsigned int		nfb_count;
};

static struct nfsd_fcache_bucket *nfsd_file_hashtbl;

static unsigned int nfsd_file_hashval(struct inode *inode)
{
	return hash_ptr(inode, NFSD_FILE_HASH_BITS);
}

static struct nfsd_fcache_disposal *nfsd_file_disposal(struct net *net)
{
	struct nfsd_net *nn = net_generic(net, nfsd_net_id);

	return nn->fcache_disposal;
}

static struct nfsd_file_mark *nfsd_file_mark_get(struct nfsd_file_mark *nfm)
{
	if (!refcount_inc_not_zero(&nfm->nfm_ref))
		return NULL;
	return nfm;
}

static void nfsd_file_mark_put(struct nfsd_file_mark *nfm)
{
	if (refcount_dec_and_test(&nfm->nfm_ref)) {
		fsnotify_destroy_mark(&nfm->nfm_mark, nfsd_file_fsnotify_group);
		fsnotify_put_mark(&nfm->nfm_mark);
	}
}

/* fsnotify ->free_mark: the mark's own memory, nothing else. */
static void nfsd_file_mark_free(struct fsnotify_mark *mark)
{
	struct nfsd_file_mark *nfm = container_of(mark, struct nfsd_file_mark,
						  nfm_mark);

	kmem_cache_free(nfsd_file_mark_slab, nfm);
}

static struct nfsd_file_mark *nfsd_file_mark_find_or_create(struct inode *inode)
{
	struct fsnotify_mark *mark;
	struct nfsd_file_mark *nfm, *new;

	mark = fsnotify_find_inode_mark(inode, nfsd_file_fsnotify_group);
	if (mark) {
		nfm = nfsd_file_mark_get(container_of(mark, struct nfsd_file_mark,
						      nfm_mark));
		fsnotify_put_mark(mark);
		if (nfm)
			return nfm;
	}

	new = kmem_cache_alloc(nfsd_file_mark_slab, GFP_KERNEL);
	if (!new)
		return NULL;
	fsnotify_init_mark(&new->nfm_mark, nfsd_file_fsnotify_group);
	new->nfm_mark.mask = FS_ATTRIB | FS_DELETE_SELF;
	refcount_set(&new->nfm_ref, 1);
	if (fsnotify_add_inode_mark(&new->nfm_mark, inode, 0))
		goto out_put;
	return new;

out_put:
	fsnotify_put_mark(&new->nfm_mark);
	return NULL;
}

/* RCU callback (softirq): only gives the memory back. */
static void nfsd_file_slab_free(struct rcu_head *rcu)
{
	struct nfsd_file *nf = container_of(rcu, struct nfsd_file, nf_rcu);

	kmem_cache_free(nfsd_file_slab, nf);
}

static struct nfsd_file *
nfsd_file_alloc(struct inode *inode, struct net *net, unsigned int may,
		bool want_gc)
{
	struct nfsd_file *nf;

	nf = kmem_cache_alloc(nfsd_file_slab, GFP_KERNEL);
	if (!nf)
		return NULL;
	INIT_LIST_HEAD(&nf->nf_lru);
	nf->nf_file = NULL;
	nf->nf_inode = inode;
	nf->nf_net = net;
	nf->nf_mark = NULL;
	nf->nf_may = may & NFSD_FILE_MAY_MASK;
	nf->nf_flags = 0;
	__set_bit(NFSD_FILE_PENDING, &nf->nf_flags);
	if (want_gc)
		__set_bit(NFSD_FILE_GC, &nf->nf_flags);
	/* The caller's reference. */
	refcount_set(&nf->nf_ref, 1);
	trace_nfsd_file_alloc(nf);
	return nf;
}

/* Push dirty data out before the last close; errors reset the verifier. */
static void nfsd_file_flush(struct nfsd_file *nf)
{
	struct file *file = nf->nf_file;

	if (!file || !(file->f_mode & FMODE_WRITE))
		return;
	if (vfs_fsync(file, 1) != 0)
		nfsd_reset_write_verifier(net_generic(nf->nf_net, nfsd_net_id));
}

/*
 * The final close. Only for an entry whose nf_ref has reached zero and
 * which is no longer hashed. Sleeps: fsync and fput.
 */
static void nfsd_file_free(struct nfsd_file *nf)
{
	might_sleep();
	trace_nfsd_file_free(nf);
	WARN_ON_ONCE(test_bit(NFSD_FILE_HASHED, &nf->nf_flags));
	if (nf->nf_mark)
		nfsd_file_mark_put(nf->nf_mark);
	if (nf->nf_file) {
		nfsd_file_flush(nf);
		fput(nf->nf_file);
	}
	call_rcu(&nf->nf_rcu, nfsd_file_slab_free);
}

struct nfsd_file *nfsd_file_get(struct nfsd_file *nf)
{
	if (nf && refcount_inc_not_zero(&nf->nf_ref))
		return nf;
	return NULL;
}

static bool nfsd_file_match(const struct nfsd_file *nf, struct inode *inode,
			    struct net *net, unsigned char may)
{
	return nf->nf_inode == inode && nf->nf_net == net && nf->nf_may == may;
}

/* RCU lookup; returns the entry with a reference held, or NULL. */
static struct nfsd_file *
nfsd_file_lookup(struct inode *inode, struct net *net, unsigned char may)
{
	struct nfsd_fcache_bucket *b = &nfsd_file_hashtbl[nfsd_file_hashval(inode)];
	struct nfsd_file *nf, *found = NULL;

	rcu_read_lock();
	hlist_for_each_entry_rcu(nf, &b->nfb_head, nf_node) {
		if (!nfsd_file_match(nf, inode, net, may))
			continue;
		found = nfsd_file_get(nf);
		if (found)
			break;
	}
	rcu_read_unlock();
	return found;
}

/*
 * Hash @new unless an equivalent entry is already there; in that case the
 * existing one is returned with a reference held and @new is left alone.
 */
static struct nfsd_file *nfsd_file_hash_insert(struct nfsd_file *new)
{
	struct nfsd_fcache_bucket *b;
	struct nfsd_file *nf;

	new->nf_hashval = nfsd_file_hashval(new->nf_inode);
	b = &nfsd_file_hashtbl[new->nf_hashval];
	spin_lock(&b->nfb_lock);
	hlist_for_each_entry(nf, &b->nfb_head, nf_node) {
		if (nfsd_file_match(nf, new->nf_inode, new->nf_net, new->nf_may) &&
		    nfsd_file_get(nf)) {
			spin_unlock(&b->nfb_lock);
			return nf;
		}
	}
	/* The hash table's own (sentinel) reference, held while hashed. */
	refcount_inc(&new->nf_ref);
	__set_bit(NFSD_FILE_HASHED, &new->nf_flags);
	hlist_add_head_rcu(&new->nf_node, &b->nfb_head);
	b->nfb_count++;
	spin_unlock(&b->nfb_lock);
	return new;
}

static void nfsd_file_hash_remove_locked(struct nfsd_fcache_bucket *b,
					 struct nfsd_file *nf)
	__must_hold(&b->nfb_lock)
{
	lockdep_assert_held(&b->nfb_lock);
	hlist_del_rcu(&nf->nf_node);
	b->nfb_count--;
}

/* Whoever clears HASHED owns the sentinel reference and must drop it. */
static bool nfsd_file_unhash_locked(struct nfsd_fcache_bucket *b,
				    struct nfsd_file *nf)
	__must_hold(&b->nfb_lock)
{
	if (!test_and_clear_bit(NFSD_FILE_HASHED, &nf->nf_flags))
		return false;
	trace_nfsd_file_unhash(nf);
	nfsd_file_hash_remove_locked(b, nf);
	return true;
}

static bool nfsd_file_unhash(struct nfsd_file *nf)
{
	struct nfsd_fcache_bucket *b = &nfsd_file_hashtbl[nf->nf_hashval];
	bool ret;

	spin_lock(&b->nfb_lock);
	ret = nfsd_file_unhash_locked(b, nf);
	spin_unlock(&b->nfb_lock);
	return ret;
}

/*
 * Unhash @nf and drop the sentinel. If that was the last reference, @nf goes
 * on @dispose; the caller picks where the close then runs.
 */
static void
nfsd_file_unhash_and_dispose_locked(struct nfsd_fcache_bucket *b,
				    struct nfsd_file *nf,
				    struct list_head *dispose)
	__must_hold(&b->nfb_lock)
{
	if (!nfsd_file_unhash_locked(b, nf))
		return;
	list_lru_del(&nfsd_file_lru, &nf->nf_lru);
	if (refcount_dec_and_test(&nf->nf_ref))
		list_add(&nf->nf_lru, dispose);
}

static void nfsd_file_schedule_laundrette(void)
{
	if (test_bit(NFSD_FILECACHE_UP, &nfsd_file_flags))
		queue_delayed_work(system_wq, &nfsd_filecache_laundrette,
				   NFSD_LAUNDRETTE_DELAY);
}

static void nfsd_file_put_noref(struct nfsd_file *nf)
{
	trace_nfsd_file_put(nf);
	/* Zero means the sentinel is gone already: nobody can find @nf. */
	if (refcount_dec_and_test(&nf->nf_ref))
		nfsd_file_free(nf);
}

/**
 * nfsd_file_put - drop a reference obtained from nfsd_file_acquire()
 * @nf: the entry
 *
 * Runs in the nfsd thread. When only the sentinel will be left, start
 * writeback early and let the laundrette reap the entry later. If the entry
 * was unhashed meanwhile, this may be the last reference and the file is
 * closed right here.
 */
void nfsd_file_put(struct nfsd_file *nf)
{
	bool last_user;

	might_sleep();
	set_bit(NFSD_FILE_REFERENCED, &nf->nf_flags);
	last_user = refcount_read(&nf->nf_ref) == 2 &&
		    test_bit(NFSD_FILE_HASHED, &nf->nf_flags);
	if (last_user && nf->nf_file)
		filemap_flush(nf->nf_file->f_mapping);
	nfsd_file_put_noref(nf);
	if (last_user)
		nfsd_file_schedule_laundrette();
}

/* Close every entry on @dispose in the calling context. */
static void nfsd_file_dispose_list(struct list_head *dispose)
{
	struct nfsd_file *nf;

	while (!list_empty(dispose)) {
		nf = list_first_entry(dispose, struct nfsd_file, nf_lru);
		list_del_init(&nf->nf_lru);
		nfsd_file_free(nf);
	}
}

/* As above, and wait until the deferred part of fput() is done too. */
static void nfsd_file_dispose_list_sync(struct list_head *dispose)
{
	bool flush = !list_empty(dispose);

	nfsd_file_dispose_list(dispose);
	if (flush)
		flush_delayed_fput();
}

/*
 * Move the entries on @dispose to their net's freeme list and kick
 * nfsd_filecache_wq. The close then runs in nfsd_file_delayed_close(), not
 * in the caller.
 */
static void nfsd_file_dispose_list_delayed(struct list_head *dispose)
{
	while (!list_empty(dispose)) {
		struct nfsd_file *nf = list_first_entry(dispose, struct nfsd_file,
							nf_lru);
		struct nfsd_fcache_disposal *l = nfsd_file_disposal(nf->nf_net);

		spin_lock(&l->lock);
		list_move_tail(&nf->nf_lru, &l->freeme);
		spin_unlock(&l->lock);
		queue_work(nfsd_filecache_wq, &l->work);
	}
}

/* Work item on nfsd_filecache_wq: the deferred final closes. */
static void nfsd_file_delayed_close(struct work_struct *work)
{
	struct nfsd_fcache_disposal *l = container_of(work,
				struct nfsd_fcache_disposal, work);
	LIST_HEAD(head);

	spin_lock(&l->lock);
	list_splice_init(&l->freeme, &head);
	spin_unlock(&l->lock);

	nfsd_file_dispose_list(&head);
}

/*
 * list_lru isolate callback: the LRU lock is held, so this may only decide
 * and move. Unhash, sentinel put and close come later, outside the lock.
 */
static enum lru_status
nfsd_file_lru_cb(struct list_head *item, struct list_lru_one *lru,
		 spinlock_t *lock, void *arg)
	__must_hold(lock)
{
	struct list_head *head = arg;
	struct nfsd_file *nf = list_entry(item, struct nfsd_file, nf_lru);

	/* An nfsd thread still uses it (more than the sentinel). */
	if (refcount_read(&nf->nf_ref) > 1)
		return LRU_SKIP;
	if (test_and_clear_bit(NFSD_FILE_REFERENCED, &nf->nf_flags))
		return LRU_ROTATE;
	/* Lost to nfsd_file_close_inode(), which owns the sentinel now. */
	if (!test_and_clear_bit(NFSD_FILE_HASHED, &nf->nf_flags))
		return LRU_SKIP;
	list_lru_isolate_move(lru, &nf->nf_lru, head);
	return LRU_REMOVED;
}

/*
 * Finish what nfsd_file_lru_cb() started: take the entries out of their
 * bucket and drop the sentinel. An entry that somebody looked up in the
 * meantime is left to its last nfsd_file_put(); the rest go to the wq.
 */
static void nfsd_file_dispose_isolated(struct list_head *isolated)
{
	struct nfsd_file *nf, *tmp;
	LIST_HEAD(dispose);

	list_for_each_entry_safe(nf, tmp, isolated, nf_lru) {
		struct nfsd_fcache_bucket *b = &nfsd_file_hashtbl[nf->nf_hashval];

		list_del_init(&nf->nf_lru);
		spin_lock(&b->nfb_lock);
		nfsd_file_hash_remove_locked(b, nf);
		spin_unlock(&b->nfb_lock);
		if (refcount_dec_and_test(&nf->nf_ref))
			list_add(&nf->nf_lru, &dispose);
	}
	nfsd_file_dispose_list_delayed(&dispose);
}

/* The laundrette: delayed work on system_wq, ages the LRU every 2s. */
static void nfsd_file_gc_worker(struct work_struct *work)
{
	LIST_HEAD(isolated);
	unsigned long ret;

	ret = list_lru_walk(&nfsd_file_lru, nfsd_file_lru_cb, &isolated,
			    LONG_MAX);
	trace_nfsd_file_gc_removed(ret, list_lru_count(&nfsd_file_lru));
	nfsd_file_dispose_isolated(&isolated);
	if (list_lru_count(&nfsd_file_lru))
		nfsd_file_schedule_laundrette();
}

static unsigned long
nfsd_file_lru_count(struct shrinker *s, struct shrink_control *sc)
{
	return list_lru_count(&nfsd_file_lru);
}

static unsigned long
nfsd_file_lru_scan(struct shrinker *s, struct shrink_control *sc)
{
	LIST_HEAD(isolated);
	unsigned long ret;

	ret = list_lru_shrink_walk(&nfsd_file_lru, sc, nfsd_file_lru_cb,
				   &isolated);
	trace_nfsd_file_shrinker_removed(ret, list_lru_count(&nfsd_file_lru));
	nfsd_file_dispose_isolated(&isolated);
	return ret;
}

static struct shrinker nfsd_file_shrinker = {
	.scan_objects = nfsd_file_lru_scan,
	.count_objects = nfsd_file_lru_count,
	.seeks = 1,
};

/* Unhash every entry for @inode; last references end up on @dispose. */
static void nfsd_file_queue_inode(struct inode *inode, struct list_head *dispose)
{
	struct nfsd_fcache_bucket *b = &nfsd_file_hashtbl[nfsd_file_hashval(inode)];
	struct nfsd_file *nf;
	struct hlist_node *tmp;

	spin_lock(&b->nfb_lock);
	hlist_for_each_entry_safe(nf, tmp, &b->nfb_head, nf_node) {
		if (nf->nf_inode == inode)
			nfsd_file_unhash_and_dispose_locked(b, nf, dispose);
	}
	spin_unlock(&b->nfb_lock);
}

/*
 * nfsd_file_close_inode - @inode was unlinked, changed, or leased elsewhere
 *
 * Called from the fsnotify handler and the lease notifier, i.e. inside
 * somebody else's syscall. The final close is handed to nfsd_filecache_wq.
 */
static void nfsd_file_close_inode(struct inode *inode)
{
	LIST_HEAD(dispose);

	nfsd_file_queue_inode(inode, &dispose);
	trace_nfsd_file_close_inode(inode, !list_empty(&dispose));
	nfsd_file_dispose_list_delayed(&dispose);
}

/**
 * nfsd_file_close_inode_sync - close cached files for @inode right now
 * @inode: the inode
 *
 * Process context (nfsd threads). Closes inline, then flushes delayed fputs.
 */
void nfsd_file_close_inode_sync(struct inode *inode)
{
	LIST_HEAD(dispose);

	nfsd_file_queue_inode(inode, &dispose);
	trace_nfsd_file_close_inode_sync(inode, !list_empty(&dispose));
	nfsd_file_dispose_list_sync(&dispose);
}

static int
nfsd_file_fsnotify_handle_event(struct fsnotify_mark *mark, u32 mask,
				struct inode *inode, struct inode *dir,
				const struct qstr *name, u32 cookie)
{
	trace_nfsd_file_fsnotify_handle_event(inode, mask);
	if (!S_ISREG(inode->i_mode))
		return 0;
	/* An attribute change only matters once the last link is gone. */
	if ((mask & FS_ATTRIB) && inode->i_nlink)
		return 0;
	nfsd_file_close_inode(inode);
	return 0;
}

static const struct fsnotify_ops nfsd_file_fsnotify_ops = {
	.handle_inode_event = nfsd_file_fsnotify_handle_event,
	.free_mark = nfsd_file_mark_free,
};

/* Lease-break notifier chain: another task is setting a lease. */
static int
nfsd_file_lease_notifier_call(struct notifier_block *nb, unsigned long arg,
			      void *data)
{
	struct file_lock *fl = data;

	if (!(fl->fl_flags & FL_LEASE))
		return NOTIFY_DONE;
	nfsd_file_close_inode(file_inode(fl->fl_file));
	return NOTIFY_OK;
}

static struct notifier_block nfsd_file_lease_notifier = {
	.notifier_call = nfsd_file_lease_notifier_call,
};

static __be32
nfsd_file_do_acquire(struct svc_rqst *rqstp, struct svc_fh *fhp,
		     unsigned int may_flags, struct nfsd_file **pnf,
		     bool want_gc)
{
	unsigned char need = may_flags & NFSD_FILE_MAY_MASK;
	struct net *net = SVC_NET(rqstp);
	struct nfsd_file *new, *nf;
	struct inode *inode;
	__be32 status;

	status = fh_verify(rqstp, fhp, S_IFREG,
			   may_flags | NFSD_MAY_OWNER_OVERRIDE);
	if (status != nfs_ok)
		return status;
	inode = d_inode(fhp->fh_dentry);

	nf = nfsd_file_lookup(inode, net, need);
	if (nf)
		goto found;

	new = nfsd_file_alloc(inode, net, may_flags, want_gc);
	if (!new)
		return nfserr_jukebox;
	nf = nfsd_file_hash_insert(new);
	if (IS_ERR(nf)) {
		nfsd_file_put(new);
		return nfserr_jukebox;
	}
	if (nf != new) {
		/* Raced with another thread; use its entry. */
		nfsd_file_put(new);
		goto found;
	}

	nf->nf_mark = nfsd_file_mark_find_or_create(inode);
	if (!nf->nf_mark) {
		status = nfserr_jukebox;
		goto out_unhash;
	}
	status = nfsd_open_verified(rqstp, fhp, may_flags, &nf->nf_file);
	if (status != nfs_ok)
		goto out_unhash;
	if (want_gc)
		list_lru_add(&nfsd_file_lru, &nf->nf_lru);
	clear_bit(NFSD_FILE_PENDING, &nf->nf_flags);
found:
	trace_nfsd_file_acquire(rqstp, inode, may_flags, nf, nfs_ok);
	*pnf = nf;
	return nfs_ok;

out_unhash:
	/* If we took it out of the hash, the sentinel is ours to drop. */
	if (nfsd_file_unhash(nf))
		refcount_dec(&nf->nf_ref);
	nfsd_file_put(nf);
	return status;
}

__be32 nfsd_file_acquire_gc(struct svc_rqst *rqstp, struct svc_fh *fhp,
			    unsigned int may_flags, struct nfsd_file **pnf)
{
	return nfsd_file_do_acquire(rqstp, fhp, may_flags, pnf, true);
}

__be32 nfsd_file_acquire(struct svc_rqst *rqstp, struct svc_fh *fhp,
			 unsigned int may_flags, struct nfsd_file **pnf)
{
	return nfsd_file_do_acquire(rqstp, fhp, may_flags, pnf, false);
}

/* Unhash everything that belongs to @net (all if NULL); process context. */
static void nfsd_file_cache_purge(struct net *net)
{
	struct nfsd_file *nf;
	struct hlist_node *tmp;
	LIST_HEAD(dispose);
	unsigned int i;

	for (i = 0; i < NFSD_FILE_HASH_SIZE; i++) {
		struct nfsd_fcache_bucket *b = &nfsd_file_hashtbl[i];

		spin_lock(&b->nfb_lock);
		hlist_for_each_entry_safe(nf, tmp, &b->nfb_head, nf_node) {
			if (net && nf->nf_net != net)
				continue;
			nfsd_file_unhash_and_dispose_locked(b, nf, &dispose);
		}
		spin_unlock(&b->nfb_lock);
	}
	nfsd_file_dispose_list_sync(&dispose);
}

int nfsd_file_cache_init(void)
{
	int ret;
	unsigned int i;

	nfsd_file_hashtbl = kvcalloc(NFSD_FILE_HASH_SIZE,
				     sizeof(*nfsd_file_hashtbl), GFP_KERNEL);
	if (!nfsd_file_hashtbl)
		return -ENOMEM;
	for (i = 0; i < NFSD_FILE_HASH_SIZE; i++) {
		INIT_HLIST_HEAD(&nfsd_file_hashtbl[i].nfb_head);
		spin_lock_init(&nfsd_file_hashtbl[i].nfb_lock);
	}

	ret = -ENOMEM;
	nfsd_filecache_wq = alloc_workqueue("nfsd_filecache", 0, 0);
	if (!nfsd_filecache_wq)
		goto out_hash;
	nfsd_file_slab = KMEM_CACHE(nfsd_file, 0);
	nfsd_file_mark_slab = KMEM_CACHE(nfsd_file_mark, 0);
	if (!nfsd_file_slab || !nfsd_file_mark_slab)
		goto out_slab;
	ret = list_lru_init(&nfsd_file_lru);
	if (ret)
		goto out_slab;
	ret = register_shrinker(&nfsd_file_shrinker, "nfsd-filecache");
	if (ret)
		goto out_lru;
	ret = lease_register_notifier(&nfsd_file_lease_notifier);
	if (ret)
		goto out_shrinker;
	nfsd_file_fsnotify_group = fsnotify_alloc_group(&nfsd_file_fsnotify_ops, 0);
	if (IS_ERR(nfsd_file_fsnotify_group)) {
		ret = PTR_ERR(nfsd_file_fsnotify_group);
		nfsd_file_fsnotify_group = NULL;
		goto out_notifier;
	}
	set_bit(NFSD_FILECACHE_UP, &nfsd_file_flags);
	return 0;

out_notifier:
	lease_unregister_notifier(&nfsd_file_lease_notifier);
out_shrinker:
	unregister_shrinker(&nfsd_file_shrinker);
out_lru:
	list_lru_destroy(&nfsd_file_lru);
out_slab:
	kmem_cache_destroy(nfsd_file_slab);
	kmem_cache_destroy(nfsd_file_mark_slab);
	destroy_workqueue(nfsd_filecache_wq);
out_hash:
	kvfree(nfsd_file_hashtbl);
	nfsd_file_hashtbl = NULL;
	return ret;
}

void nfsd_file_cache_shutdown(void)
{
	clear_bit(NFSD_FILECACHE_UP, &nfsd_file_flags);
	lease_unregister_notifier(&nfsd_file_lease_notifier);
	unregister_shrinker(&nfsd_file_shrinker);
	cancel_delayed_work_sync(&nfsd_filecache_laundrette);
	nfsd_file_cache_purge(NULL);
	/* Runs whatever nfsd_file_delayed_close() still has queued. */
	destroy_workqueue(nfsd_filecache_wq);
	nfsd_filecache_wq = NULL;
	list_lru_destroy(&nfsd_file_lru);
	fsnotify_put_group(nfsd_file_fsnotify_group);
	nfsd_file_fsnotify_group = NULL;
	fsnotify_wait_marks_destroyed();
	/* Wait for nfsd_file_slab_free() callbacks before the slab goes. */
	rcu_barrier();
	kmem_cache_destroy(nfsd_file_slab);
	kmem_cache_destroy(nfsd_file_mark_slab);
	kvfree(nfsd_file_hashtbl);
	nfsd_file_hashtbl = NULL;
}

int nfsd_file_cache_start_net(struct net *net)
{
	struct nfsd_net *nn = net_generic(net, nfsd_net_id);
	struct nfsd_fcache_disposal *l;

	l = kmalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	INIT_WORK(&l->work, nfsd_file_delayed_close);
	spin_lock_init(&l->lock);
	INIT_LIST_HEAD(&l->freeme);
	nn->fcache_disposal = l;
	return 0;
}

/* Namespace shutdown, process context: leftovers are closed inline. */
void nfsd_file_cache_shutdown_net(struct net *net)
{
	struct nfsd_net *nn = net_generic(net, nfsd_net_id);
	struct nfsd_fcache_disposal *l = nn->fcache_disposal;

	nfsd_file_cache_purge(net);
	cancel_work_sync(&l->work);
	nfsd_file_dispose_list(&l->freeme);
	nn->fcache_disposal = NULL;
	kfree(l);
}
