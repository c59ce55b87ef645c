/**
 * @file hangup.c  The hangup verb: end the call
 *
 * Validation only: the verb JSON is checked against the hangup spec of
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

FS_PLUGIN(.name = "hangup", .version = FS_VERSION, .init = hangup_init,
	  .destroy = hangup_destroy, .validate = hangup_validate);
