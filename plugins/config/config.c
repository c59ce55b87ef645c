/**
 * @file config.c  The config verb: set session defaults
 *
 * Set session defaults (synthesizer, recognizer), and start or stop
 * the call's background listen (listen or stream: enable true or
 * false), which runs beside the verb list (fs/fs_listen.h).
 * The verb JSON is checked against its spec of
 * @jambonz/verb-specifications (schema.h).
 */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <string.h>
#include <re.h>
#include <fs/fs.h>
#include <fs/fs_listen.h>
#include "schema.h"

/* As jambonz: enable true starts one (unless one runs), false stops it */
static void config_listen(struct fs_task *t, const struct json_object *data)
{
	struct fs_call *c = fs_task_call(t);
	struct json_object *spec, *v;
	bool enable;
	int err;

	if (!json_object_object_get_ex(data, "listen", &spec) &&
	    !json_object_object_get_ex(data, "stream", &spec))
		return;
	enable = json_object_object_get_ex(spec, "enable", &v) &&
		 json_object_get_boolean(v);
	if (enable && !json_object_object_get_ex(spec, "url", &v)) {
		fs_warn("config", "%s: listen enabled without a url: ignored",
			fs_call_sid(c));
		return;
	}
	/* jambonz's config takes an endpoint for a listen: the call is
	 * answered */
	if (enable && !fs_call_answered(c)) {
		err = fs_call_answer(c);
		if (err) {
			fs_warn("config", "%s: cannot answer for listen: %m",
				fs_call_sid(c), err);
			return;
		}
	}
	err = fs_listen_background(c, enable ? spec : NULL);
	if (err == ENOENT)
		fs_info("config", "%s: no background listen to stop",
			fs_call_sid(c));
	else if (err && err != EALREADY)
		fs_warn("config", "%s: background listen not started: %m",
			fs_call_sid(c), err);
	else if (!err)
		fs_info("config", "%s: background listen %s", fs_call_sid(c),
			enable ? "started" : "stopped");
}

static int config_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *synth = NULL, *recog = NULL, *dc;
	int err;

	(void)json_object_object_get_ex(data, "synthesizer", &synth);
	(void)json_object_object_get_ex(data, "recognizer", &recog);
	/* the other options (bargeIn, record, ...) need features this
	 * build lacks: they are accepted and logged */
	json_object_object_foreach((struct json_object *)data, k, v)
	{
		(void)v;
		if (strcmp(k, "synthesizer") && strcmp(k, "recognizer") &&
		    strcmp(k, "id") && strcmp(k, "listen") &&
		    strcmp(k, "stream") && strcmp(k, "disableTtsCache"))
			fs_info("config",
				"%s: option '%s' not supported, "
				"ignored",
				fs_call_sid(fs_task_call(t)), k);
	}
	config_listen(t, data);
	if (json_object_object_get_ex(data, "disableTtsCache", &dc))
		(void)fs_call_set_tts_cache(fs_task_call(t),
					    !json_object_get_boolean(dc));
	err = fs_call_set_defaults(fs_task_call(t), synth, recog);
	fs_task_done(t, err, NULL, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(config, "config", config_schema_json,
		 .version = PLUGIN_VERSION, .exec = config_exec);
