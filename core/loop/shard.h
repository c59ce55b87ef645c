/**
 * @file shard.h  Event loops 1..SIP_LOOPS-1, each on its own thread
 */
#ifndef SHARD_H
#define SHARD_H

struct app;
struct loop;
struct shard;

/** Work for a shard's thread, given the shard's loop */
typedef void(shard_h)(struct loop *l, void *arg);

/**
 * Start loop idx on a new thread and wait until it is ready.
 *
 * @return 0, or the loop's start-up error
 */
int shard_start(struct shard **sp, struct app *app, unsigned idx);

/** @return the shard's loop (only to be used on the shard's thread) */
struct loop *shard_loop(const struct shard *s);

/**
 * Run h on the shard's thread, after every event queued before it. arg
 * crosses threads: it must be plain data or owned by h from now on.
 *
 * @return 0 (h will run unless the shard stops first), EINVAL, ENOMEM
 */
int shard_call(struct shard *s, shard_h *h, void *arg);

#include <stdint.h>

/**
 * Apply reloaded settings on the shard's thread. Once it has, the shard
 * reads no older configuration: shard_cfg_gen() then returns gen.
 */
int shard_reconf(struct shard *s, uint64_t gen);

/** @return the last configuration generation the shard applied */
uint64_t shard_cfg_gen(const struct shard *s);

/** Hang up the loop's calls, stop it and join its thread */
void shard_stop(struct shard *s);

#endif
