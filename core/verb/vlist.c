/**
 * @file vlist.c  A verb list from a webhook or app_json, validated
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "base/log.h"
#include "verb/loader.h"
#include "verb/vlist.h"

static void vlist_destructor(void *data)
{
	struct vlist *v = data;

	for (size_t i = 0; i < v->n; i++) {
		mem_deref(v->items[i].name);
		json_object_put(v->items[i].data);
	}
	mem_deref(v->items);
}

int vlist_parse(struct vlist **vp, struct loader *l,
		const struct json_object *arr, char *err, size_t errsz)
{
	struct vlist *v;
	size_t n;
	int e = 0;

	if (!vp || !l || !err)
		return EINVAL;
	if (!json_object_is_type(arr, json_type_array)) {
		re_snprintf(err, errsz,
			    "malformed jambonz payload: must be array");
		return EPROTO;
	}
	n = json_object_array_length(arr);
	v = mem_zalloc(sizeof(*v), vlist_destructor);
	if (!v)
		return ENOMEM;
	if (n) {
		v->items = mem_zalloc(n * sizeof(*v->items), NULL);
		if (!v->items) {
			mem_deref(v);
			return ENOMEM;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL;
		struct json_object *data = NULL;

		e = loader_validate(l, json_object_array_get_idx(arr, i),
				    &name, &data, err, errsz);
		if (e)
			break;
		e = str_dup(&v->items[i].name, name);
		v->items[i].data = data;
		v->n = i + 1;
		if (e)
			break;
	}
	if (e)
		mem_deref(v);
	else
		*vp = v;
	return e;
}

int vlist_from_body(struct vlist **vp, struct loader *l,
		    const struct vlist_limits *lim, const char *body,
		    size_t len, char *err, size_t errsz)
{
	int depth = lim && lim->max_depth ? (int)lim->max_depth
					  : JSON_TOKENER_DEFAULT_DEPTH;
	enum json_tokener_error je;
	struct json_tokener *tok;
	struct json_object *doc;
	size_t end, n;
	int e;

	if (!vp || !l || !body || !err)
		return EINVAL;
	if (len > INT_MAX) {
		re_snprintf(err, errsz, "webhook answer too large");
		return EPROTO;
	}
	/* the depth bound also bounds json-c's recursion when the
	 * document is freed or walked */
	tok = json_tokener_new_ex(depth);
	if (!tok)
		return ENOMEM;
	doc = json_tokener_parse_ex(tok, body, (int)len);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (doc && end < len && isspace((unsigned char)body[end]))
		end++;
	if (!doc || je != json_tokener_success || end < len) {
		json_object_put(doc);
		if (je == json_tokener_error_depth)
			re_snprintf(err, errsz,
				    "webhook JSON nested deeper than %d "
				    "levels (HOOK_JSON_MAX_DEPTH)",
				    depth);
		else
			re_snprintf(err, errsz,
				    "webhook returned invalid JSON");
		return EPROTO;
	}
	n = json_object_is_type(doc, json_type_array)
		    ? json_object_array_length(doc)
		    : 0;
	if (lim && lim->max_verbs && n > lim->max_verbs) {
		re_snprintf(err, errsz,
			    "webhook answer has %zu verbs, more than %u "
			    "(MAX_VERBS_PER_DOC)",
			    n, lim->max_verbs);
		json_object_put(doc);
		return E2BIG;
	}
	e = vlist_parse(vp, l, doc, err, errsz);
	json_object_put(doc);
	return e;
}

bool vlist_body_not_array(const char *body, size_t len, uint32_t max_depth)
{
	struct json_tokener *tok;
	struct json_object *doc;
	bool r = false;
	size_t end;

	if (!body || len > INT_MAX)
		return false;
	tok = json_tokener_new_ex(max_depth ? (int)max_depth
					    : JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok)
		return false;
	doc = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* a bare number may go on: the end of the body ends it */
	if (!doc && json_tokener_get_error(tok) == json_tokener_continue &&
	    end == len)
		doc = json_tokener_parse_ex(tok, "", 1);
	while (end < len && isspace((unsigned char)body[end]))
		end++;
	/* "null" parses to no object, and is not an array either */
	if (json_tokener_get_error(tok) == json_tokener_success && end == len)
		r = !json_object_is_type(doc, json_type_array);
	json_object_put(doc);
	json_tokener_free(tok);
	return r;
}

int vlist_concat(struct vlist **vp, const struct vlist *a, size_t from,
		 const struct vlist *b)
{
	size_t na = a && from < a->n ? a->n - from : 0;
	size_t nb = b ? b->n : 0;
	struct vlist *v;

	if (!vp)
		return EINVAL;
	v = mem_zalloc(sizeof(*v), vlist_destructor);
	if (!v)
		return ENOMEM;
	if (na + nb) {
		v->items = mem_zalloc((na + nb) * sizeof(*v->items), NULL);
		if (!v->items) {
			mem_deref(v);
			return ENOMEM;
		}
	}
	for (size_t i = 0; i < na + nb; i++) {
		const struct vitem *it =
			i < na ? &a->items[from + i] : &b->items[i - na];

		if (str_dup(&v->items[i].name, it->name)) {
			mem_deref(v);
			return ENOMEM;
		}
		v->items[i].data = json_object_get(it->data);
		v->n = i + 1;
	}
	*vp = v;
	return 0;
}
