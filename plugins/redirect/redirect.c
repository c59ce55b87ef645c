/**
 * @file redirect.c  The redirect verb: fetch new verbs from a hook
 *
 * Validation only: the verb JSON is checked against the redirect spec of
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
} redirect_ctx;

static int redirect_init(void)
{
	redirect_ctx.schema = json_tokener_parse(redirect_schema_json);
	return redirect_ctx.schema ? 0 : EINVAL;
}

static void redirect_destroy(void)
{
	json_object_put(redirect_ctx.schema);
	redirect_ctx.schema = NULL;
}

static int redirect_validate(const struct json_object *data, char *err,
			     size_t errsz)
{
	if (!redirect_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz,
				 "redirect: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(redirect_ctx.schema, "redirect", data, err,
				  errsz);
}

FS_PLUGIN(.name = "redirect", .version = FS_VERSION, .init = redirect_init,
	  .destroy = redirect_destroy, .validate = redirect_validate);
