/**
 * @file hello.c  Example verb built outside the tree: greet by name
 *
 *   {"verb": "hello", "name": "Ada", "notify": "https://app/greeted"}
 *
 * sets the call's customerData to {"greeting": "hello, Ada"}, so every
 * later webhook of the call carries it, and logs the greeting. With
 * notify it also POSTs {"call_sid": ..., "greeting": ...} there through
 * the call's pooled requestor, and ends when the answer arrives. It uses
 * only the installed headers; build it with
 *
 *   cc $(pkg-config --cflags feature-server) -shared -fPIC \
 *      -fvisibility=hidden -o hello.so hello.c
 *
 * and copy hello.so into the server's plugin folder.
 */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <fs/fs.h>

/* This plugin's own release, independent of the server's */
#define HELLO_VERSION "0.1"

/* The shape fs_schema_validate() takes, as scripts/gen-verb-schema
 * writes it for the jambonz verbs */
static const char hello_schema_json[] =
	"{\"hello\":{\"properties\":{\"id\":\"string\",\"name\":\"string\","
	"\"notify\":\"string\"},\"required\":[\"name\"]}}";

/* The notify answer: the task's scope closing first (the caller hung
 * up) means this never runs, and the core has ended the task */
static void hello_notified(int err, const struct fs_resp *resp, void *arg)
{
	struct fs_task *t = arg;

	fs_info("hello", "%s: notify answered %u (%d)",
		fs_call_sid(fs_task_call(t)), resp ? resp->status : 0, err);
	fs_task_done(t, err, NULL, NULL);
}

static int hello_notify(struct fs_task *t, const char *url,
			const char *greeting)
{
	struct fs_call *c = fs_task_call(t);
	struct fs_hook hook = {.url = url, .method = "POST"};
	struct fs_req_opts opts = {0};
	struct json_object *body = json_object_new_object();
	int err;

	if (!body)
		return ENOMEM;
	json_object_object_add(body, "call_sid",
			       json_object_new_string(fs_call_sid(c)));
	json_object_object_add(body, "greeting",
			       json_object_new_string(greeting));
	opts.body = json_object_to_json_string(body);
	err = fs_req_send(fs_call_req(c), fs_task_scope(t), &hook, &opts,
			  hello_notified, t);
	json_object_put(body);
	return err;
}

static int hello_exec(struct fs_task *t, const struct json_object *data)
{
	struct json_object *v = NULL, *tag;
	char greeting[128];
	int err;

	(void)json_object_object_get_ex(data, "name", &v);
	snprintf(greeting, sizeof(greeting), "hello, %s",
		 json_object_get_string(v));
	fs_info("hello", "%s: %s", fs_call_sid(fs_task_call(t)), greeting);

	tag = json_object_new_object();
	if (!tag) {
		fs_task_done(t, ENOMEM, NULL, NULL);
		return 0;
	}
	json_object_object_add(tag, "greeting",
			       json_object_new_string(greeting));
	err = fs_call_set_tag(fs_task_call(t), tag);
	json_object_put(tag);
	v = NULL;
	if (!err && json_object_object_get_ex(data, "notify", &v)) {
		err = hello_notify(t, json_object_get_string(v), greeting);
		if (!err)
			return 0; /* done when the answer arrives */
	}
	fs_task_done(t, err, NULL, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(hello, "hello", hello_schema_json, .version = HELLO_VERSION,
		 .exec = hello_exec);
