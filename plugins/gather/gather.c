/**
 * @file gather.c  The gather verb: collect DTMF digits or speech
 *
 * Validation only: the verb JSON is checked against the gather spec of
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
} gather_ctx;

static int gather_init(void)
{
	gather_ctx.schema = json_tokener_parse(gather_schema_json);
	return gather_ctx.schema ? 0 : EINVAL;
}

static void gather_destroy(void)
{
	json_object_put(gather_ctx.schema);
	gather_ctx.schema = NULL;
}

static int gather_validate(const struct json_object *data, char *err,
			   size_t errsz)
{
	if (!gather_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz, "gather: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(gather_ctx.schema, "gather", data, err,
				  errsz);
}

FS_PLUGIN(.name = "gather", .version = FS_VERSION, .init = gather_init,
	  .destroy = gather_destroy, .validate = gather_validate);
