/**
 * @file hangup.c  The hangup verb: end the call
 *
 * End an answered call, with optional extra headers on the BYE. On a
 * call not answered yet the verb is skipped and the list goes on, as
 * jambonz's hangup task, whose precondition (a stable call) fails.
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

static int hangup_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *headers = NULL;
	int err;

	if (!fs_call_answered(fs_task_call(t))) {
		fs_info("hangup", "%s: call not answered: hangup skipped",
			fs_call_sid(fs_task_call(t)));
		fs_task_done(t, 0, NULL, NULL);
		return 0;
	}
	(void)json_object_object_get_ex(data, "headers", &headers);
	err = fs_call_hangup(fs_task_call(t), headers);
	/* the call ending has normally ended this task already */
	fs_task_done(t, err, NULL, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(hangup, "hangup", hangup_schema_json,
		 .version = PLUGIN_VERSION, .exec = hangup_exec);
