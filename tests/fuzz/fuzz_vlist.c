/**
 * @file fuzz_vlist.c  Webhook JSON to a validated verb list (vlist_parse)
 *
 * Input: a webhook answer body, parsed as verb/vlist.c parses it. The verbs
 * are validated by the real plugins (build/fuzz/plugins, every one
 * preloaded), so each plugin's validate and the schema engine run. A
 * list that validates is serialised again, as the tasks read it.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "verb/loader.h"
#include "call/session.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct loader *l;
	struct json_object *doc;
	struct vlist *v = NULL;
	char err[300];
	char *body;

	if (!l) {
		fuzz_init();
		if (loader_alloc(&l, fuzz_plugin_dir(), 0) ||
		    loader_preload(l, "say,play,gather,dial,hangup,pause,"
				      "redirect,tag,config,sip:decline"))
			abort();
	}
	body = malloc(size + 1);
	if (!body)
		abort();
	memcpy(body, data, size);
	body[size] = '\0';
	doc = json_tokener_parse(body);
	free(body);
	if (!doc)
		return 0;
	err[0] = '\0';
	if (!vlist_parse(&v, l, doc, err, sizeof(err))) {
		for (size_t i = 0; i < v->n; i++) {
			if (!v->items[i].name || !*v->items[i].name)
				abort();
			(void)json_object_to_json_string(v->items[i].data);
		}
		mem_deref(v);
	} else if (!err[0]) {
		abort(); /* a refusal must say why */
	}
	json_object_put(doc);
	return 0;
}
