/**
 * @file target.h  Where a dial or createCall target goes: its SIP URI
 */
#ifndef TARGET_H
#define TARGET_H

#include <stddef.h>

struct cfg;
struct json_object;

/**
 * Resolve a target ({type: phone|sip|user, number, sipUri, name,
 * proxy}) to a Request-URI and an optional outbound proxy route.
 *
 * @param urip   Returns the URI (new string)
 * @param routep Returns the route URI or NULL (new string)
 * @param err    Receives why when the target cannot be called
 * @return 0, EINVAL (bad target), ENOTSUP (type not supported)
 */
int target_resolve(const struct cfg *cfg, const struct json_object *target,
		   char **urip, char **routep, char *err, size_t errsz);

#endif
