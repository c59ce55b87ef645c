/**
 * @file demo.c  The built-in demo application's action hook
 *
 * `make run` with no directory and no DEFAULT_CALL_HOOK answers calls
 * with a demo (dir/dir_file.c) whose gather posts here, to the server's own
 * HTTP listener, so a first call works without any webhook server.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "api/demo.h"

int demo_gather_reply(const char *body, size_t len,
		      struct json_object **replyp)
{
	struct json_tokener *tok;
	struct json_object *doc = NULL, *digits, *reply, *say, *hangup;
	const char *d = NULL;
	char text[256];
	size_t n = 0;

	if (!replyp)
		return EINVAL;
	if (body && len) {
		tok = json_tokener_new();
		if (!tok)
			return ENOMEM;
		doc = json_tokener_parse_ex(tok, body, (int)len);
		json_tokener_free(tok);
	}
	if (doc && json_object_object_get_ex(doc, "digits", &digits) &&
	    json_object_is_type(digits, json_type_string))
		d = json_object_get_string(digits);

	if (d && *d) {
		/* spell the digits out one by one */
		n = (size_t)re_snprintf(text, sizeof(text), "You entered");
		for (; *d && n + 4 < sizeof(text); d++)
			n += (size_t)re_snprintf(text + n, sizeof(text) - n,
						 " %c", *d == '*' ? 's' : *d);
		re_snprintf(text + n, sizeof(text) - n, ". Goodbye.");
	} else {
		re_snprintf(text, sizeof(text),
			    "We did not get any digits. Goodbye.");
	}
	json_object_put(doc);

	reply = json_object_new_array();
	say = json_object_new_object();
	hangup = json_object_new_object();
	json_object_object_add(say, "verb", json_object_new_string("say"));
	json_object_object_add(say, "text", json_object_new_string(text));
	json_object_object_add(hangup, "verb",
			       json_object_new_string("hangup"));
	json_object_array_add(reply, say);
	json_object_array_add(reply, hangup);
	*replyp = reply;
	return 0;
}
