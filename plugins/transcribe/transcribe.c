/**
 * @file transcribe.c  The transcribe verb: what the caller says, as it
 *                     is said, to the transcriptionHook
 *
 * Recognition runs until the verb is stopped (the call's end, a new
 * verb list): each final transcript is posted to the transcriptionHook
 * as {speech} plus the call's fields, interim ones too with
 * recognizer.interim. updateCall transcribe_status "pause" stops the
 * audio to the vendor (the stream is kept alive) and drops what comes
 * meanwhile, "resume" starts it again. No credential ends the verb
 * quietly (the core logs why); a vendor failure ends it with one log
 * line, and the list goes on. recognizer.fallbackVendor replaces, once,
 * a vendor that cannot start or fails. The verb JSON is checked against its
 * spec of @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <re.h>
#include <fs/fs.h>
#include <fs/fs_stt.h>
#include "schema.h"

struct transcribe {
	struct fs_task *t;
	struct fs_stt *stt;
	struct json_object *recog;
	bool interim;
	bool paused;
	bool ended;
	bool fell_back;
	uint64_t finals, interims;
};

static void transcribe_destructor(void *arg)
{
	struct transcribe *tr = arg;

	fs_stt_close(tr->stt);
	json_object_put(tr->recog);
}

static const char *transcribe_sid(const struct transcribe *tr)
{
	return fs_call_sid(fs_task_call(tr->t));
}

static void transcribe_end(struct transcribe *tr)
{
	if (tr->ended)
		return;
	tr->ended = true;
	fs_task_done(tr->t, 0, NULL, NULL);
}

static bool transcribe_final(const struct json_object *evt)
{
	struct json_object *v;

	return json_object_object_get_ex(evt, "is_final", &v) &&
	       json_object_get_boolean(v);
}

static bool transcribe_empty(const struct json_object *evt)
{
	struct json_object *alts, *alt, *t;

	if (!json_object_object_get_ex(evt, "alternatives", &alts) ||
	    !(alt = json_object_array_get_idx(alts, 0)) ||
	    !json_object_object_get_ex(alt, "transcript", &t))
		return true;
	return !json_object_get_string_len(t);
}

static int transcribe_start(struct transcribe *tr);

/* recognizer.fallbackVendor, once, as jambonz's transcribe falls back:
 * for a vendor that cannot start or fails while it runs */
static bool transcribe_fallback(struct transcribe *tr)
{
	struct json_object *r =
		tr->fell_back ? NULL : fs_stt_fallback(tr->recog);
	struct json_object *v;
	char esc[48];

	if (!r)
		return false;
	tr->fell_back = true;
	fs_log_escape(esc, sizeof(esc),
		      json_object_object_get_ex(r, "vendor", &v)
			      ? json_object_get_string(v)
			      : "");
	fs_info("transcribe", "%s: recognition failed: falling back to %s",
		transcribe_sid(tr), esc);
	json_object_put(tr->recog);
	tr->recog = r;
	return true;
}

static void transcribe_result(int err, const struct json_object *evt,
			      void *arg)
{
	struct transcribe *tr = arg;
	struct json_object *hook = NULL;
	bool final;

	if (tr->ended)
		return;
	if (err || !evt) {
		tr->stt = NULL; /* gone with this handler's return */
		if (err && transcribe_fallback(tr)) {
			(void)transcribe_start(tr);
			return;
		}
		transcribe_end(tr);
		return;
	}
	final = transcribe_final(evt);
	if (tr->paused || transcribe_empty(evt) || (!final && !tr->interim))
		return;
	if (final)
		tr->finals++;
	else
		tr->interims++;
	if (!json_object_object_get_ex(fs_task_data(tr->t),
				       "transcriptionHook", &hook))
		return;
	err = fs_call_stt_hook(fs_task_call(tr->t), fs_task_scope(tr->t), hook,
			       evt);
	if (err)
		fs_info("transcribe", "%s: transcriptionHook not sent: %m",
			transcribe_sid(tr), err);
}

static void transcribe_status(int err, const char *ev, void *data, void *arg)
{
	struct transcribe *tr = arg;
	const char *st = data;

	(void)err;
	(void)ev;
	if (tr->ended || !st)
		return;
	tr->paused = !strcmp(st, "pause");
	fs_info("transcribe", "%s: %s", transcribe_sid(tr),
		tr->paused ? "paused" : "resumed");
	fs_stt_pause(tr->stt, tr->paused);
}

static int transcribe_start(struct transcribe *tr)
{
	struct fs_task *t = tr->t;
	int err;

	err = fs_call_stt(&tr->stt, fs_task_call(t), fs_task_scope(t),
			  tr->recog, transcribe_result, tr);
	if (!err) {
		fs_stt_pause(tr->stt, tr->paused);
		return 0;
	}
	tr->stt = NULL;
	if (transcribe_fallback(tr))
		return transcribe_start(tr);
	/* no credential: the core said why; the list goes on */
	if (err != ENOKEY)
		fs_warn("transcribe", "%s: cannot start: %m",
			transcribe_sid(tr), err);
	transcribe_end(tr);
	return err;
}

static int transcribe_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *r = NULL, *v;
	struct transcribe *tr;
	int err;

	tr = mem_zalloc(sizeof(*tr), transcribe_destructor);
	if (!tr)
		return ENOMEM;
	tr->t = t;
	fs_task_set_state(t, tr);
	(void)json_object_object_get_ex(data, "recognizer", &r);
	tr->recog = fs_call_recognizer(fs_task_call(t), r);
	if (!tr->recog)
		return ENOMEM;
	tr->interim = json_object_object_get_ex(tr->recog, "interim", &v) &&
		      json_object_get_boolean(v);
	err = fs_scope_listen(fs_task_scope(t), FS_EV_TRANSCRIBE_STATUS, 0,
			      transcribe_status, tr, NULL);
	if (err)
		return err;
	(void)transcribe_start(tr);
	return 0;
}

/* the call's end or a new verb list: tell the vendor first (CloseStream,
 * stop), before the task's scope takes the socket */
static void transcribe_cancel(struct fs_task *t)
{
	struct transcribe *tr = fs_task_state(t);

	if (!tr)
		return;
	fs_stt_close(tr->stt);
	tr->stt = NULL;
}

FS_SCHEMA_PLUGIN(transcribe, "transcribe", transcribe_schema_json,
		 .version = PLUGIN_VERSION, .exec = transcribe_exec,
		 .cancel = transcribe_cancel, .flags = FS_PLUGIN_NEEDS_MEDIA);
