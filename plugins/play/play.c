/**
 * @file play.c  The play verb: play audio files from URLs
 *
 * Validation only: the verb JSON is checked against the play spec of
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
} play_ctx;

static int play_init(void)
{
	play_ctx.schema = json_tokener_parse(play_schema_json);
	return play_ctx.schema ? 0 : EINVAL;
}

static void play_destroy(void)
{
	json_object_put(play_ctx.schema);
	play_ctx.schema = NULL;
}

static int play_validate(const struct json_object *data, char *err,
			 size_t errsz)
{
	if (!play_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz, "play: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(play_ctx.schema, "play", data, err, errsz);
}

FS_PLUGIN(.name = "play", .version = FS_VERSION, .init = play_init,
	  .destroy = play_destroy, .validate = play_validate);
