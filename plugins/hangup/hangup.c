/**
 * @file hangup.c  The hangup verb: end the call
 *
 * End the call, with optional extra headers on the BYE.
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

	(void)json_object_object_get_ex(data, "headers", &headers);
	err = fs_call_hangup(fs_task_call(t), headers);
	/* the call ending has normally ended this task already */
	fs_task_done(t, err, NULL, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(hangup, "hangup", hangup_schema_json,
		 .version = PLUGIN_VERSION, .exec = hangup_exec);
