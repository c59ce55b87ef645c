/**
 * @file tag.c  The tag verb: attach customer data to the call
 *
 * Validation only: the verb JSON is checked against the tag spec of
 * @jambonz/verb-specifications (schema.h). There is no exec yet, so the
 * core knows the verb and validates it but cannot run it.
 */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <fs/fs_plugin.h>
#include <fs/fs_schema.h>
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

FS_PLUGIN(.name = "tag", .version = FS_VERSION, .init = tag_init,
	  .destroy = tag_destroy, .validate = tag_validate);
