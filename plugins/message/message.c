/**
 * @file message.c  The message verb: send an SMS
 *
 * jambonz sends the SMS through an SMPP gateway of the account (its
 * smpp service); with none it reports {message_sid, message_status: "no
 * carriers"} to the actionHook and the application goes on. This server
 * has no SMS gateway, so that is every message's outcome here, with a log
 * line that says so; the call is left as it is.
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

/* A random (version 4) UUID, as jambonz's crypto.randomUUID() */
static void message_uuid(char out[37])
{
	uint8_t b[16];

	rand_bytes(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	(void)re_snprintf(out, 37,
			  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			  "%02x%02x%02x%02x%02x%02x",
			  b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
			  b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int message_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v, *hook = NULL, *res;
	const char *sid = NULL, *to = NULL;
	char uuid[37], eto[64], esid[96];

	if (json_object_object_get_ex(data, "message_sid", &v))
		sid = json_object_get_string(v);
	if (json_object_object_get_ex(data, "to", &v))
		to = json_object_get_string(v);
	(void)json_object_object_get_ex(data, "actionHook", &hook);
	if (!sid || !*sid) {
		message_uuid(uuid);
		sid = uuid;
	}
	(void)fs_log_escape(eto, sizeof(eto), to ? to : "");
	(void)fs_log_escape(esid, sizeof(esid), sid);
	fs_warn("message",
		"%s: SMS to '%s' not sent: this server has no SMS (SMPP) "
		"gateway; message_sid %s, message_status no carriers",
		fs_call_sid(fs_task_call(t)), eto, esid);
	res = json_object_new_object();
	if (res) {
		json_object_object_add(res, "message_sid",
				       json_object_new_string(sid));
		json_object_object_add(res, "message_status",
				       json_object_new_string("no carriers"));
	}
	fs_task_done(t, 0, hook, res);
	return 0;
}

FS_SCHEMA_PLUGIN(message, "message", message_schema_json,
		 .version = PLUGIN_VERSION, .exec = message_exec);
