/**
 * @file tag.c  The tag verb: attach customer data to the call
 *
 * Attach customerData to the call's later webhooks.
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

static int tag_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v = NULL;
	int err;

	(void)json_object_object_get_ex(data, "data", &v);
	err = fs_call_set_tag(fs_task_call(t), v);
	fs_task_done(t, err, NULL, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(tag, "tag", tag_schema_json, .version = PLUGIN_VERSION,
		 .exec = tag_exec);
