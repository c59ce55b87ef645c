/**
 * @file sip_decline.c  The sip:decline verb: reject the call with a SIP status
 *
 * Validation only: the verb JSON is checked against the sip:decline spec of
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
} sip_decline_ctx;

static int sip_decline_init(void)
{
	sip_decline_ctx.schema = json_tokener_parse(sip_decline_schema_json);
	return sip_decline_ctx.schema ? 0 : EINVAL;
}

static void sip_decline_destroy(void)
{
	json_object_put(sip_decline_ctx.schema);
	sip_decline_ctx.schema = NULL;
}

static int sip_decline_validate(const struct json_object *data, char *err,
				size_t errsz)
{
	if (!sip_decline_ctx.schema) {
		if (err && errsz)
			snprintf(err, errsz,
				 "sip:decline: plugin not initialised");
		return EINVAL;
	}
	return fs_schema_validate(sip_decline_ctx.schema, "sip:decline", data,
				  err, errsz);
}

FS_PLUGIN(.name = "sip:decline", .version = FS_VERSION,
	  .init = sip_decline_init, .destroy = sip_decline_destroy,
	  .validate = sip_decline_validate);
