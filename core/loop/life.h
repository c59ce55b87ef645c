/**
 * @file life.h  Lifecycle: reload, drain, readiness (signals, REST, systemd)
 *
 *   SIGHUP   reload configuration and rescan plugins
 *   SIGUSR1  drain: refuse new calls (INVITE and OPTIONS get 503)
 *   SIGUSR2  drain, and exit when the last call has ended
 *   SIGTERM  stop now (calls are hung up)
 */
#ifndef LIFE_H
#define LIFE_H

#include <stdbool.h>
#include <stddef.h>

struct app;
struct life;

/** Watch the signals above on the calling (first) loop */
int life_alloc(struct life **lp, struct app *app);

/** Tell systemd (when it started us) that we are ready */
void life_ready(struct life *lf);

/**
 * Reload: a configuration that fails to load is refused and nothing
 * changes; otherwise what can change at run time is applied, settings
 * that need a restart are named in the log, and plugins are rescanned.
 *
 * @param msg Receives a one-line summary (or the refusal's reason)
 * @return 0 or EINVAL (refused)
 */
int life_reload(struct life *lf, char *msg, size_t msgsz);

struct json_object;

/** Add "reloads" (applied) and "retained" (old settings not yet freed) */
int life_metrics(const struct life *lf, struct json_object *obj);

/** Start draining; with exit_when_idle the process ends at zero calls */
void life_drain(struct life *lf, bool exit_when_idle);

#endif
