/* Callers of the header's inline helpers: the error path drops its reference
 * through badge_put(), which the analysis must know from the header. */
#include "badge.h"

int badge_raise(struct badge *b, int level, int (*allowed)(int))
{
	badge_get(b);
	if (!allowed(level)) {
		badge_put(b);
		return -EPERM;
	}
	b->b_level = level;
	badge_put(b);
	return 0;
}
