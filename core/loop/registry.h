/**
 * @file registry.h  Which event loop owns a call (call_sid -> loop)
 *
 * REST requests arrive on the first loop; a call may live on another.
 * The registry is the one structure shared by all loops, behind a mutex,
 * holding plain data only. With a cluster, every entry is also shared
 * with the other instances (cluster/cluster.h).
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>
#include <stdint.h>

struct registry;

struct cluster;

/** @param cl Mirror entries to the other instances (may be NULL) */
int registry_alloc(struct registry **rp, struct cluster *cl);
void registry_add(struct registry *r, const char *sid, unsigned loop);
void registry_del(struct registry *r, const char *sid);

/** @return the owning loop, or -1 when the call is not known */
int registry_find(struct registry *r, const char *sid);

#endif
