/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * The file under review, opened alone: the final put of a gizmo frees it
 * through gizmo_free(), whose close happens in gizmo_drop_backing() in
 * backing.c. The reaper runs from a workqueue.
 *
 * EXPECTED:
 *  struct gizmo.gz_ref: init 1 in gizmo_init (refcount_set)
 *  gizmo_put: put; FINAL PUT runs gizmo_free
 *  gizmo_free: gizmo_drop_backing (backing.c: filp_close) + kfree
 *  gizmo_reap: workqueue callback (INIT_WORK in gizmo_init); the close runs
 *   inline in the workqueue through gizmo_put -> gizmo_free ->
 *   gizmo_drop_backing, reached only with the tree's summaries
 */
#include <linux/slab.h>
#include <linux/gizmo.h>

static void gizmo_free(struct gizmo *gz)
{
	gizmo_drop_backing(gz);
	kfree(gz);
}

void gizmo_put(struct gizmo *gz)
{
	if (refcount_dec_and_test(&gz->gz_ref))
		gizmo_free(gz);
}

static void gizmo_reap(struct work_struct *work)
{
	struct gizmo *gz = container_of(work, struct gizmo, gz_reap);

	gizmo_put(gz);
}

void gizmo_init(struct gizmo *gz)
{
	refcount_set(&gz->gz_ref, 1);
	INIT_WORK(&gz->gz_reap, gizmo_reap);
}
