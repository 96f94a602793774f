/* Lifecycle Lens test fixture (original code, not kernel source): a gizmo
 * holds a counted reference and a backing file. */
#ifndef _LINUX_GIZMO_H
#define _LINUX_GIZMO_H
#include <linux/refcount.h>
#include <linux/workqueue.h>

struct gizmo {
	refcount_t		gz_ref;
	struct file		*gz_backing;
	struct work_struct	gz_reap;
};

void gizmo_drop_backing(struct gizmo *gz);
#endif
