/**
 * @file scope.h  Core side of the listener manager: roots and stats
 */
#ifndef SCOPE_H
#define SCOPE_H

#include <fs/fs_scope.h>

struct json_object;
struct scopemgr;

struct scope_stats {
	uint64_t scopes;   /* live scopes                         */
	uint64_t live;     /* live listeners (incl. bound)        */
	uint64_t peak;     /* highest live ever                   */
	uint64_t timeouts; /* listener timeouts fired             */
	uint64_t refusals; /* listens refused by the ceiling      */
	uint64_t emitted;  /* handler invocations from emit       */
};

/**
 * One manager per event loop; it holds the ceiling and the stats.
 *
 * @param mp            Returns a new reference
 * @param max_listeners Listeners (and bound resources) per scope; 0 = no
 *                      ceiling
 */
int scopemgr_alloc(struct scopemgr **mp, uint32_t max_listeners);
void scopemgr_set_max(struct scopemgr *m, uint32_t max_listeners);
void scopemgr_stats(const struct scopemgr *m, struct scope_stats *st);

/**
 * Add "live", "peak", "timeouts", "refusals", "scopes", "emitted" and
 * "max" (the ceiling) to obj
 */
int scopemgr_metrics(const struct scopemgr *m, struct json_object *obj);

/**
 * Allocate a root scope (a call). Takes a reference to m.
 *
 * @return 0, EINVAL, ENOMEM
 */
int scope_alloc_root(struct fs_scope **sp, struct scopemgr *m,
		     const char *name);

#endif
