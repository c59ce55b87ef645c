/**
 * @file alert.c  The alert verb: raise an alert of the application
 *
 * jambonz writes the message as an application alert of the account
 * (alert_type "application", detail "Application SID ...") that its
 * portal and API show; nothing goes on the wire and the call's state is
 * left as it is, answered or not. This server keeps no alert store, so
 * the alert is a warning log line, the operator's alert channel, with
 * the same fields.
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

static int alert_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v, *info;
	const char *msg = "", *app = NULL;
	char esc[512], eapp[96];

	if (json_object_object_get_ex(data, "message", &v))
		msg = json_object_get_string(v);
	(void)fs_log_escape(esc, sizeof(esc), msg ? msg : "");
	info = fs_call_info(fs_task_call(t));
	if (info && json_object_object_get_ex(info, "applicationSid", &v))
		app = json_object_get_string(v);
	(void)fs_log_escape(eapp, sizeof(eapp), app ? app : "");
	fs_warn("alert", "%s: application alert (Application SID %s): '%s'",
		fs_call_sid(fs_task_call(t)), eapp, esc);
	json_object_put(info);
	fs_task_done(t, 0, NULL, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(alert, "alert", alert_schema_json, .version = PLUGIN_VERSION,
		 .exec = alert_exec);
