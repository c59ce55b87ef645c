/**
 * @file schema.c  Verb JSON validation against a specs.json-shaped schema
 *
 * Reproduces validateVerb() of @jambonz/verb-specifications so that a
 * verb list accepted by jambonz is accepted here and one it rejects is
 * rejected here, with messages of the same wording. Where the JavaScript
 * original depends on accidents of the language, a decision is taken
 * instead:
 *
 * - Simple types follow JavaScript typeof: a JSON array or null is an
 *   "object", "number" is an integer or a double; "array" means a JSON
 *   array. "a|b" specs are split on '|' and trimmed.
 * - "#ref" needs a JSON object (JavaScript would walk a string's
 *   characters or accept null); ["#ref"] needs an array whose items are
 *   all objects of that type.
 * - {"type": t, "enum": [...]} checks the type and, when present, the
 *   enum (JavaScript only looks at the enum of strings).
 * - A spec JavaScript would reject with an assertion (unknown type,
 *   {"type":"array"}) rejects the property as "invalid spec".
 * - Refs nest at most SCHEMA_MAX_DEPTH deep, so a cyclic schema and
 *   hostile data cannot exhaust the stack.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <fs/fs_schema.h>

/* specs.json nests refs at most 6 deep (dial.listen.transcribe...) */
#define SCHEMA_MAX_DEPTH 32

/* Longest type name or value quoted in a message */
#define SCHEMA_LIST_MAX 256

struct schema_run {
	const struct json_object *schema;
	char *err;
	size_t errsz;
};

/* A growing, truncating string for "a,b,c" lists in messages */
struct schema_buf {
	char s[SCHEMA_LIST_MAX];
	size_t len;
};

static int schema_fail(struct schema_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int schema_fail(struct schema_run *run, const char *fmt, ...)
{
	va_list ap;

	if (run->err && run->errsz) {
		va_start(ap, fmt);
		vsnprintf(run->err, run->errsz, fmt, ap);
		va_end(ap);
	}
	return EINVAL;
}

static void schema_buf_add(struct schema_buf *b, const char *s, size_t n)
{
	size_t room = sizeof(b->s) - 1 - b->len;

	if (n > room)
		n = room;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void schema_buf_str(struct schema_buf *b, const char *s)
{
	schema_buf_add(b, s, strlen(s));
}

/* json-c's getters are not const-qualified but do not modify strings */
static const char *schema_str(const struct json_object *o)
{
	return json_object_get_string((struct json_object *)o);
}

static bool schema_is(const struct json_object *o, enum json_type t)
{
	return o && json_object_is_type(o, t);
}

/** JavaScript typeof of a parsed JSON value */
static const char *schema_typeof(const struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return "boolean";
	case json_type_int:
	case json_type_double:
		return "number";
	case json_type_string:
		return "string";
	case json_type_null:
	case json_type_object:
	case json_type_array:
		return "object";
	}
	return "undefined";
}

/** Does v have type name t (n bytes, not terminated)? */
static bool schema_type_match(const struct json_object *v, const char *t,
			      size_t n)
{
	const char *js;

	if (n == 5 && !strncmp(t, "array", n))
		return schema_is(v, json_type_array);
	js = schema_typeof(v);
	return strlen(js) == n && !strncmp(js, t, n);
}

static bool schema_simple_type(const char *t)
{
	return !strcmp(t, "number") || !strcmp(t, "string") ||
	       !strcmp(t, "object") || !strcmp(t, "boolean");
}

/** A value as JavaScript's template literal would print it */
static void schema_buf_value(struct schema_buf *b, const struct json_object *v)
{
	char num[64];

	switch (json_object_get_type(v)) {
	case json_type_string:
		schema_buf_add(b, schema_str(v),
			       (size_t)json_object_get_string_len(v));
		return;
	case json_type_int:
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_object_get_int64(v));
		break;
	case json_type_double:
		snprintf(num, sizeof(num), "%.17g", json_object_get_double(v));
		break;
	case json_type_boolean:
		snprintf(num, sizeof(num), "%s",
			 json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_null:
		snprintf(num, sizeof(num), "null");
		break;
	case json_type_array:
		snprintf(num, sizeof(num), "[array]");
		break;
	default:
		snprintf(num, sizeof(num), "[object Object]");
		break;
	}
	schema_buf_str(b, num);
}

/** Scalar equality as Array.prototype.includes sees it */
static bool schema_same(const struct json_object *a,
			const struct json_object *b)
{
	enum json_type ta = json_object_get_type(a);
	enum json_type tb = json_object_get_type(b);
	bool na = ta == json_type_int || ta == json_type_double;
	bool nb = tb == json_type_int || tb == json_type_double;

	if (na && nb)
		return json_object_get_double(a) == json_object_get_double(b);
	if (ta != tb)
		return false;
	switch (ta) {
	case json_type_string:
		return json_object_get_string_len(a) ==
			       json_object_get_string_len(b) &&
		       !memcmp(schema_str(a), schema_str(b),
			       (size_t)json_object_get_string_len(a));
	case json_type_boolean:
		return json_object_get_boolean(a) ==
		       json_object_get_boolean(b);
	case json_type_null:
		return true;
	default:
		/* objects and arrays compare by identity in JavaScript */
		return false;
	}
}

static int schema_type(struct schema_run *run, const char *name,
		       const struct json_object *data, unsigned depth);

/** "a|b" spec: data must match one of the trimmed alternatives */
static int schema_union(struct schema_run *run, const char *name,
			const char *key, const char *spec,
			const struct json_object *val)
{
	struct schema_buf list = {.len = 0};
	const char *p = spec;

	list.s[0] = '\0';
	while (*p) {
		const char *end = strchr(p, '|');
		const char *a = p;
		const char *z;

		if (!end)
			end = p + strlen(p);
		z = end;
		while (a < z && (*a == ' ' || *a == '\t'))
			a++;
		while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
			z--;
		if (schema_type_match(val, a, (size_t)(z - a)))
			return 0;
		if (list.len)
			schema_buf_str(&list, ",");
		schema_buf_add(&list, a, (size_t)(z - a));
		p = *end ? end + 1 : end;
	}
	return schema_fail(run,
			   "%s: property %s has invalid data type, must be "
			   "one of %s",
			   name, key, list.s);
}

/** "#ref": data must be an object valid as the referenced type */
static int schema_ref(struct schema_run *run, const char *name,
		      const char *key, const char *ref,
		      const struct json_object *val, unsigned depth)
{
	if (!schema_is(val, json_type_object))
		return schema_fail(run,
				   "%s: property %s has invalid data type",
				   name, key);
	return schema_type(run, ref, val, depth + 1);
}

/** {"type": t, "enum": [...]} */
static int schema_complex(struct schema_run *run, const char *name,
			  const char *key, const struct json_object *spec,
			  const struct json_object *val)
{
	struct json_object *type = NULL;
	struct json_object *en = NULL;
	struct schema_buf vb = {.len = 0};
	struct schema_buf list = {.len = 0};
	size_t i, n;

	if (!json_object_object_get_ex(spec, "type", &type) ||
	    !schema_is(type, json_type_string) ||
	    !schema_simple_type(schema_str(type)))
		return schema_fail(run, "%s: invalid spec for property %s",
				   name, key);
	if (strcmp(schema_typeof(val), schema_str(type)))
		return schema_fail(run,
				   "%s: property %s has invalid data type",
				   name, key);
	if (!json_object_object_get_ex(spec, "enum", &en))
		return 0;
	if (!schema_is(en, json_type_array))
		return schema_fail(run, "%s: invalid spec for property %s",
				   name, key);

	n = json_object_array_length(en);
	for (i = 0; i < n; i++) {
		if (schema_same(json_object_array_get_idx(en, i), val))
			return 0;
	}

	vb.s[0] = '\0';
	list.s[0] = '\0';
	schema_buf_value(&vb, val);
	for (i = 0; i < n; i++) {
		if (i)
			schema_buf_str(&list, ",");
		schema_buf_value(&list, json_object_array_get_idx(en, i));
	}
	return schema_fail(run, "%s: invalid value %s must be one of %s", name,
			   vb.s, list.s);
}

/** Check one present property against its spec */
static int schema_prop(struct schema_run *run, const char *name,
		       const char *key, const struct json_object *spec,
		       const struct json_object *val, unsigned depth)
{
	const char *s;

	if (schema_is(spec, json_type_string)) {
		s = schema_str(spec);
		if (!strcmp(s, "array")) {
			if (!schema_is(val, json_type_array))
				return schema_fail(run,
						   "%s: property %s is not an "
						   "array",
						   name, key);
			return 0;
		}
		if (strchr(s, '|'))
			return schema_union(run, name, key, s, val);
		if (schema_simple_type(s)) {
			if (strcmp(schema_typeof(val), s))
				return schema_fail(
					run,
					"%s: property %s has invalid "
					"data type",
					name, key);
			return 0;
		}
		if (s[0] == '#')
			return schema_ref(run, name, key, s + 1, val, depth);
	} else if (schema_is(spec, json_type_array)) {
		struct json_object *r = json_object_array_get_idx(spec, 0);
		size_t i, n;
		int err;

		if (schema_is(r, json_type_string) &&
		    schema_str(r)[0] == '#') {
			if (!schema_is(val, json_type_array))
				return schema_fail(run,
						   "%s: property %s is not an "
						   "array",
						   name, key);
			n = json_object_array_length(val);
			for (i = 0; i < n; i++) {
				err = schema_ref(
					run, name, key, schema_str(r) + 1,
					json_object_array_get_idx(val, i),
					depth);
				if (err)
					return err;
			}
			return 0;
		}
	} else if (schema_is(spec, json_type_object)) {
		return schema_complex(run, name, key, spec, val);
	}

	return schema_fail(run, "%s: invalid spec for property %s", name, key);
}

/** Validate data as schema type name; depth counts nested refs */
static int schema_type(struct schema_run *run, const char *name,
		       const struct json_object *data, unsigned depth)
{
	struct json_object *type = NULL;
	struct json_object *props = NULL;
	struct json_object *req = NULL;
	struct json_object *spec;
	struct schema_buf missing = {.len = 0};
	size_t i, n;
	int err;

	if (depth > SCHEMA_MAX_DEPTH)
		return schema_fail(run, "%s: nesting too deep", name);
	if (!json_object_object_get_ex(run->schema, name, &type) ||
	    !schema_is(type, json_type_object))
		return schema_fail(run, "invalid instruction: %s", name);
	if (!schema_is(data, json_type_object))
		return schema_fail(run, "%s: data must be an object", name);

	/* a type without properties accepts nothing but "_" */
	json_object_object_get_ex(type, "properties", &props);
	if (!schema_is(props, json_type_object))
		props = NULL;

	json_object_object_foreach((struct json_object *)data, key, val)
	{
		if (props && json_object_object_get_ex(props, key, &spec)) {
			err = schema_prop(run, name, key, spec, val, depth);
			if (err)
				return err;
		} else if (strcmp(key, "_")) {
			/* "_" carries free-form data, e.g. for conference */
			return schema_fail(run, "%s: unknown property %s",
					   name, key);
		}
	}

	if (!json_object_object_get_ex(type, "required", &req) ||
	    !schema_is(req, json_type_array))
		return 0;

	missing.s[0] = '\0';
	n = json_object_array_length(req);
	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(req, i);
		const char *rk =
			schema_is(r, json_type_string) ? schema_str(r) : NULL;

		/* only a known property counts as supplied, as in JS */
		if (rk && props &&
		    json_object_object_get_ex(props, rk, NULL) &&
		    json_object_object_get_ex(data, rk, NULL))
			continue;
		if (missing.len)
			schema_buf_str(&missing, ",");
		if (rk)
			schema_buf_str(&missing, rk);
		else
			schema_buf_value(&missing, r);
	}
	if (missing.len)
		return schema_fail(run, "%s: missing value for %s", name,
				   missing.s);
	return 0;
}

int fs_schema_validate(const struct json_object *schema, const char *name,
		       const struct json_object *data, char *err, size_t errsz)
{
	struct schema_run run = {schema, err, errsz};

	if (err && errsz)
		err[0] = '\0';
	if (!schema_is(schema, json_type_object) || !name)
		return schema_fail(&run, "invalid schema");
	return schema_type(&run, name, data, 0);
}
