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

static int redirect_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *hook = NULL;

	/* the core posts to the hook; its verbs replace the list */
	(void)json_object_object_get_ex(data, "actionHook", &hook);
	fs_task_done(t, 0, hook, NULL);
	return 0;
}

FS_PLUGIN(.name = "redirect", .version = PLUGIN_VERSION, .init = redirect_init,
	  .destroy = redirect_destroy, .validate = redirect_validate,
	  .exec = redirect_exec);
