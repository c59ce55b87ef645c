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
 * a vendor that cannot start or fails. The core's transcription service
 * (fs_transcribe_start(), which dial's nested transcribe uses too) does
 * all of it. The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <json-c/json.h>
#include <re.h>
#include <fs/fs.h>
#include <fs/fs_stt.h>
#include "schema.h"

struct transcribe {
	struct fs_task *t;
	struct fs_transcribe *tx;
	bool ended;
};

static void transcribe_destructor(void *arg)
{
	struct transcribe *tr = arg;

	mem_deref(tr->tx);
}

/* every channel's recognition failed: the list goes on */
static void transcribe_over(void *arg)
{
	struct transcribe *tr = arg;

	if (tr->ended)
		return;
	tr->ended = true;
	fs_task_done(tr->t, 0, NULL, NULL);
}

static int transcribe_exec(struct fs_task *t, const struct json_object *data)
{
	struct transcribe *tr;
	int err;

	tr = mem_zalloc(sizeof(*tr), transcribe_destructor);
	if (!tr)
		return ENOMEM;
	tr->t = t;
	fs_task_set_state(t, tr);
	err = fs_transcribe_start(&tr->tx, fs_task_call(t), fs_task_scope(t),
				  data, false, transcribe_over, tr);
	if (err == ENOMEM)
		return err;
	/* no credential, a vendor that cannot start: logged; the list
	 * goes on */
	if (err)
		transcribe_over(tr);
	return 0;
}

/* the call's end or a new verb list: tell the vendor first (CloseStream,
 * stop), before the task's scope takes the socket */
static void transcribe_cancel(struct fs_task *t)
{
	struct transcribe *tr = fs_task_state(t);

	if (tr)
		fs_transcribe_stop(tr->tx);
}

FS_SCHEMA_PLUGIN(transcribe, "transcribe", transcribe_schema_json,
		 .version = PLUGIN_VERSION, .exec = transcribe_exec,
		 .cancel = transcribe_cancel, .flags = FS_PLUGIN_NEEDS_MEDIA);
