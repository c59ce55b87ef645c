/**
 * @file audio_lru.c  PCM cache (LRU, bounded in bytes) and coalescing of
 *                    concurrent requests for one key
 *
 * Both live on one event loop: the cache holds references to fs_audio
 * objects, whose reference counts are not atomic.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "audio/audio.h"
#include "base/scope.h"

struct audio_lru {
	struct hash *ht; /* key -> entry */
	struct list lru; /* head = most recently used */
	size_t max;
	size_t bytes;
	uint32_t n;
};

struct audio_lru_entry {
	struct le le;  /* in lru */
	struct le hle; /* in ht */
	struct fs_audio *a;
	size_t bytes;
	char *key;
};

/* What an entry costs: its samples plus the bookkeeping around them */
static size_t audio_lru_cost(const struct fs_audio *a, const char *key)
{
	return a->samples * sizeof(int16_t) + strlen(key) + 128;
}

static void audio_lru_entry_destructor(void *arg)
{
	struct audio_lru_entry *e = arg;

	hash_unlink(&e->hle);
	list_unlink(&e->le);
	mem_deref(e->a);
	mem_deref(e->key);
}

static void audio_lru_remove(struct audio_lru *c, struct audio_lru_entry *e)
{
	c->bytes -= e->bytes;
	c->n--;
	mem_deref(e);
}

static void audio_lru_destructor(void *arg)
{
	struct audio_lru *c = arg;
	struct le *le;

	while ((le = list_head(&c->lru)))
		audio_lru_remove(c, le->data);
	mem_deref(c->ht);
}

int audio_lru_alloc(struct audio_lru **lp, size_t max_bytes)
{
	struct audio_lru *c;
	int err;

	if (!lp)
		return EINVAL;
	c = mem_zalloc(sizeof(*c), audio_lru_destructor);
	if (!c)
		return ENOMEM;
	list_init(&c->lru);
	c->max = max_bytes;
	err = hash_alloc(&c->ht, 256);
	if (err) {
		mem_deref(c);
		return err;
	}
	*lp = c;
	return 0;
}

static bool audio_lru_cmp(struct le *le, void *arg)
{
	const struct audio_lru_entry *e = le->data;

	return !strcmp(e->key, arg);
}

static struct audio_lru_entry *audio_lru_find(const struct audio_lru *c,
					      const char *key)
{
	struct le *le = hash_lookup(c->ht, hash_joaat_str(key), audio_lru_cmp,
				    (void *)key);

	return le ? le->data : NULL;
}

struct fs_audio *audio_lru_get(struct audio_lru *c, const char *key)
{
	struct audio_lru_entry *e;

	if (!c || !key)
		return NULL;
	e = audio_lru_find(c, key);
	if (!e)
		return NULL;
	list_unlink(&e->le);
	list_prepend(&c->lru, &e->le, e);
	return e->a;
}

int audio_lru_put(struct audio_lru *c, const char *key, struct fs_audio *a)
{
	struct audio_lru_entry *e;
	size_t cost;
	int err;

	if (!c || !key || !a)
		return EINVAL;

	e = audio_lru_find(c, key);
	if (e)
		audio_lru_remove(c, e);

	cost = audio_lru_cost(a, key);
	if (cost > c->max)
		return EFBIG;

	/* make room first: the new entry is the most recent */
	while (c->bytes + cost > c->max) {
		struct le *le = list_tail(&c->lru);

		if (!le)
			break;
		audio_lru_remove(c, le->data);
	}

	e = mem_zalloc(sizeof(*e), audio_lru_entry_destructor);
	if (!e)
		return ENOMEM;
	err = str_dup(&e->key, key);
	if (err) {
		mem_deref(e);
		return err;
	}
	e->a = mem_ref(a);
	e->bytes = cost;
	list_prepend(&c->lru, &e->le, e);
	hash_append(c->ht, hash_joaat_str(key), &e->hle, e);
	c->bytes += cost;
	c->n++;
	return 0;
}

void audio_lru_usage(const struct audio_lru *c, uint32_t *entries,
		     size_t *bytes)
{
	if (entries)
		*entries = c ? c->n : 0;
	if (bytes)
		*bytes = c ? c->bytes : 0;
}


/* ---- coalescing ---- */

struct audio_pend {
	struct le le; /* in the owner's list, which holds the ref */
	struct list waiters;
	char *key;
};

struct audio_waiter {
	struct le le;          /* in pend->waiters */
	struct fs_listener *l; /* binding in the waiter's scope, or NULL */
	fs_audio_h *h;
	void *arg;
};

static void audio_pend_destructor(void *arg)
{
	struct audio_pend *p = arg;

	list_unlink(&p->le);
	mem_deref(p->key);
}

int audio_pend_alloc(struct audio_pend **pp, struct list *list,
		     const char *key)
{
	struct audio_pend *p;
	int err;

	if (!pp || !list || !key)
		return EINVAL;
	p = mem_zalloc(sizeof(*p), audio_pend_destructor);
	if (!p)
		return ENOMEM;
	list_init(&p->waiters);
	err = str_dup(&p->key, key);
	if (err) {
		mem_deref(p);
		return err;
	}
	list_append(list, &p->le, p);
	*pp = p;
	return 0;
}

struct audio_pend *audio_pend_find(const struct list *list, const char *key)
{
	struct le *le;

	if (!list || !key)
		return NULL;
	LIST_FOREACH(list, le) {
		struct audio_pend *p = le->data;

		if (!strcmp(p->key, key))
			return p;
	}
	return NULL;
}

const char *audio_pend_key(const struct audio_pend *p)
{
	return p ? p->key : NULL;
}

/* The waiter's scope closed: forget the waiter, the work goes on */
static void audio_waiter_release(void *arg)
{
	struct audio_waiter *w = arg;

	list_unlink(&w->le);
	mem_deref(w);
}

int audio_pend_wait(struct audio_pend *p, struct fs_scope *scope,
		    fs_audio_h *h, void *arg)
{
	struct audio_waiter *w;
	int err;

	if (!p || !h)
		return EINVAL;
	w = mem_zalloc(sizeof(*w), NULL);
	if (!w)
		return ENOMEM;
	w->h = h;
	w->arg = arg;
	if (scope) {
		err = fs_scope_bind(scope, audio_waiter_release, w, &w->l);
		if (err) {
			mem_deref(w);
			return err;
		}
	}
	list_append(&p->waiters, &w->le, w);
	return 0;
}

/* Take the first waiter off p, unbound from its scope; NULL when none */
static struct audio_waiter *audio_pend_pop(struct audio_pend *p)
{
	struct le *le = list_head(&p->waiters);
	struct audio_waiter *w;

	if (!le)
		return NULL;
	w = le->data;
	list_unlink(&w->le);
	fs_listener_cancel(w->l);
	w->l = NULL;
	return w;
}

void audio_pend_finish(struct audio_pend *p, int err, struct fs_audio *audio)
{
	struct audio_waiter *w;

	if (!p)
		return;

	/* unlinked first: a handler asking for the key starts afresh */
	list_unlink(&p->le);
	mem_ref(audio);

	/*
	 * One at a time: a handler may close the scope of a later waiter,
	 * whose release handler then unlinks it from p->waiters.
	 */
	while ((w = audio_pend_pop(p))) {
		fs_audio_h *h = w->h;
		void *arg = w->arg;

		mem_deref(w);
		h(err, err ? NULL : audio, arg);
	}

	mem_deref(audio);
	mem_deref(p);
}

void audio_pend_abort(struct audio_pend *p)
{
	struct audio_waiter *w;

	if (!p)
		return;
	list_unlink(&p->le);
	while ((w = audio_pend_pop(p)))
		mem_deref(w);
	mem_deref(p);
}
