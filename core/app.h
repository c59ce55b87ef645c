/**
 * @file app.h  The application context: everything process-wide lives here
 */
#ifndef APP_H
#define APP_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>

#define APP_MAX_LOOPS 64

struct cfg;
struct loader;
struct fs_req;
struct scopemgr;
struct rest;
struct loop;
struct worker;
struct dbpool;
struct shard;
struct registry;
struct update;
struct loopstat;
struct cluster;
struct life;
struct sipcheck_stats;

/* One loop's figures for /metrics: each written by its loop's thread,
 * read atomically by the listener's */
struct app_loop_stats {
	uint32_t timers;       /* armed when the loop last went to sleep */
	uint32_t calls_active; /* calls this loop owns */
	uint64_t calls_total;
	int tid; /* the loop's thread, for its CPU time; 0 until it runs */
	/* WebSocket applications (call/ws_app.c), summed in /metrics */
	struct app_ws_stats {
		uint32_t open;       /* sockets up now                  */
		uint64_t opened;     /* handshakes that succeeded       */
		uint64_t reconnects; /* of those, after a drop          */
		uint64_t handshake_failures;
		uint64_t msgs_in, msgs_out;
		uint64_t errors_sent; /* jambonz:error                  */
	} ws;
};

struct app {
	struct cfg *cfg;      /* replaced by a reload (atomic store) */
	const char *cfg_path; /* -c FILE or NULL */
	struct life *life;
	struct loader *loader;
	struct loop *loop;                   /* the first event loop */
	unsigned nloops;                     /* SIP_LOOPS */
	struct shard *shards[APP_MAX_LOOPS]; /* loops 1.. on own threads */
	struct sa loop_addr[APP_MAX_LOOPS];  /* private SIP UDP of each */
	struct registry *registry;           /* call_sid -> loop */
	struct update *update;               /* updateCall across loops */
	struct loopstat *loopstat;           /* /metrics of every loop */
	struct cluster *cluster; /* other instances (Redis), or NULL */
	struct worker *workers;  /* blocking work: speech, decoding */
	struct dbpool *dbpool;   /* MySQL directory pool, or NULL */
	struct fs_req *req;      /* borrowed from loop, for /metrics */
	struct scopemgr *scopes; /* borrowed from loop, for /metrics */
	struct rest *rest;
	char http_addr[64];    /* where the REST listener really is bound */
	uint64_t started_ms;   /* tmr_jiffies() at start */
	uint32_t calls_active; /* all loops: updated atomically */
	uint64_t calls_total;
	bool draining;
	struct sipcheck_stats *sipstats; /* SIP admission: atomic, or NULL */
	struct app_loop_stats loops[APP_MAX_LOOPS];
	/* X-Jambonz-FS-UUID of every outdial and the Redis set fsUUIDs:
	 * one per process, made at start */
	char fs_uuid[37]; /* UUID_STR_LEN of base/uuid.h */
};

#endif
