/**
 * @file tmr_ref.h  libre 1.1.0's timer list (src/tmr/tmr.c), as reference
 *
 * The executable overrides libre's tmr_* (core/base/timer.c), so the
 * original cannot be called to compare against. This is its algorithm,
 * line for line, with the clock as an argument: the list is sorted by
 * expiry; a start searches from the head for delay 0 (insert before the
 * first later timer) and from the tail otherwise (insert after the last
 * timer not later), so equal expiries keep their start order; a poll
 * takes the head while it is due, with the clock read once. Only the
 * debug wrapper around the handler (off in Debian's RELEASE build) is
 * left out. Static functions: tests/unit/check_tmr.c and
 * bench/timers/tmr_bench.c include it.
 */
#ifndef TMR_REF_H
#define TMR_REF_H

#include <re.h>

static inline bool ref_inspos_handler(struct le *le, void *arg)
{
	struct tmr *tmr = le->data;
	const uint64_t now = *(uint64_t *)arg;

	return tmr->jfs <= now;
}

static inline bool ref_inspos_handler_0(struct le *le, void *arg)
{
	struct tmr *tmr = le->data;
	const uint64_t now = *(uint64_t *)arg;

	return tmr->jfs > now;
}

static inline void ref_tmr_poll(struct list *tmrl, uint64_t jfs)
{
	for (;;) {
		struct tmr *tmr;
		tmr_h *th;
		void *th_arg;

		tmr = list_ledata(tmrl->head);

		if (!tmr || (tmr->jfs > jfs)) {
			break;
		}

		th = tmr->th;
		th_arg = tmr->arg;

		tmr->th = NULL;

		list_unlink(&tmr->le);

		if (!th)
			continue;

		th(th_arg);
	}
}

static inline uint64_t ref_tmr_next_timeout(struct list *tmrl, uint64_t jif)
{
	const struct tmr *tmr;

	tmr = list_ledata(tmrl->head);
	if (!tmr)
		return 0;

	if (tmr->jfs <= jif)
		return 1;
	else
		return tmr->jfs - jif;
}

static inline void ref_tmr_start(struct list *tmrl, struct tmr *tmr,
				 uint64_t now, uint64_t delay, tmr_h *th,
				 void *arg)
{
	struct le *le;

	if (!tmr)
		return;

	if (tmr->th) {
		list_unlink(&tmr->le);
	}

	tmr->th = th;
	tmr->arg = arg;

	if (!th)
		return;

	tmr->jfs = delay + now;

	if (delay == 0) {
		le = list_apply(tmrl, true, ref_inspos_handler_0, &tmr->jfs);
		if (le) {
			list_insert_before(tmrl, le, &tmr->le, tmr);
		} else {
			list_append(tmrl, &tmr->le, tmr);
		}
	} else {
		le = list_apply(tmrl, false, ref_inspos_handler, &tmr->jfs);
		if (le) {
			list_insert_after(tmrl, le, &tmr->le, tmr);
		} else {
			list_prepend(tmrl, &tmr->le, tmr);
		}
	}
}

static inline void ref_tmr_cancel(struct list *tmrl, struct tmr *tmr)
{
	ref_tmr_start(tmrl, tmr, 0, 0, NULL, NULL);
}

static inline uint64_t ref_tmr_get_expire(const struct tmr *tmr, uint64_t jfs)
{
	if (!tmr || !tmr->th)
		return 0;

	return (tmr->jfs > jfs) ? (tmr->jfs - jfs) : 0;
}

#endif
