/**
 * @file play.c  The play verb: play audio files from URLs
 *
 * Play audio files by URL: fetched, decoded and cached by the core
 * (fs_prompt_run); reports playback figures, or playFailed, to the
 * actionHook.
 * The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <string.h>
#include <re.h>
#include <fs/fs.h>
#include "schema.h"

static void play_done(int err, const struct fs_prompt_result *res, void *arg)
{
	struct fs_task *t = arg;
	struct json_object *hook = NULL;
	struct json_object *r = json_object_new_object();

	if (err && err != ECANCELED) {
		json_object_object_add(r, "status",
				       json_object_new_string("fail"));
		json_object_object_add(r, "reason",
				       json_object_new_string("playFailed"));
		json_object_object_add(r, "error",
				       json_object_new_string(strerror(err)));
	} else {
		json_object_object_add(
			r, "reason", json_object_new_string("playCompleted"));
		json_object_object_add(
			r, "playback_seconds",
			json_object_new_int64((int64_t)(res->samples / 8000)));
		json_object_object_add(
			r, "playback_milliseconds",
			json_object_new_int64((int64_t)(res->samples / 8)));
		json_object_object_add(
			r, "playback_last_offset_pos",
			json_object_new_int64((int64_t)res->last_offset));
	}
	(void)json_object_object_get_ex(fs_task_data(t), "actionHook", &hook);
	if (err && err != ECANCELED)
		fs_warn("play", "%s: playFailed: %m",
			fs_call_sid(fs_task_call(t)), err);
	fs_task_done(t, 0, hook, r);
}

static int play_exec(struct fs_task *t, const struct json_object *data)
{
	struct fs_prompt_result none = {0};
	int err;

	err = fs_prompt_run(fs_task_call(t), fs_task_scope(t), "play", data,
			    play_done, t);
	/* a bad URL is reported to the actionHook, not as a crash */
	if (err)
		play_done(err, &none, t);
	return 0;
}

FS_SCHEMA_PLUGIN(play, "play", play_schema_json, .version = PLUGIN_VERSION,
		 .exec = play_exec, .flags = FS_PLUGIN_NEEDS_MEDIA);
