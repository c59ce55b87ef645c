/**
 * @file dial.c  The dial verb: call out and bridge the caller
 *
 * Validation only: the verb JSON is checked against the dial spec of
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
} dial_ctx;

static int dial_init(void)
{
	dial_ctx.schema = json_tokener_parse(dial_schema_json);
	return dial_ctx.schema ? 0 : EINVAL;
}

static void dial_destroy(void)
{
	json_object_put(dial_ctx.schema);
	dial_ctx.schema = NULL;
}

static int dial_validate(const struct json_object *data, char *err,
			 size_t errsz)
{
	if (!dial_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz, "dial: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(dial_ctx.schema, "dial", data, err, errsz);
}

FS_PLUGIN(.name = "dial", .version = FS_VERSION, .init = dial_init,
	  .destroy = dial_destroy, .validate = dial_validate);
