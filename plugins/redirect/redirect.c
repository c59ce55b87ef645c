/**
 * @file redirect.c  The redirect verb: fetch new verbs from a hook
 *
 * Fetch new verbs from the actionHook; they replace the list.
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

static int redirect_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *hook = NULL;

	/* the core posts to the hook; its verbs replace the list */
	(void)json_object_object_get_ex(data, "actionHook", &hook);
	fs_task_done(t, 0, hook, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(redirect, "redirect", redirect_schema_json,
		 .version = PLUGIN_VERSION, .exec = redirect_exec);
