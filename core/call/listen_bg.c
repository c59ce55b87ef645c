/**
 * @file listen_bg.c  The call's background listen: config's listen
 *                    (jambonz's BackgroundTaskManager 'listen'), beside
 *                    the verb list until it ends, config stops it, or the
 *                    call ends
 *
 * Nothing in the call holds it: it holds itself, bound to the call's
 * scope (whose close frees it), and answers an event on that scope,
 * so that config can find it to stop it, or learn that one runs.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_listen.h>
#include "call/listen_int.h"

/* data: "stop", or "probe" (only counts the listeners) */
#define LISTEN_BG_EV "listen_bg"

static void listen_bg_free(void *arg)
{
	mem_deref(arg);
}

/* Let go of our own reference, off the stack of whoever stopped us */
static void listen_bg_release(struct fs_listen *l)
{
	fs_listener_cancel(l->bind);
	l->bind = NULL;
	tmr_start(&l->free_tmr, 0, listen_bg_free, l);
}

static void listen_bg_end(const char *why, struct json_object *result,
			  void *arg)
{
	struct fs_listen *l = arg;

	(void)why;
	json_object_put(result);
	if (l)
		listen_bg_release(l);
}

/* The call's scope closes: our own closed first, with everything */
static void listen_bg_gone(void *arg)
{
	struct fs_listen *l = arg;

	l->bind = NULL;
	tmr_start(&l->free_tmr, 0, listen_bg_free, l);
}

static void listen_bg_event(int err, const char *ev, void *data, void *arg)
{
	struct fs_listen *l = arg;

	(void)err;
	(void)ev;
	if (!data || strcmp(data, "stop") || l->ended)
		return;
	fs_info(l->log, "%s: %s: background listen stopped", fs_call_sid(l->c),
		l->url_log);
	fs_listen_stop(l);
	listen_bg_release(l);
}

static int listen_bg_start(struct fs_call *c, const struct json_object *spec)
{
	const struct fs_listen_opts o = {.post_hook = true};
	struct fs_scope *cs = fs_call_scope(c);
	struct fs_listen *l;
	int err;

	if (fs_scope_emit(cs, LISTEN_BG_EV, "probe")) {
		fs_info("listen", "%s: a background listen runs: skipped",
			fs_call_sid(c));
		return EALREADY;
	}
	err = fs_listen_start(&l, c, cs, spec, &o, listen_bg_end, NULL);
	if (err)
		return err;
	if (fs_listen_ended(l)) {
		mem_deref(l);
		return 0;
	}
	l->bg = true;
	l->arg = l;
	err = fs_scope_listen(l->scope, LISTEN_BG_EV, 0, listen_bg_event, l,
			      NULL);
	if (!err)
		err = fs_scope_bind(cs, listen_bg_gone, l, &l->bind);
	if (err) {
		fs_listen_stop(l);
		mem_deref(l);
		return err;
	}
	/* our reference is now the listen's own */
	return 0;
}

int fs_listen_background(struct fs_call *c, const struct json_object *spec)
{
	struct json_object *v;

	if (!c)
		return EINVAL;
	if (spec && json_object_object_get_ex(spec, "enable", &v) &&
	    json_object_get_boolean(v)) {
		struct json_object *s = json_object_new_object();
		int err;

		if (!s)
			return ENOMEM;
		/* the listen's properties without enable, as jambonz */
		json_object_object_foreach((struct json_object *)spec, k, kv)
		{
			if (strcmp(k, "enable"))
				json_object_object_add(s, k,
						       json_object_get(kv));
		}
		err = listen_bg_start(c, s);
		json_object_put(s);
		return err;
	}
	if (!fs_scope_emit(fs_call_scope(c), LISTEN_BG_EV, "stop"))
		return ENOENT;
	return 0;
}
