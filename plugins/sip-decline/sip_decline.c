/**
 * @file sip_decline.c  The sip:decline verb: reject the call with a SIP status
 *
 * Reject an unanswered call with a final SIP status.
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

static int sip_decline_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v, *headers = NULL;
	const char *reason = NULL;
	int status = 0, err;

	if (json_object_object_get_ex(data, "status", &v))
		status = json_object_get_int(v);
	if (json_object_object_get_ex(data, "reason", &v))
		reason = json_object_get_string(v);
	(void)json_object_object_get_ex(data, "headers", &headers);
	if (status < 300 || status > 699) {
		fs_warn("sip:decline",
			"%s: status %d is not a final error "
			"status (300-699)",
			fs_call_sid(fs_task_call(t)), status);
		fs_task_done(t, EINVAL, NULL, NULL);
		return 0;
	}
	err = fs_call_reject(fs_task_call(t), (uint16_t)status, reason,
			     headers);
	if (err == EALREADY)
		fs_warn("sip:decline", "%s: call already answered",
			fs_call_sid(fs_task_call(t)));
	fs_task_done(t, err, NULL, NULL);
	return 0;
}

FS_PLUGIN(.name = "sip:decline", .version = PLUGIN_VERSION,
	  .init = sip_decline_init, .destroy = sip_decline_destroy,
	  .validate = sip_decline_validate, .exec = sip_decline_exec);
