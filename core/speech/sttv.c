/**
 * @file sttv.c  The recognition vendors' table and what they share:
 *               credential and recognizer fields, URLs, the jambonz
 *               shape of a result
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include "base/jsonutil.h"
#include "http/req.h"
#include "speech/sttv.h"

static const struct sttv *const sttv_all[] = {
	&sttv_deepgram,  &sttv_custom, &sttv_speechmatics, &sttv_assemblyai,
	&sttv_microsoft, &sttv_aws,    &sttv_soniox,
};

const struct sttv *sttv_find(const char *vendor)
{
	if (!vendor)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(sttv_all); i++) {
		const char *n = sttv_all[i]->name;
		size_t len = strlen(n);

		/* "custom:" names a family: custom:<name> */
		if (n[len - 1] == ':'
			    ? !strncasecmp(vendor, n, len) && vendor[len]
			    : !strcasecmp(vendor, n))
			return sttv_all[i];
	}
	return NULL;
}

const char *sttv_cred(const struct fs_stt *s, const char *key, const char *def)
{
	const char *v = jsonutil_str(s->cred, key);

	return v && *v ? v : def;
}

struct json_object *sttv_rec(const struct fs_stt *s, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(s->recog, key, &v) ? v : NULL;
}

struct json_object *sttv_opt(const struct fs_stt *s, const char *opts,
			     const char *key)
{
	struct json_object *o = sttv_rec(s, opts), *v;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

int sttv_base(char **basep, const struct fs_stt *s, const char *alt, bool tls,
	      const char *def)
{
	const char *b = sttv_cred(s, "base_url", NULL);
	size_t n;

	if (!b && alt) {
		b = sttv_cred(s, alt, NULL);
		if (b && !strstr(b, "://")) {
			n = strlen(b);
			while (n && b[n - 1] == '/')
				--n;
			return re_sdprintf(basep, "%s://%b",
					   tls ? "wss" : "ws", b, n);
		}
	}
	if (!b)
		b = def;
	n = strlen(b);
	while (n && b[n - 1] == '/')
		--n;
	if (!strncasecmp(b, "http://", 7))
		return re_sdprintf(basep, "ws://%b", b + 7, n - 7);
	if (!strncasecmp(b, "https://", 8))
		return re_sdprintf(basep, "wss://%b", b + 8, n - 8);
	if (!strstr(b, "://"))
		return re_sdprintf(basep, "wss://%b", b, n);
	return re_sdprintf(basep, "%b", b, n);
}

int sttv_q(struct mbuf *mb, const char *key, const char *value)
{
	if (!value)
		return 0;
	return mbuf_printf(mb, "%s%s=%H", mb->end ? "&" : "", key,
			   req_url_escape, value);
}

int sttv_qj(struct mbuf *mb, const char *key, const struct json_object *v)
{
	if (!v)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_string:
	case json_type_int:
	case json_type_double:
		return sttv_q(mb, key, json_object_get_string((void *)v));
	case json_type_boolean:
		return sttv_q(mb, key,
			      json_object_get_boolean(v) ? "true" : "false");
	default:
		return 0;
	}
}

int sttv_send_json(struct fs_stt *s, struct json_object *o)
{
	int err;

	if (!o)
		return ENOMEM;
	err = req_ws_send(s->ws,
			  json_object_to_json_string_ext(
				  o, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return err;
}

struct json_object *sttv_evt(const struct fs_stt *s, bool final,
			     const char *transcript, double confidence,
			     struct json_object *vevt)
{
	struct json_object *e = json_object_new_object();
	struct json_object *alts = json_object_new_array();
	struct json_object *alt = json_object_new_object();
	struct json_object *vend = json_object_new_object();

	if (!e || !alts || !alt || !vend) {
		json_object_put(e);
		json_object_put(alts);
		json_object_put(alt);
		json_object_put(vend);
		return NULL;
	}
	json_object_object_add(e, "language_code",
			       json_object_new_string(s->lang));
	json_object_object_add(e, "channel_tag",
			       json_object_new_int(s->channel));
	json_object_object_add(e, "is_final", json_object_new_boolean(final));
	json_object_object_add(alt, "confidence",
			       json_object_new_double(confidence));
	json_object_object_add(
		alt, "transcript",
		json_object_new_string(transcript ? transcript : ""));
	json_object_array_add(alts, alt);
	json_object_object_add(e, "alternatives", alts);
	json_object_object_add(vend, "name",
			       json_object_new_string(s->vendor));
	if (vevt)
		json_object_object_add(vend, "evt", json_object_get(vevt));
	json_object_object_add(e, "vendor", vend);
	return e;
}

struct json_object *sttv_hints(const struct fs_stt *s)
{
	struct json_object *hints = sttv_rec(s, "hints"), *list;
	size_t n;

	if (!hints || !json_object_is_type(hints, json_type_array))
		return NULL;
	n = json_object_array_length(hints);
	list = n ? json_object_new_array() : NULL;
	for (size_t i = 0; list && i < n; i++) {
		struct json_object *h = json_object_array_get_idx(hints, i);
		const char *p = json_object_is_type(h, json_type_object)
					? jsonutil_str(h, "phrase")
					: json_object_get_string(h);

		if (p && *p)
			json_object_array_add(list, json_object_new_string(p));
	}
	if (list && !json_object_array_length(list)) {
		json_object_put(list);
		return NULL;
	}
	return list;
}

bool sttv_token_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == ',')
			return false;
	return true;
}
