/*
 * Lifecycle Lens test fixture (original code, not kernel source).
 *
 * Iterator macros that look like function calls followed by a block; a
 * parser without macro handling mis-parses these bodies.
 *
 * EXPECTED:
 *  it_list_safe: list_for_each_entry_safe body calls it_release (put:
 *   refcount_dec_and_test -> fput), 1 call per iteration
 *  it_hlist_rcu: hlist_for_each_entry_rcu body calls refcount_inc_not_zero
 *   (conditional get, checked) inside rcu_read_lock
 *  it_rhl_rcu: rhl_for_each_entry_rcu body calls it_count_one
 *  it_percpu: for_each_possible_cpu body calls per_cpu_ptr + it_drain
 *  all five functions parse with no ERROR nodes after macro masking
 */
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/percpu.h>

struct it_obj {
	struct list_head	io_list;
	struct hlist_node	io_node;
	struct rhlist_head	io_rlist;
	refcount_t		io_ref;
	struct file		*io_file;
	int			io_key;
};

static DEFINE_PER_CPU(struct list_head, it_percpu_lists);

static void it_release(struct it_obj *o)
{
	if (refcount_dec_and_test(&o->io_ref))
		fput(o->io_file);
}

static void it_count_one(struct it_obj *o, int *n) { (*n)++; }
static void it_drain(struct list_head *head) { INIT_LIST_HEAD(head); }

void it_list_safe(struct list_head *head)
{
	struct it_obj *o, *next;

	list_for_each_entry_safe(o, next, head, io_list) {
		list_del_init(&o->io_list);
		it_release(o);
	}
}

struct it_obj *it_hlist_rcu(struct hlist_head *bucket, int key)
{
	struct it_obj *o;

	rcu_read_lock();
	hlist_for_each_entry_rcu(o, bucket, io_node) {
		if (o->io_key == key && refcount_inc_not_zero(&o->io_ref)) {
			rcu_read_unlock();
			return o;
		}
	}
	rcu_read_unlock();
	return NULL;
}

int it_rhl_rcu(struct rhlist_head *list)
{
	struct rhlist_head *tmp;
	struct it_obj *o;
	int n = 0;

	rcu_read_lock();
	rhl_for_each_entry_rcu(o, tmp, list, io_rlist)
		it_count_one(o, &n);
	rcu_read_unlock();
	return n;
}

void it_percpu(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct list_head *head = per_cpu_ptr(&it_percpu_lists, cpu);

		it_drain(head);
	}
}
