/* Two ops structs with the same method name ("finish"). Each indirect call
 * resolves to its own type's method only; a call whose receiver type is
 * unknown reaches both, marked as a field-name guess.
 * EXPECTED: hive_end -> hive_finish, hive_finish_fast (type); nest_end ->
 * nest_finish (type); mystery_end -> all three (field-name). */
struct hive;
struct nest;

struct hive_ops {
	void (*finish)(struct hive *h);
};

struct nest_ops {
	void (*finish)(struct nest *n);
};

struct hive {
	const struct hive_ops *ops;
};

struct nest {
	const struct nest_ops *ops;
};

static void hive_finish(struct hive *h)
{
}

static void nest_finish(struct nest *n)
{
}

static const struct hive_ops plain_hive_ops = {
	.finish = hive_finish,
};

static void hive_finish_fast(struct hive *h)
{
}

/* A table of ops indexed by designators: its elements are struct hive_ops too. */
static const struct hive_ops hive_table[2] = {
	[1] = { .finish = hive_finish_fast },
};

static const struct nest_ops plain_nest_ops = {
	.finish = nest_finish,
};

void hive_end(struct hive *h)
{
	h->ops->finish(h);
}

void nest_end(struct nest *n)
{
	n->ops->finish(n);
}

void mystery_end(void *cookie)
{
	lookup_anything(cookie)->ops->finish(cookie);
}
