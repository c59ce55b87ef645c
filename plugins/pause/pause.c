/**
 * @file pause.c  The pause verb: wait a number of seconds
 *
 * Wait a number of seconds.
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

static void pause_elapsed(int err, const char *ev, void *data, void *arg)
{
	(void)err;
	(void)ev;
	(void)data;
	fs_task_done(arg, 0, NULL, NULL);
}

static int pause_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v;
	double secs = 0;
	uint32_t ms;

	if (json_object_object_get_ex(data, "length", &v))
		secs = json_object_get_double(v);
	/* bounded: a hostile length must not hold a call for days */
	ms = fs_secs_ms(secs, 0, 3600000u);
	if (!ms) {
		fs_task_done(t, 0, NULL, NULL);
		return 0;
	}
	return fs_scope_listen(fs_task_scope(t), NULL, ms, pause_elapsed, t,
			       NULL);
}

FS_SCHEMA_PLUGIN(pause, "pause", pause_schema_json, .version = PLUGIN_VERSION,
		 .exec = pause_exec);
