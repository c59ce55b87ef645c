/**
 * @file req_wsapi.c  The plugin side of WebSocket connections
 *                    (include/fs/fs_ws.h) over req_ws.c, bound to a scope
 */
#include <errno.h>
#include <re.h>
#include <fs/fs_req.h>
#include <fs/fs_scope.h>
#include <fs/fs_ws.h>
#include "http/req.h"

struct fs_ws {
	struct req_ws_conn *conn;
	struct fs_listener *bind; /* in the owner's scope */
	fs_ws_open_h *openh;
	fs_ws_text_h *texth;
	fs_ws_bin_h *binh;
	fs_ws_close_h *closeh;
	void *arg;
};

static void req_wsapi_destructor(void *arg)
{
	struct fs_ws *w = arg;

	req_ws_close(w->conn);
	mem_deref(w->conn);
}

/* the scope closed: the connection goes with it, silently */
static void req_wsapi_release(void *arg)
{
	struct fs_ws *w = arg;

	w->bind = NULL;
	mem_deref(w);
}

static void req_wsapi_estab(void *arg)
{
	struct fs_ws *w = arg;

	if (w->openh)
		w->openh(w->arg);
}

static void req_wsapi_text(const char *text, size_t len, void *arg)
{
	struct fs_ws *w = arg;

	if (w->texth)
		w->texth(text, len, w->arg);
}

static void req_wsapi_bin(const uint8_t *data, size_t len, void *arg)
{
	struct fs_ws *w = arg;

	if (w->binh)
		w->binh(data, len, w->arg);
}

static void req_wsapi_closed(int err, void *arg)
{
	struct fs_ws *w = mem_ref(arg);

	/* the handle stays valid through the handler, even when it calls
	 * fs_ws_close() */
	if (w->closeh)
		w->closeh(err, w->arg);
	if (w->bind)
		fs_ws_close(w);
	mem_deref(w);
}

int fs_ws_open(struct fs_ws **wp, struct fs_req *req, struct fs_scope *scope,
	       const struct fs_hook *hook, const struct fs_ws_opts *opts,
	       fs_ws_open_h *openh, fs_ws_text_h *texth, fs_ws_bin_h *binh,
	       fs_ws_close_h *closeh, void *arg)
{
	struct req_ws_opts ro = {0};
	struct fs_ws *w;
	int err;

	if (!wp || !req || !scope || !hook || !closeh)
		return EINVAL;
	if (fs_scope_closed(scope))
		return ESHUTDOWN;
	w = mem_zalloc(sizeof(*w), req_wsapi_destructor);
	if (!w)
		return ENOMEM;
	w->openh = openh;
	w->texth = texth;
	w->binh = binh;
	w->closeh = closeh;
	w->arg = arg;
	if (opts) {
		ro.subprotocol = opts->subprotocol;
		ro.handshake_ms = opts->handshake_ms;
		ro.max_payload = opts->max_payload;
	}
	err = req_ws_open(&w->conn, req, hook, &ro, req_wsapi_estab,
			  req_wsapi_text, req_wsapi_closed, w);
	if (!err && binh)
		req_ws_set_bin(w->conn, req_wsapi_bin);
	if (!err)
		err = fs_scope_bind(scope, req_wsapi_release, w, &w->bind);
	if (err) {
		mem_deref(w);
		return err;
	}
	*wp = w;
	return 0;
}

int fs_ws_send_text(struct fs_ws *w, const char *text)
{
	return w ? req_ws_send(w->conn, text) : EINVAL;
}

int fs_ws_send_bin(struct fs_ws *w, const void *data, size_t len)
{
	return w ? req_ws_send_bin(w->conn, data, len) : EINVAL;
}

size_t fs_ws_queued(const struct fs_ws *w)
{
	return w ? req_ws_txq(w->conn) : 0;
}

int fs_ws_is_open(const struct fs_ws *w)
{
	return w && req_ws_is_open(w->conn);
}

void fs_ws_close(struct fs_ws *w)
{
	if (!w || !w->bind)
		return;
	fs_listener_cancel(w->bind);
	w->bind = NULL;
	req_ws_close(w->conn);
	w->openh = NULL;
	w->texth = NULL;
	w->binh = NULL;
	w->closeh = NULL;
	mem_deref(w);
}
