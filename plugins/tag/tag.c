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

/* Per-.so state: the parsed schema, shared by every call */
static struct {
	struct json_object *schema;
} tag_ctx;

static int tag_init(void)
{
	tag_ctx.schema = json_tokener_parse(tag_schema_json);
	return tag_ctx.schema ? 0 : EINVAL;
}

static void tag_destroy(void)
{
	json_object_put(tag_ctx.schema);
	tag_ctx.schema = NULL;
}

static int tag_validate(const struct json_object *data, char *err,
			size_t errsz)
{
	if (!tag_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz, "tag: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(tag_ctx.schema, "tag", data, err, errsz);
}

static int tag_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v = NULL;
	int err;

	(void)json_object_object_get_ex(data, "data", &v);
	err = fs_call_set_tag(fs_task_call(t), v);
	fs_task_done(t, err, NULL, NULL);
	return 0;
}

FS_PLUGIN(.name = "tag", .version = PLUGIN_VERSION, .init = tag_init,
	  .destroy = tag_destroy, .validate = tag_validate, .exec = tag_exec);
