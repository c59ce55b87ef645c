/**
 * @file speechcred.c  Speech vendor credentials of the embedded directory
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include "audio/speechcred.h"
#include "base/jsonutil.h"
#include "base/log.h"

struct speechcred {
	struct json_object *rows; /* array of {vendor, label, use_for_*,
				     credential{}} */
};

static void speechcred_destructor(void *arg)
{
	struct speechcred *sc = arg;

	json_object_put(sc->rows);
}

/* "credential" as stored: an object, or JSON text of one */
static int speechcred_row(struct json_object *row, size_t i, const char *path)
{
	struct json_object *c;

	if (!json_object_is_type(row, json_type_object) ||
	    !jsonutil_str(row, "vendor")) {
		fs_error("tts", "%s: row %zu: not an object with a vendor",
			 path, i);
		return EINVAL;
	}
	if (!json_object_object_get_ex(row, "credential", &c))
		return json_object_object_add(row, "credential",
					      json_object_new_object())
			       ? ENOMEM
			       : 0;
	if (json_object_is_type(c, json_type_string)) {
		struct json_object *p =
			json_tokener_parse(json_object_get_string(c));

		if (!p || !json_object_is_type(p, json_type_object)) {
			json_object_put(p);
			fs_error("tts",
				 "%s: row %zu: credential is not a "
				 "JSON object",
				 path, i);
			return EINVAL;
		}
		return json_object_object_add(row, "credential", p) ? ENOMEM
								    : 0;
	}
	if (!json_object_is_type(c, json_type_object)) {
		fs_error("tts", "%s: row %zu: credential is not an object",
			 path, i);
		return EINVAL;
	}
	return 0;
}

int speechcred_load(struct speechcred **scp, const char *path)
{
	struct speechcred *sc;
	int err = 0;

	if (!scp)
		return EINVAL;
	sc = mem_zalloc(sizeof(*sc), speechcred_destructor);
	if (!sc)
		return ENOMEM;
	if (path && *path) {
		sc->rows = json_object_from_file(path);
		if (!sc->rows) {
			fs_error("tts", "%s: %s", path,
				 json_util_get_last_err());
			err = ENOENT;
		} else if (!json_object_is_type(sc->rows, json_type_array)) {
			fs_error("tts", "%s: not a JSON array", path);
			err = EINVAL;
		}
		for (size_t i = 0;
		     !err && i < json_object_array_length(sc->rows); i++)
			err = speechcred_row(
				json_object_array_get_idx(sc->rows, i), i,
				path);
	}
	if (err)
		mem_deref(sc);
	else
		*scp = sc;
	return err;
}

static const char *speechcred_canon(const char *v)
{
	if (!strcasecmp(v, "polly"))
		return "aws";
	if (!strcasecmp(v, "azure"))
		return "microsoft";
	if (!strcasecmp(v, "whisper"))
		return "openai";
	return v;
}

/* use_for_tts / use_for_stt: absent means yes; 0/false means no */
static bool speechcred_use(struct json_object *row, bool tts)
{
	struct json_object *u;

	if (!json_object_object_get_ex(
		    row, tts ? "use_for_tts" : "use_for_stt", &u))
		return true;
	return json_object_get_boolean(u);
}

/* NULL and "" are both "no label", as MySQL and the file may say */
static bool speechcred_label_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

const struct json_object *speechcred_find(const struct speechcred *sc,
					  const char *vendor,
					  const char *label, bool tts)
{
	return sc ? speechcred_rows_find(sc->rows, vendor, label, tts) : NULL;
}

const struct json_object *speechcred_rows_find(const struct json_object *rows,
					       const char *vendor,
					       const char *label, bool tts)
{
	struct json_object *c;
	const char *want;

	if (!json_object_is_type(rows, json_type_array) || !vendor)
		return NULL;
	want = speechcred_canon(vendor);
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);

		if (strcasecmp(speechcred_canon(jsonutil_str(row, "vendor")),
			       want) ||
		    !speechcred_label_eq(jsonutil_str(row, "label"), label))
			continue;
		/* jambonz takes the first row of the vendor and label, and
		 * then fails if it is not for this use */
		if (!speechcred_use(row, tts) ||
		    !json_object_object_get_ex(row, "credential", &c))
			return NULL;
		return c;
	}
	return NULL;
}
