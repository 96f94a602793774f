/* Only one struct declares a counter named "solo_users", and the receiver's
 * type is unknown: the object type is a field-name guess, and says so. */
#include <linux/refcount.h>

struct loner {
	refcount_t solo_users;
};

static void loner_poke(void *cookie)
{
	refcount_inc(&find_loner(cookie)->solo_users);
}
