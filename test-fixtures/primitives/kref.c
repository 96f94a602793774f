/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * kref-based lifecycle: kref_init, kref_get, kref_get_unless_zero and
 * kref_put with a release callback recovered through container_of.
 *
 * EXPECTED:
 *  struct demo_conn.dc_kref: init 1 in demo_conn_alloc (kref_init)
 *  demo_conn_get: get (kref_get)
 *  demo_conn_tryget: conditional get (kref_get_unless_zero), checked
 *  demo_conn_put: put (kref_put); FINAL PUT runs demo_conn_release
 *  demo_conn_release: release callback; filp_close + kfree, inline in the
 *   caller of demo_conn_put (process for demo_conn_put non-static)
 *  demo_conn_find: RCU lookup + demo_conn_tryget, balanced
 */
#include <linux/kref.h>
#include <linux/slab.h>
#include <linux/file.h>
#include <linux/rculist.h>

struct demo_conn {
	struct kref		dc_kref;
	struct list_head	dc_list;
	struct file		*dc_file;
	int			dc_id;
};

static struct demo_conn *demo_conn_alloc(int id)
{
	struct demo_conn *dc = kzalloc(sizeof(*dc), GFP_KERNEL);

	if (!dc)
		return NULL;
	kref_init(&dc->dc_kref);
	dc->dc_id = id;
	return dc;
}

static void demo_conn_release(struct kref *kref)
{
	struct demo_conn *dc = container_of(kref, struct demo_conn, dc_kref);

	if (dc->dc_file)
		filp_close(dc->dc_file, NULL);
	kfree(dc);
}

void demo_conn_get(struct demo_conn *dc)
{
	kref_get(&dc->dc_kref);
}

static bool demo_conn_tryget(struct demo_conn *dc)
{
	return kref_get_unless_zero(&dc->dc_kref);
}

void demo_conn_put(struct demo_conn *dc)
{
	kref_put(&dc->dc_kref, demo_conn_release);
}

struct demo_conn *demo_conn_find(struct list_head *head, int id)
{
	struct demo_conn *dc;

	rcu_read_lock();
	list_for_each_entry_rcu(dc, head, dc_list) {
		if (dc->dc_id == id && demo_conn_tryget(dc)) {
			rcu_read_unlock();
			return dc;
		}
	}
	rcu_read_unlock();
	return NULL;
}
