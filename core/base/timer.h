/**
 * @file timer.h  The timer heap behind libre's tmr_* API
 *
 * core/base/timer.c defines tmr_init, tmr_start, tmr_cancel, tmr_poll,
 * tmr_next_timeout, tmr_get_expire, tmr_status and tmr_debug; the
 * binaries export them, so libre.so's own calls (through its PLT) reach
 * them too. This header adds what libre has no API for: the figures of
 * a thread's heap, a check that the override is in effect, and entry
 * points that take the clock as an argument (tests and benchmarks).
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

struct list;
struct tmr;

/** The calling thread's timer list (libre's main.c exports it without a
 * prototype); the timer heap of that thread hangs off it */
struct list *tmrl_get(void);

/** Timers armed on a timer list */
uint32_t timer_pending(const struct list *tmrl);

/** tmr_poll() calls on the calling thread since it started */
uint64_t timer_polls(void);

/**
 * Publish the calling thread's count of armed timers into *gauge each
 * time its loop is about to sleep (tmr_next_timeout(), an atomic store),
 * for /metrics on another thread; NULL stops it. The gauge must outlive
 * the thread's loop.
 */
void timer_gauge_set(uint32_t *gauge);

/**
 * Check that the process resolves tmr_* to this implementation, i.e.
 * that libre.so's calls come here and not to its own list
 *
 * @return 0 if so, ENOSYS if the binary does not export them
 */
int timer_check(void);

/* The same operations on a clock given by the caller (milliseconds, like
 * tmr_jiffies()); tmr_start() is timer_start_at(tmrl_get(), tmr,
 * tmr_jiffies(), ...) and so on. */
void timer_start_at(struct list *tmrl, struct tmr *tmr, uint64_t now,
		    uint64_t delay, void (*th)(void *arg), void *arg);
void timer_poll_at(struct list *tmrl, uint64_t now);
uint64_t timer_next_at(const struct list *tmrl, uint64_t now);
uint64_t timer_expire_at(const struct tmr *tmr, uint64_t now);

#endif
