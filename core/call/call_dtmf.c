/**
 * @file call_dtmf.c  DTMF sent toward the caller (include/fs/fs_sip.h):
 *                    RFC 4733 events on the call's RTP when the call
 *                    negotiated telephone-event, else SIP INFO
 *
 * The INFO fallback sends what FreeSWITCH's sofia sends for jambonz when
 * no telephone-event was negotiated: application/dtmf-relay,
 * "Signal=5\r\nDuration=500\r\n", one digit a request, the next one the
 * digit's duration and a gap after the previous, once it was answered.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/log.h"
#include "call/call.h"
#include "media/media.h"

#define CALL_DTMF_MAX    64
#define CALL_DTMF_GAP_MS 100 /* between digits, as the RTP events */

struct call_dtmf {
	struct fs_call *c;
	struct fs_scope *scope; /* the INFO requests and their timers */
	struct fs_listener *bind;
	fs_dtmf_h *h;
	void *arg;
	char digits[CALL_DTMF_MAX + 1];
	size_t i;
	uint32_t ms;
	bool rtp;
};

static void call_dtmf_destructor(void *arg)
{
	struct call_dtmf *d = arg;

	if (d->scope)
		fs_scope_close(d->scope);
	mem_deref(d->scope);
}

/* the owner's scope closed: nothing more is sent, h does not run */
static void call_dtmf_release(void *arg)
{
	struct call_dtmf *d = arg;

	d->bind = NULL;
	if (d->rtp && d->c->media)
		media_stream_dtmf_stop(d->c->media);
	mem_deref(d);
}

static void call_dtmf_finish(struct call_dtmf *d, int err)
{
	fs_dtmf_h *h = d->h;
	void *harg = d->arg;

	fs_listener_cancel(d->bind);
	mem_deref(d);
	if (h)
		h(err, harg);
}

static void call_dtmf_rtp_done(int err, void *arg)
{
	call_dtmf_finish(arg, err);
}

static int call_dtmf_info_send(struct call_dtmf *d);

static void call_dtmf_next(int err, const char *ev, void *data, void *arg)
{
	struct call_dtmf *d = arg;

	(void)err;
	(void)ev;
	(void)data;
	err = call_dtmf_info_send(d);
	if (err)
		call_dtmf_finish(d, err);
}

static void call_dtmf_info_resp(int err, uint16_t scode, const char *reason,
				void *arg)
{
	struct call_dtmf *d = arg;

	(void)reason;
	if (!err && scode >= 300)
		err = EPROTO;
	if (!err && ++d->i < strlen(d->digits))
		err = fs_scope_listen(d->scope, NULL, d->ms + CALL_DTMF_GAP_MS,
				      call_dtmf_next, d, NULL);
	else if (!err) {
		call_dtmf_finish(d, 0);
		return;
	}
	if (err)
		call_dtmf_finish(d, err);
}

static int call_dtmf_info_send(struct call_dtmf *d)
{
	struct fs_sipreq r = {0};
	char body[64];
	int n;

	n = re_snprintf(body, sizeof(body), "Signal=%c\r\nDuration=%u\r\n",
			d->digits[d->i], d->ms);
	if (n < 0)
		return ENOMEM;
	r.method = "INFO";
	r.ctype = "application/dtmf-relay";
	r.body = body;
	r.body_len = (size_t)n;
	r.what = "dtmf";
	return fs_call_request(d->c, d->scope, &r, call_dtmf_info_resp, d);
}

bool fs_call_telev(const struct fs_call *c)
{
	return c && c->media && media_stream_telev(c->media);
}

int fs_call_dtmf(struct fs_call *c, struct fs_scope *scope, const char *digits,
		 uint32_t duration_ms, fs_dtmf_h *h, void *arg)
{
	struct call_dtmf *d;
	size_t n = digits ? strlen(digits) : 0;
	int err;

	if (!c || !scope || !n || n > CALL_DTMF_MAX || duration_ms < 40 ||
	    duration_ms > 8000)
		return EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789*#ABCDabcd", digits[i]))
			return EINVAL;
	if (c->closing || c->state != CALL_ANSWERED)
		return ENOTCONN;
	d = mem_zalloc(sizeof(*d), call_dtmf_destructor);
	if (!d)
		return ENOMEM;
	d->c = c;
	d->h = h;
	d->arg = arg;
	d->ms = duration_ms;
	str_ncpy(d->digits, digits, sizeof(d->digits));
	d->rtp = fs_call_telev(c);
	err = fs_scope_alloc(&d->scope, scope, "dtmf");
	if (!err)
		err = fs_scope_bind(scope, call_dtmf_release, d, &d->bind);
	if (err) {
		mem_deref(d);
		return err;
	}
	if (d->rtp) {
		err = media_stream_dtmf(c->media, digits, duration_ms,
					call_dtmf_rtp_done, d);
		if (!err)
			fs_info("call",
				"%s: dtmf: %zu digits as RFC 4733 "
				"events, %u ms each",
				c->sid, n, duration_ms);
	} else {
		err = call_dtmf_info_send(d);
		if (!err)
			fs_info("call",
				"%s: dtmf: %zu digits as SIP INFO "
				"(no telephone-event), %u ms each",
				c->sid, n, duration_ms);
	}
	if (err) {
		fs_listener_cancel(d->bind);
		mem_deref(d);
	}
	return err;
}
