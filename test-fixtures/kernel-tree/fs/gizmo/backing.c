/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * The callee in another file of the tree: closes the gizmo's backing file.
 * A file analysed on its own reaches this close only through the tree's
 * index (or the summaries built on demand from the tree).
 *
 * EXPECTED:
 *  gizmo_drop_backing: release work inline: close (filp_close)
 */
#include <linux/fs.h>
#include <linux/gizmo.h>

void gizmo_drop_backing(struct gizmo *gz)
{
	struct file *f = gz->gz_backing;

	gz->gz_backing = NULL;
	if (f)
		filp_close(f, NULL);
}
