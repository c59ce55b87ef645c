/**
 * @file scope.c  Scoped listener manager: scopes, listeners, bound resources
 *
 * A scope owns its listeners (one reference each, held through the scope's
 * list) and knows its open children through a weak list: a child does not
 * keep its parent alive, and closing a parent closes and unlinks every
 * child, so the weak links never dangle. Every scope holds a reference on
 * its manager, which keeps the ceiling and the process-visible stats.
 *
 * Handlers may cancel listeners, add listeners, or close scopes while an
 * emit or a timeout is running. Emit therefore works on a snapshot of
 * referenced listeners and skips any that were removed since; removal
 * clears the `active` flag, and nothing that was removed ever runs again.
 */
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "base/scope.h"
#include "base/log.h"

struct scopemgr {
	uint32_t max; /* per-scope ceiling, 0 = none */
	struct scope_stats st;
};

struct fs_scope {
	struct le le;            /* in parent->children while both are open */
	struct list children;    /* weak links to open child scopes */
	struct list listeners;   /* owned, in registration order */
	struct fs_scope *parent; /* weak, NULL for a root or once unlinked */
	struct scopemgr *mgr;    /* reference */
	uint32_t nlisteners;
	bool closed;
	bool warned; /* ceiling warning logged once per scope */
	char name[];
};

struct fs_listener {
	struct le le;        /* in sc->listeners while active */
	struct fs_scope *sc; /* owner, NULL once removed */
	struct tmr tmr;
	fs_listener_h *h;
	fs_release_h *relh;
	void *arg;
	bool active;
	bool has_ev;
	char ev[];
};

/* Listeners gathered by an emit before any handler runs */
struct scope_snap {
	struct fs_listener **v;
	size_t n;
	size_t cap;
	struct fs_listener *stack[32];
};

/**
 * Allocate a listener manager.
 *
 * @param mp            Returns a new reference
 * @param max_listeners Per-scope ceiling (0 = none)
 * @return 0, EINVAL, ENOMEM
 */
int scopemgr_alloc(struct scopemgr **mp, uint32_t max_listeners)
{
	struct scopemgr *m;

	if (!mp)
		return EINVAL;
	m = mem_zalloc(sizeof(*m), NULL);
	if (!m)
		return ENOMEM;
	m->max = max_listeners;
	*mp = m;
	return 0;
}

/**
 * Change the per-scope ceiling (reload). Scopes already above it keep
 * their listeners; only new listens are refused.
 */
void scopemgr_set_max(struct scopemgr *m, uint32_t max_listeners)
{
	if (m)
		m->max = max_listeners;
}

/** Copy the manager's stats into st (zeroes when m is NULL) */
void scopemgr_stats(const struct scopemgr *m, struct scope_stats *st)
{
	if (!st)
		return;
	if (!m) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = m->st;
}

static int scopemgr_add(struct json_object *obj, const char *key, uint64_t v)
{
	struct json_object *n = json_object_new_int64((int64_t)v);

	if (!n)
		return ENOMEM;
	if (json_object_object_add(obj, key, n)) {
		json_object_put(n);
		return ENOMEM;
	}
	return 0;
}

/**
 * Add the stats to a JSON object: live, peak, timeouts, refusals, scopes,
 * emitted, max.
 *
 * @param m   Manager (borrowed)
 * @param obj JSON object to add to (borrowed)
 * @return 0, EINVAL, ENOMEM
 */
int scopemgr_metrics(const struct scopemgr *m, struct json_object *obj)
{
	int err = 0;

	if (!m || !obj || !json_object_is_type(obj, json_type_object))
		return EINVAL;
	err |= scopemgr_add(obj, "live", m->st.live);
	err |= scopemgr_add(obj, "peak", m->st.peak);
	err |= scopemgr_add(obj, "timeouts", m->st.timeouts);
	err |= scopemgr_add(obj, "refusals", m->st.refusals);
	err |= scopemgr_add(obj, "scopes", m->st.scopes);
	err |= scopemgr_add(obj, "emitted", m->st.emitted);
	err |= scopemgr_add(obj, "max", m->max);
	return err ? ENOMEM : 0;
}

static void listener_destructor(void *arg)
{
	struct fs_listener *l = arg;

	/* only reached once removed, but a stray timer must never fire */
	tmr_cancel(&l->tmr);
}

/*
 * Take l out of its scope and drop the scope's reference. With release
 * set, a bound resource's release handler runs first (scope close only).
 * Idempotent, so handlers may race a close or a timeout with a cancel.
 */
static void listener_remove(struct fs_listener *l, bool release)
{
	struct fs_scope *sc = l->sc;

	if (!l->active)
		return;
	l->active = false;
	tmr_cancel(&l->tmr);
	list_unlink(&l->le);
	l->sc = NULL;
	sc->nlisteners--;
	sc->mgr->st.live--;

	/* the scope's reference still pins l while the handler runs */
	if (release && l->relh)
		l->relh(l->arg);
	mem_deref(l);
}

static void scope_close_int(struct fs_scope *sc)
{
	struct le *le;

	if (sc->closed)
		return;

	/* set first: nothing can be added while we tear down */
	sc->closed = true;

	while ((le = list_tail(&sc->children))) {
		struct fs_scope *child = le->data;

		/* a release handler in the child may drop its last ref */
		mem_ref(child);
		scope_close_int(child);
		mem_deref(child);
	}

	while ((le = list_tail(&sc->listeners)))
		listener_remove(le->data, true);

	if (sc->parent) {
		list_unlink(&sc->le);
		sc->parent = NULL;
	}
}

static void scope_destructor(void *arg)
{
	struct fs_scope *sc = arg;

	scope_close_int(sc);
	sc->mgr->st.scopes--;
	mem_deref(sc->mgr);
}

static int scope_new(struct fs_scope **sp, struct scopemgr *m,
		     struct fs_scope *parent, const char *name)
{
	struct fs_scope *sc;
	size_t len;

	if (!name)
		name = "";
	len = strlen(name);
	sc = mem_zalloc(sizeof(*sc) + len + 1, scope_destructor);
	if (!sc)
		return ENOMEM;
	memcpy(sc->name, name, len + 1);
	sc->mgr = mem_ref(m);
	m->st.scopes++;
	if (parent) {
		sc->parent = parent;
		list_append(&parent->children, &sc->le, sc);
	}
	*sp = sc;
	return 0;
}

/**
 * Allocate a root scope (a call).
 *
 * @param sp   Returns a new reference
 * @param m    Manager (takes a reference)
 * @param name Name for logs (copied)
 * @return 0, EINVAL, ENOMEM
 */
int scope_alloc_root(struct fs_scope **sp, struct scopemgr *m,
		     const char *name)
{
	if (!sp || !m)
		return EINVAL;
	return scope_new(sp, m, NULL, name);
}

int fs_scope_alloc(struct fs_scope **sp, struct fs_scope *parent,
		   const char *name)
{
	if (!sp || !parent)
		return EINVAL;
	if (parent->closed)
		return ESHUTDOWN;
	return scope_new(sp, parent->mgr, parent, name);
}

void fs_scope_close(struct fs_scope *sc)
{
	if (!sc)
		return;

	/* a release handler may drop the caller's reference */
	mem_ref(sc);
	scope_close_int(sc);
	mem_deref(sc);
}

int fs_scope_closed(const struct fs_scope *sc)
{
	return !sc || sc->closed;
}

const char *fs_scope_name(const struct fs_scope *sc)
{
	return sc ? sc->name : NULL;
}

static void listener_timeout(void *arg)
{
	struct fs_listener *l = arg;
	fs_listener_h *h = l->h;
	void *harg = l->arg;

	l->sc->mgr->st.timeouts++;

	/* removed before the handler runs, so a re-emit cannot reach it */
	mem_ref(l);
	listener_remove(l, false);
	if (h)
		h(ETIMEDOUT, NULL, NULL, harg);
	mem_deref(l);
}

static int listener_add(struct fs_scope *sc, const char *ev,
			uint32_t timeout_ms, fs_listener_h *h,
			fs_release_h *relh, void *arg, struct fs_listener **lp)
{
	struct scopemgr *m = sc->mgr;
	struct fs_listener *l;
	size_t len = ev ? strlen(ev) : 0;

	if (sc->closed)
		return ESHUTDOWN;
	if (m->max && sc->nlisteners >= m->max) {
		m->st.refusals++;
		if (!sc->warned) {
			sc->warned = true;
			fs_warn("scope",
				"%s: %u listeners, ceiling reached"
				" (JAMBONES_EVENT_MANAGER_MAX_LISTENERS);"
				" refusing more",
				sc->name, sc->nlisteners);
		}
		return ENOSPC;
	}

	l = mem_zalloc(sizeof(*l) + len + 1, listener_destructor);
	if (!l)
		return ENOMEM;
	if (ev) {
		memcpy(l->ev, ev, len + 1);
		l->has_ev = true;
	}
	l->h = h;
	l->relh = relh;
	l->arg = arg;
	l->sc = sc;
	l->active = true;
	tmr_init(&l->tmr);
	list_append(&sc->listeners, &l->le, l);
	sc->nlisteners++;
	m->st.live++;
	if (m->st.live > m->st.peak)
		m->st.peak = m->st.live;
	if (timeout_ms)
		tmr_start(&l->tmr, timeout_ms, listener_timeout, l);
	if (lp)
		*lp = l;
	return 0;
}

int fs_scope_listen(struct fs_scope *sc, const char *ev, uint32_t timeout_ms,
		    fs_listener_h *h, void *arg, struct fs_listener **lp)
{
	if (!sc || !h || (!ev && !timeout_ms))
		return EINVAL;
	return listener_add(sc, ev, timeout_ms, h, NULL, arg, lp);
}

int fs_scope_bind(struct fs_scope *sc, fs_release_h *relh, void *arg,
		  struct fs_listener **lp)
{
	if (!sc || !relh)
		return EINVAL;
	return listener_add(sc, NULL, 0, NULL, relh, arg, lp);
}

void fs_listener_cancel(struct fs_listener *l)
{
	if (l)
		listener_remove(l, false);
}

static int snap_push(struct scope_snap *s, struct fs_listener *l)
{
	if (s->n == s->cap) {
		size_t cap = s->cap * 2;
		struct fs_listener **v;

		if (s->v == s->stack) {
			v = mem_reallocarray(NULL, cap, sizeof(*v), NULL);
			if (v)
				memcpy(v, s->stack, s->n * sizeof(*v));
		} else {
			v = mem_reallocarray(s->v, cap, sizeof(*v), NULL);
		}
		if (!v)
			return ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = mem_ref(l);
	return 0;
}

static int snap_collect(struct scope_snap *s, const struct fs_scope *sc,
			const char *ev)
{
	struct le *le;
	int err;

	LIST_FOREACH(&sc->listeners, le) {
		struct fs_listener *l = le->data;

		if (!l->has_ev || !l->h || strcmp(l->ev, ev))
			continue;
		err = snap_push(s, l);
		if (err)
			return err;
	}
	LIST_FOREACH(&sc->children, le) {
		err = snap_collect(s, le->data, ev);
		if (err)
			return err;
	}
	return 0;
}

uint32_t fs_scope_emit(struct fs_scope *sc, const char *ev, void *data)
{
	struct scope_snap s;
	struct scopemgr *m;
	uint32_t ran = 0;
	int err;

	if (!sc || !ev || sc->closed)
		return 0;

	s.v = s.stack;
	s.n = 0;
	s.cap = sizeof(s.stack) / sizeof(s.stack[0]);

	/* the handlers may drop the last outside reference to sc */
	mem_ref(sc);
	m = mem_ref(sc->mgr);

	err = snap_collect(&s, sc, ev);
	if (err)
		fs_error("scope", "%s: emit %s: %m", sc->name, ev, err);

	/* on ENOMEM deliver to those gathered rather than to none */
	for (size_t i = 0; i < s.n; i++) {
		struct fs_listener *l = s.v[i];

		if (!l->active)
			continue;
		l->h(0, ev, data, l->arg);
		m->st.emitted++;
		ran++;
	}

	for (size_t i = 0; i < s.n; i++)
		mem_deref(s.v[i]);
	if (s.v != s.stack)
		mem_deref(s.v);
	mem_deref(sc);
	mem_deref(m);
	return ran;
}
