/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * One object under two names: a second pointer copied from the first, and a
 * container reached with container_of() from an embedded member. A reference
 * taken under one name and dropped under the other is balanced.
 *
 * EXPECTED:
 *  req_alloc: returns a new request with one reference; req_put: put wrapper
 *  job_run: job is container_of(req); the error path drops the reference as
 *   &job->j_req, the other as req: balanced, no finding
 *  buf_fill: a cursor p = b, moved by p += off on some paths only; b is put on
 *   the error path: balanced, no finding
 *  pair_swap: a = b, then b = NULL: the object stays counted under a, which is
 *   put on both paths: balanced
 *  job_leak: the -EIO path returns with the reference taken by req_alloc(),
 *   counted under job since job = container_of(req): a leak (confident)
 */
#include <linux/refcount.h>
#include <linux/slab.h>

struct req {
	refcount_t	r_ref;
	int		r_len;
	void		*r_data;
};

struct job {
	struct req	j_req;
	int		j_state;
};

struct buf {
	refcount_t	b_ref;
	char		b_data[64];
};

/* The request comes embedded in a job (struct job's first member). */
struct req *job_new_req(void);

struct req *req_alloc(int len)
{
	struct req *r = job_new_req();

	if (!r)
		return NULL;
	refcount_set(&r->r_ref, 1);
	r->r_len = len;
	return r;
}

void req_put(struct req *r)
{
	if (refcount_dec_and_test(&r->r_ref))
		kfree(r);
}

struct buf *buf_alloc(void)
{
	struct buf *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (b)
		refcount_set(&b->b_ref, 1);
	return b;
}

void buf_put(struct buf *b)
{
	if (refcount_dec_and_test(&b->b_ref))
		kfree(b);
}


int job_run(int len)
{
	struct req *req;
	struct job *job;

	req = req_alloc(len);
	if (!req)
		return -ENOMEM;
	job = container_of(req, struct job, j_req);
	if (job->j_state < 0) {
		req_put(&job->j_req);
		return -EIO;
	}
	job->j_state = 1;
	req_put(req);
	return 0;
}

int buf_fill(int off)
{
	struct buf *b = buf_alloc();
	char *p;

	if (!b)
		return -ENOMEM;
	p = b;
	if (off)
		p += off;
	if (b->b_data[0]) {
		buf_put(b);
		return -EIO;
	}
	p[0] = 0;
	buf_put(b);
	return 0;
}

int pair_swap(int len)
{
	struct req *a, *b;

	b = req_alloc(len);
	if (!b)
		return -ENOMEM;
	a = b;
	b = NULL;
	if (a->r_len > len) {
		req_put(a);
		return -EINVAL;
	}
	req_put(a);
	return 0;
}

int job_leak(int len)
{
	struct req *req;
	struct job *job;

	req = req_alloc(len);
	if (!req)
		return -ENOMEM;
	job = container_of(req, struct job, j_req);
	if (job->j_state)
		return -EIO;
	req_put(&job->j_req);
	return 0;
}
