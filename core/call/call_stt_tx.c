/**
 * @file call_stt_tx.c  A call's transcription: the transcribe verb's,
 *                      and dial's nested one (include/fs/fs_stt.h)
 *
 * One recognition per channel (1 the caller, 2 the bridged party, as
 * jambonz's nested transcribe gives each leg its own), each running
 * until stopped: its results go to the transcriptionHook, its vendor
 * is replaced once by recognizer.fallbackVendor when it cannot start or
 * fails (jambonz's transcribe does not wait for a first result, as
 * gather does). Pause keeps the streams open and drops what comes
 * meanwhile. Everything lives in a scope of our own under the owner's.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include <fs/fs_stt.h>
#include <fs/fs_tap.h>
#include "base/jsonutil.h"
#include "base/log.h"
#include "call/call.h"
#include "call/call_stt.h"
#include "speech/stt.h"

struct tx_chan {
	struct fs_transcribe *tx;
	struct fs_stt *stt; /* NULL once it ended */
	struct json_object *recog;
	unsigned ch;
	bool fell_back;
};

struct fs_transcribe {
	struct fs_call *c;
	struct fs_scope *scope; /* ours */
	struct fs_tap *tap;     /* one for every channel, in our scope */
	struct json_object *hook;
	struct tx_chan chan[2];
	unsigned n;
	bool bridged; /* log lines name the channel */
	bool interim, paused, stopped;
	fs_transcribe_h *h;
	void *arg;
};

static void tx_destructor(void *arg)
{
	struct fs_transcribe *tx = arg;

	/* closing our scope drops the recognitions, silently */
	fs_scope_close(tx->scope);
	mem_deref(tx->scope);
	for (unsigned i = 0; i < tx->n; i++)
		json_object_put(tx->chan[i].recog);
	json_object_put(tx->hook);
}

/* " (channel 2)" in the log lines of a nested transcribe */
static const char *tx_chname(const struct tx_chan *ch)
{
	if (!ch->tx->bridged)
		return "";
	return ch->ch == 2 ? " (channel 2)" : " (channel 1)";
}

static bool tx_final(const struct json_object *evt)
{
	struct json_object *v;

	return json_object_object_get_ex(evt, "is_final", &v) &&
	       json_object_get_boolean(v);
}

static bool tx_empty(const struct json_object *evt)
{
	struct json_object *alts, *alt, *t;

	if (!json_object_object_get_ex(evt, "alternatives", &alts) ||
	    !(alt = json_object_array_get_idx(alts, 0)) ||
	    !json_object_object_get_ex(alt, "transcript", &t))
		return true;
	return !json_object_get_string_len(t);
}

/* recognizer.fallbackVendor, once per channel */
static bool tx_fallback(struct tx_chan *ch)
{
	struct json_object *r =
		ch->fell_back ? NULL : fs_stt_fallback(ch->recog);
	char esc[48];

	if (!r)
		return false;
	ch->fell_back = true;
	log_escape(esc, sizeof(esc),
		   jsonutil_str(r, "vendor") ? jsonutil_str(r, "vendor") : "");
	fs_info("transcribe", "%s: recognition failed%s: falling back to %s",
		ch->tx->c->sid, tx_chname(ch), esc);
	json_object_put(ch->recog);
	ch->recog = r;
	return true;
}

/* Every channel's recognition is over: the owner is told, once */
static void tx_check_end(struct fs_transcribe *tx)
{
	for (unsigned i = 0; i < tx->n; i++)
		if (tx->chan[i].stt)
			return;
	if (tx->stopped)
		return;
	tx->stopped = true;
	if (tx->h)
		tx->h(tx->arg);
}

static int tx_start_chan(struct tx_chan *ch);

static void tx_result(int err, const struct json_object *evt, void *arg)
{
	struct tx_chan *ch = arg;
	struct fs_transcribe *tx = ch->tx;
	bool final;

	if (tx->stopped)
		return;
	if (err || !evt) {
		ch->stt = NULL; /* gone with this handler's return */
		if (err && tx_fallback(ch) && !tx_start_chan(ch))
			return;
		tx_check_end(tx);
		return;
	}
	final = tx_final(evt);
	if (tx->paused || tx_empty(evt) || (!final && !tx->interim))
		return;
	if (!tx->hook)
		return;
	err = fs_call_stt_hook(tx->c, tx->scope, tx->hook, evt);
	if (err)
		fs_info("transcribe", "%s: transcriptionHook not sent: %m",
			tx->c->sid, err);
}

/* 0, or the error of the last vendor tried (the fallback's) */
static int tx_start_chan(struct tx_chan *ch)
{
	struct fs_transcribe *tx = ch->tx;
	int err;

	err = call_stt_open(&ch->stt, tx->c, tx->scope, ch->recog, ch->ch,
			    tx_result, ch);
	if (!err) {
		fs_stt_pause(ch->stt, tx->paused);
		return 0;
	}
	ch->stt = NULL;
	if (tx_fallback(ch))
		return tx_start_chan(ch);
	/* no credential: the core said why */
	if (err != ENOKEY)
		fs_warn("transcribe", "%s: cannot start%s: %m", tx->c->sid,
			tx_chname(ch), err);
	return err;
}

/* channel 2 hears the bridged party, nothing while no one is */
static void tx_tap(const int16_t *caller, const int16_t *peer, size_t n,
		   void *arg)
{
	struct fs_transcribe *tx = arg;

	for (unsigned i = 0; i < tx->n; i++) {
		const int16_t *pcm = tx->chan[i].ch == 2 ? peer : caller;

		if (tx->chan[i].stt && pcm)
			stt_feed(tx->chan[i].stt, pcm, n);
	}
}

static void tx_status(int err, const char *ev, void *data, void *arg)
{
	struct fs_transcribe *tx = arg;
	const char *st = data;

	(void)err;
	(void)ev;
	if (tx->stopped || !st)
		return;
	tx->paused = !strcmp(st, "pause");
	fs_info("transcribe", "%s: %s", tx->c->sid,
		tx->paused ? "paused" : "resumed");
	for (unsigned i = 0; i < tx->n; i++)
		fs_stt_pause(tx->chan[i].stt, tx->paused);
}

/* Which channels, as jambonz's TaskTranscribe constructor decides */
static unsigned tx_channels(const struct json_object *spec,
			    const struct json_object *recog, bool bridged,
			    unsigned chans[2])
{
	struct json_object *v;

	chans[0] = 1;
	if (!bridged)
		return 1;
	if (json_object_object_get_ex(spec, "channel", &v) &&
	    (json_object_get_int(v) == 1 || json_object_get_int(v) == 2)) {
		chans[0] = (unsigned)json_object_get_int(v);
		return 1;
	}
	if (json_object_object_get_ex(recog, "separateRecognitionPerChannel",
				      &v) &&
	    json_object_is_type(v, json_type_boolean) &&
	    !json_object_get_boolean(v))
		return 1;
	chans[1] = 2;
	return 2;
}

int fs_transcribe_start(struct fs_transcribe **tp, struct fs_call *c,
			struct fs_scope *scope, const struct json_object *spec,
			bool bridged, fs_transcribe_h *h, void *arg)
{
	struct json_object *r = NULL, *v, *recog;
	struct fs_transcribe *tx;
	unsigned chans[2];
	int err = 0, last = 0;

	if (!tp || !c || !scope)
		return EINVAL;
	tx = mem_zalloc(sizeof(*tx), tx_destructor);
	if (!tx)
		return ENOMEM;
	tx->c = c;
	tx->h = h;
	tx->arg = arg;
	tx->bridged = bridged;
	(void)json_object_object_get_ex(spec, "recognizer", &r);
	recog = fs_call_recognizer(c, r);
	if (!recog) {
		err = ENOMEM;
		goto out;
	}
	tx->interim = json_object_object_get_ex(recog, "interim", &v) &&
		      json_object_get_boolean(v);
	if (json_object_object_get_ex(spec, "transcriptionHook", &v))
		tx->hook = json_object_get(v);
	tx->n = tx_channels(spec, recog, bridged, chans);
	for (unsigned i = 0; i < tx->n; i++) {
		tx->chan[i].tx = tx;
		tx->chan[i].ch = chans[i];
		if (i == 0)
			tx->chan[i].recog = json_object_get(recog);
		else if (json_object_deep_copy(recog, &tx->chan[i].recog,
					       NULL))
			err = ENOMEM;
	}
	json_object_put(recog);
	if (!err)
		err = fs_scope_alloc(&tx->scope, scope, "transcribe");
	if (!err)
		err = fs_scope_listen(tx->scope, FS_EV_TRANSCRIBE_STATUS, 0,
				      tx_status, tx, NULL);
	if (!err)
		err = fs_call_tap(&tx->tap, c, tx->scope, tx_tap, tx);
	if (err)
		goto out;
	/* the transcription runs while any channel does */
	err = ENOKEY;
	for (unsigned i = 0; i < tx->n; i++) {
		last = tx_start_chan(&tx->chan[i]);
		if (!last)
			err = 0;
	}
	if (err)
		err = last;
out:
	if (err) {
		tx->stopped = true;
		mem_deref(tx);
		return err;
	}
	*tp = tx;
	return 0;
}

void fs_transcribe_stop(struct fs_transcribe *tx)
{
	if (!tx)
		return;
	tx->stopped = true;
	/* a closed scope took the recognitions with it */
	if (!tx->scope || fs_scope_closed(tx->scope))
		return;
	for (unsigned i = 0; i < tx->n; i++) {
		fs_stt_close(tx->chan[i].stt);
		tx->chan[i].stt = NULL;
	}
	fs_scope_close(tx->scope);
}
