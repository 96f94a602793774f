/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * C identifiers that are also the names of JavaScript's Object.prototype
 * members (constructor, toString, valueOf, __proto__, hasOwnProperty) used as
 * parameters, locals, fields, struct tags and functions. Kernel code has them
 * (net/sunrpc/xprtrdma/svc_rdma_rw.c has a function-pointer parameter named
 * `constructor`). Facts keyed by name must not pick up the prototype's
 * members: once one did, the facts held a function and could not be handed
 * to the worker thread.
 *
 * EXPECTED (the same as for the same code with ordinary names):
 *  valueOf_get: get wrapper; valueOf_put: put wrapper
 *  hasOwnProperty: takes a reference, calls its `constructor` parameter,
 *   drops the reference on the success path and keeps it on the error path:
 *   a ref-leak at the error return, a guess (the object also went to the
 *   function pointer, which may keep it)
 */
#include <linux/refcount.h>

struct constructor {
	refcount_t toString;
	int __proto__;
};

void constructor_free(struct constructor *c);

void valueOf_get(struct constructor *c)
{
	refcount_inc(&c->toString);
}

void valueOf_put(struct constructor *c)
{
	if (refcount_dec_and_test(&c->toString))
		constructor_free(c);
}

int hasOwnProperty(struct constructor *toString,
		   int (*constructor)(struct constructor *c, int n))
{
	int valueOf = toString->__proto__;
	int __proto__;

	valueOf_get(toString);
	__proto__ = constructor(toString, valueOf);
	if (__proto__ < 0)
		return -EIO;
	valueOf_put(toString);
	return 0;
}
