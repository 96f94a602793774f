/* An object created with two references: one for the caller, one for the
 * completion path that finishes the request asynchronously. */
#include <linux/kref.h>
#include <linux/slab.h>

struct xfer_req {
	struct kref x_kref;
	int x_error;
};

static void xfer_req_release(struct kref *kref)
{
	struct xfer_req *x = container_of(kref, struct xfer_req, x_kref);

	kfree(x);
}

static void xfer_req_put(struct xfer_req *x)
{
	kref_put(&x->x_kref, xfer_req_release);
}

static struct xfer_req *xfer_req_alloc(void)
{
	struct xfer_req *x = kzalloc(sizeof(*x), GFP_KERNEL);

	if (!x)
		return NULL;
	kref_init(&x->x_kref);
	kref_get(&x->x_kref);	/* one for the completion */
	return x;
}

void xfer_complete(struct xfer_req *x)
{
	xfer_req_put(x);	/* the completion's reference */
}

int xfer_start(int fail)
{
	struct xfer_req *x = xfer_req_alloc();
	int err;

	if (!x)
		return -ENOMEM;
	if (fail)
		xfer_complete(x);
	err = x->x_error;
	xfer_req_put(x);	/* the caller's reference */
	return err;
}
