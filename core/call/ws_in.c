/**
 * @file ws_in.c  What a WebSocket application sends: acks and commands
 *                taken apart, anything else answered with jambonz:error
 *
 * Outside text is parsed with the nesting bound of webhook answers and
 * quoted escaped in log lines; bad input never ends the call.
 */
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "app.h"
#include "base/cfg.h"
#include "base/log.h"
#include "call/call.h"
#include "call/ws_app.h"
#include "call/ws_int.h"
#include "sip/stack.h"

void ws_app_invalid(struct ws_app *w, const char *text, size_t len,
		    const char *details)
{
	struct json_object *d = json_object_new_object();
	char esc[256], why[160];

	/* details may quote the message (a type, a command name) */
	log_escape(esc, sizeof(esc), text);
	log_escape(why, sizeof(why), details);
	fs_warn(WS_LOG,
		"%s: invalid message from the application (%zu "
		"bytes): %s: %s",
		w->call->sid, len, why, esc);
	if (!d)
		return;
	json_object_object_add(d, "msg",
			       json_object_new_string("InvalidMessage"));
	json_object_object_add(d, "details", json_object_new_string(details));
	json_object_object_add(d, "content",
			       json_object_new_string_len(text, (int)len));
	(void)ws_app_notify(w, "jambonz:error", d);
	json_object_put(d);
}

const char *ws_str(const struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void ws_in_msg(const char *text, size_t len, void *arg)
{
	struct ws_app *w = arg;
	const struct cfg *cfg = w->call->env->stk->app->cfg;
	struct json_tokener *tok;
	struct json_object *o, *data = NULL;
	const char *type, *s;
	char why[96];

	if (w->down || w->call->closing)
		return;
	WS_STAT(w, msgs_in, 1);
	/* nesting bounded as for webhook answers (HOOK_JSON_MAX_DEPTH),
	 * plus the envelope */
	tok = json_tokener_new_ex(cfg->hook_json_max_depth
					  ? (int)cfg->hook_json_max_depth + 1
					  : JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok)
		return;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len)
		o = (json_object_put(o), NULL);
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		ws_app_invalid(w, text, len, "not a JSON object");
		goto out;
	}
	(void)json_object_object_get_ex(o, "data", &data);
	type = ws_str(o, "type");
	if (!type) {
		ws_app_invalid(w, text, len, "type property not supplied");
	} else if (!strcmp(type, "ack")) {
		s = ws_str(o, "msgid");
		if (!s)
			ws_app_invalid(w, text, len, "msgid not supplied");
		else
			ws_app_ack(w, s, data);
	} else if (!strcmp(type, "command")) {
		s = ws_str(o, "command");
		if (!s)
			ws_app_invalid(w, text, len,
				       "command property not supplied");
		else if (!data)
			ws_app_invalid(w, text, len,
				       "data property not supplied");
		else
			ws_cmd_run(w, text, len, o, s, data);
	} else {
		re_snprintf(why, sizeof(why), "invalid type property: %s",
			    type);
		ws_app_invalid(w, text, len, why);
	}
out:
	json_object_put(o);
}
