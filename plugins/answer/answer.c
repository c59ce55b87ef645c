/**
 * @file answer.c  The answer verb: answer the call
 *
 * Answer the call (200 OK with SDP). The core answers before exec, as for
 * every verb that needs media (jambonz's Endpoint precondition), so exec
 * has nothing left to do; on a call answered already it is a no-op.
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

static int answer_exec(struct fs_task *t, const struct json_object *data)
{
	(void)data;
	fs_task_done(t, fs_call_answer(fs_task_call(t)), NULL, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(answer, "answer", answer_schema_json,
		 .version = PLUGIN_VERSION, .exec = answer_exec,
		 .flags = FS_PLUGIN_NEEDS_MEDIA);
