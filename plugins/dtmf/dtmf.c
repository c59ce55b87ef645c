/**
 * @file dtmf.c  The dtmf verb: send DTMF digits to the caller
 *
 * Send digits, each `duration` ms (default 500): RFC 4733 events on the
 * call's RTP when the caller negotiated telephone-event, else one SIP
 * INFO a digit (fs_call_dtmf). jambonz hands them to FreeSWITCH and ends
 * the task on a timer; here it ends when the last digit was sent.
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

#define DTMF_MIN_MS 40
#define DTMF_MAX_MS 8000

static void dtmf_sent(int err, void *arg)
{
	struct fs_task *t = arg;

	if (err)
		fs_warn("dtmf", "%s: digits not all sent: %m",
			fs_call_sid(fs_task_call(t)), err);
	fs_task_done(t, err, NULL, NULL);
}

static int dtmf_exec(struct fs_task *t, const struct json_object *data)
{
	struct fs_call *c = fs_task_call(t);
	struct json_object *v;
	const char *digits = NULL;
	double dur = 500;
	uint32_t ms;
	char esc[160];
	int err;

	if (json_object_object_get_ex(data, "dtmf", &v))
		digits = json_object_get_string(v);
	if (json_object_object_get_ex(data, "duration", &v))
		dur = json_object_get_double(v);
	/* the duration field of an event holds 8 s at 8 kHz */
	if (!(dur >= DTMF_MIN_MS))
		ms = DTMF_MIN_MS;
	else if (dur > DTMF_MAX_MS)
		ms = DTMF_MAX_MS;
	else
		ms = (uint32_t)dur;
	if ((double)ms != dur)
		fs_info("dtmf", "%s: duration %.0f ms taken as %u",
			fs_call_sid(c), dur, ms);
	err = fs_call_dtmf(c, fs_task_scope(t), digits, ms, dtmf_sent, t);
	if (err) {
		(void)fs_log_escape(esc, sizeof(esc), digits ? digits : "");
		fs_warn("dtmf", "%s: '%s' not sent: %s", fs_call_sid(c), esc,
			err == EINVAL
				? "digits must be 1 to 64 of 0-9, *, #, A-D"
			: err == EBUSY
				? "digits are being sent already, or the call "
				  "is bridged"
			: err == ENOTSUP ? "no telephone-event, and no dialog "
					   "of ours for a SIP INFO (an "
					   "outbound call)"
					 : "the call has no media");
		fs_task_done(t, err, NULL, NULL);
		return 0;
	}
	fs_info("dtmf", "%s: sending dtmf %s", fs_call_sid(c), digits);
	return 0;
}

FS_SCHEMA_PLUGIN(dtmf, "dtmf", dtmf_schema_json, .version = PLUGIN_VERSION,
		 .exec = dtmf_exec, .flags = FS_PLUGIN_NEEDS_MEDIA);
