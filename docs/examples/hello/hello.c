/**
 * @file hello.c  Example verb built outside the tree: greet by name
 *
 *   {"verb": "hello", "name": "Ada"}
 *
 * sets the call's customerData to {"greeting": "hello, Ada"}, so every
 * later webhook of the call carries it, and logs the greeting. It uses
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
	"{\"hello\":{\"properties\":{\"id\":\"string\",\"name\":\"string\"},"
	"\"required\":[\"name\"]}}";

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
	fs_task_done(t, err, NULL, NULL);
	return 0;
}

FS_SCHEMA_PLUGIN(hello, "hello", hello_schema_json, .version = HELLO_VERSION,
		 .exec = hello_exec);
