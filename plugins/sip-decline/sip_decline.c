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

FS_SCHEMA_PLUGIN(sip_decline, "sip:decline", sip_decline_schema_json,
		 .version = PLUGIN_VERSION, .exec = sip_decline_exec);
