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

/* Per-.so state: the parsed schema, shared by every call */
static struct {
	struct json_object *schema;
} hangup_ctx;

static int hangup_init(void)
{
	hangup_ctx.schema = json_tokener_parse(hangup_schema_json);
	return hangup_ctx.schema ? 0 : EINVAL;
}

static void hangup_destroy(void)
{
	json_object_put(hangup_ctx.schema);
	hangup_ctx.schema = NULL;
}

static int hangup_validate(const struct json_object *data, char *err,
			   size_t errsz)
{
	if (!hangup_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz, "hangup: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(hangup_ctx.schema, "hangup", data, err,
				  errsz);
}

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

FS_PLUGIN(.name = "hangup", .version = PLUGIN_VERSION, .init = hangup_init,
	  .destroy = hangup_destroy, .validate = hangup_validate,
	  .exec = hangup_exec);
