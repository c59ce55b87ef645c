/**
 * @file leave.c  The leave verb: leave a queue or conference
 *
 * jambonz runs leave in two places: inside an enqueue's waitHook, where
 * it takes the caller out of the queue, and in a verb list, where its
 * task waits until it is killed (the caller hangs up, or the list is
 * replaced by a redirect or updateCall). A `leave` in an enqueue's
 * waitHook is taken by the enqueue verb (plugins/enqueue/enq_wait.c),
 * and one in a conference's waitHook by the conference verb
 * (plugins/conference/conf_wait.c), which run those verbs. Here
 * is the verb-list case: the task ends when the core cancels it, which
 * needs no cancel handler (nothing runs meanwhile).
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

static int leave_exec(struct fs_task *t, const struct json_object *data)
{
	(void)data;
	fs_info("leave",
		"%s: not in a queue or conference: waiting until the call "
		"ends or its verbs are replaced",
		fs_call_sid(fs_task_call(t)));
	return 0;
}

FS_SCHEMA_PLUGIN(leave, "leave", leave_schema_json, .version = PLUGIN_VERSION,
		 .exec = leave_exec);
