/**
 * @file check_verbs.c  The verb plugins against specs.json, property by
 * property
 *
 * Each plugin is loaded from FS_PLUGIN_DIR through the loader, and
 * specs.json of @jambonz/verb-specifications is read at run time
 * (FS_SPECS_JSON), so a schema header that drifts from the package
 * fails here. For every property of a verb, and of every type the verb
 * reaches through refs, a minimal valid verb is built and the property
 * set to each allowed kind of value (accepted) and to each other kind
 * (rejected).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "fixture.h"
#include "verb/loader.h"

#define VERBS_SPECS_DEFAULT \
	"tests/node_modules/@jambonz/verb-specifications/specs.json"

/* Types reached from one verb; specs.json's largest closure is ~45 */
#define VERBS_MAX_TYPES 128
/* specs.json nests refs 6 deep; more means a cycle */
#define VERBS_MAX_DEPTH 16

static const char *const verbs_names[] = {
	"say",   "play",     "gather", "dial",   "hangup",
	"pause", "redirect", "tag",    "config", "sip:decline",
};
#define VERBS_COUNT (int)(sizeof(verbs_names) / sizeof(verbs_names[0]))

static struct {
	struct json_object *specs;
	struct loader *loader;
	char err[512];
	unsigned checks;
} verbs_ctx;

/* One type reached from the verb: how to get there from its parent */
struct verbs_type {
	const char *name;
	int parent;      /* index in the table, -1 for the verb itself */
	const char *key; /* property of the parent holding it */
	bool arr;        /* ["#type"]: the parent holds an array of it */
};

static void verbs_setup(void)
{
	const char *path = fixture_env("FS_SPECS_JSON", VERBS_SPECS_DEFAULT);
	const char *dir = fixture_env("FS_PLUGIN_DIR", "build/plugins");

	fixture_re_setup();
	memset(&verbs_ctx, 0, sizeof(verbs_ctx));
	verbs_ctx.specs = json_object_from_file(path);
	ck_assert_msg(verbs_ctx.specs, "cannot read %s (npm ci in tests/?)",
		      path);
	ck_assert_int_eq(loader_alloc(&verbs_ctx.loader, dir, 0), 0);
}

static void verbs_teardown(void)
{
	verbs_ctx.loader = mem_deref(verbs_ctx.loader);
	json_object_put(verbs_ctx.specs);
	verbs_ctx.specs = NULL;
	fixture_re_teardown();
}

static struct json_object *verbs_type_props(const char *type)
{
	struct json_object *t = NULL;
	struct json_object *props = NULL;

	ck_assert_msg(json_object_object_get_ex(verbs_ctx.specs, type, &t),
		      "specs.json has no type %s", type);
	json_object_object_get_ex(t, "properties", &props);
	ck_assert_msg(json_object_is_type(props, json_type_object),
		      "%s: no properties", type);
	return props;
}

static struct json_object *verbs_type_required(const char *type)
{
	struct json_object *t = NULL;
	struct json_object *req = NULL;

	json_object_object_get_ex(verbs_ctx.specs, type, &t);
	if (!json_object_object_get_ex(t, "required", &req) ||
	    !json_object_is_type(req, json_type_array))
		return NULL;
	return req;
}

/* The type a spec refers to ("#x" or ["#x"]), or NULL */
static const char *verbs_ref(struct json_object *spec, bool *arr)
{
	const char *s;

	*arr = json_object_is_type(spec, json_type_array);
	if (*arr)
		spec = json_object_array_get_idx(spec, 0);
	if (!json_object_is_type(spec, json_type_string))
		return NULL;
	s = json_object_get_string(spec);
	if (s[0] != '#' || strchr(s, '|'))
		return NULL;
	return s + 1;
}

static struct json_object *verbs_minimal(const char *type, unsigned depth);

/* Valid values of one simple type name, appended to out */
static void verbs_simple_values(struct json_object *out, const char *t,
				size_t n)
{
	if (n == 6 && !strncmp(t, "string", n)) {
		json_object_array_add(out, json_object_new_string("x"));
	} else if (n == 6 && !strncmp(t, "number", n)) {
		json_object_array_add(out, json_object_new_int(1));
		json_object_array_add(out, json_object_new_double(2.5));
	} else if (n == 7 && !strncmp(t, "boolean", n)) {
		json_object_array_add(out, json_object_new_boolean(1));
		json_object_array_add(out, json_object_new_boolean(0));
	} else if (n == 6 && !strncmp(t, "object", n)) {
		/* typeof [] and typeof null are "object" too */
		json_object_array_add(out, json_object_new_object());
		json_object_array_add(out, json_object_new_array());
		json_object_array_add(out, NULL);
	} else if (n == 5 && !strncmp(t, "array", n)) {
		struct json_object *a = json_object_new_array();

		json_object_array_add(a, json_object_new_string("x"));
		json_object_array_add(out, json_object_new_array());
		json_object_array_add(out, a);
	}
}

/** Every kind of value spec allows (a new array) */
static struct json_object *verbs_valid(struct json_object *spec,
				       unsigned depth)
{
	struct json_object *out = json_object_new_array();
	struct json_object *type = NULL;
	struct json_object *en = NULL;
	const char *ref;
	bool arr;

	ref = verbs_ref(spec, &arr);
	if (ref && arr) {
		struct json_object *a = json_object_new_array();

		json_object_array_add(a, verbs_minimal(ref, depth + 1));
		json_object_array_add(out, json_object_new_array());
		json_object_array_add(out, a);
	} else if (ref) {
		json_object_array_add(out, verbs_minimal(ref, depth + 1));
	} else if (json_object_is_type(spec, json_type_string)) {
		const char *p = json_object_get_string(spec);

		/* "a|b" and "boolean | number": each trimmed alternative */
		while (*p) {
			size_t n = strcspn(p, "|");
			const char *a = p;
			size_t m = n;

			while (m && *a == ' ')
				a++, m--;
			while (m && a[m - 1] == ' ')
				m--;
			verbs_simple_values(out, a, m);
			p += n;
			if (*p)
				p++;
		}
	} else if (json_object_is_type(spec, json_type_object) &&
		   json_object_object_get_ex(spec, "type", &type)) {
		const char *t = json_object_get_string(type);

		if (json_object_object_get_ex(spec, "enum", &en) &&
		    !strcmp(t, "string")) {
			for (size_t i = 0; i < json_object_array_length(en);
			     i++)
				json_object_array_add(
					out, json_object_get(
						     json_object_array_get_idx(
							     en, i)));
		} else if (strcmp(t, "array")) {
			/* {"type":"array"} fails a JS assertion: none */
			verbs_simple_values(out, t, strlen(t));
		}
	}
	return out;
}

/** The type with its required properties set to valid values */
static struct json_object *verbs_minimal(const char *type, unsigned depth)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *props = verbs_type_props(type);
	struct json_object *req = verbs_type_required(type);
	struct json_object *spec;

	ck_assert_msg(depth < VERBS_MAX_DEPTH, "%s: refs nest too deep", type);
	for (size_t i = 0; req && i < json_object_array_length(req); i++) {
		const char *k = json_object_get_string(
			json_object_array_get_idx(req, i));
		struct json_object *vals;

		ck_assert_msg(json_object_object_get_ex(props, k, &spec),
			      "%s: required %s has no spec", type, k);
		vals = verbs_valid(spec, depth);
		ck_assert_msg(json_object_array_length(vals) > 0,
			      "%s: no valid value for required %s", type, k);
		json_object_object_add(
			obj, k,
			json_object_get(json_object_array_get_idx(vals, 0)));
		json_object_put(vals);
	}
	return obj;
}

/** Could v be accepted for spec? (values verbs_wrong() offers) */
static bool verbs_allowed(struct json_object *spec, struct json_object *v)
{
	struct json_object *alts;
	bool ok = false;
	bool arr;

	/* ["#type"]: an array, and only of objects */
	if (verbs_ref(spec, &arr) && arr) {
		if (!json_object_is_type(v, json_type_array))
			return false;
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (!json_object_is_type(
				    json_object_array_get_idx(v, i),
				    json_type_object))
				return false;
		}
		return true;
	}

	alts = verbs_valid(spec, 0);

	/* same JSON kind as a known valid value; enums compare equal */
	for (size_t i = 0; i < json_object_array_length(alts) && !ok; i++) {
		struct json_object *a = json_object_array_get_idx(alts, i);
		enum json_type ta = json_object_get_type(a);
		enum json_type tv = json_object_get_type(v);
		bool num_a = ta == json_type_int || ta == json_type_double;
		bool num_v = tv == json_type_int || tv == json_type_double;
		struct json_object *en = NULL;

		if (json_object_is_type(spec, json_type_object) &&
		    json_object_object_get_ex(spec, "enum", &en))
			ok = ta == tv && json_object_equal(a, v);
		else
			ok = (num_a && num_v) || ta == tv;
	}
	json_object_put(alts);
	return ok;
}

/** One value of each JSON kind plus odd ones, to try as wrong values */
static struct json_object *verbs_candidates(void)
{
	struct json_object *c = json_object_new_array();
	struct json_object *a = json_object_new_array();
	struct json_object *b = json_object_new_array();

	json_object_array_add(a, json_object_new_string("x"));
	json_object_array_add(b, NULL);
	json_object_array_add(c, json_object_new_string("x"));
	json_object_array_add(c, json_object_new_string("no-such-value"));
	json_object_array_add(c, json_object_new_int(7));
	json_object_array_add(c, json_object_new_double(0.5));
	json_object_array_add(c, json_object_new_boolean(1));
	json_object_array_add(c, json_object_new_object());
	json_object_array_add(c, json_object_new_array());
	json_object_array_add(c, NULL);
	json_object_array_add(c, a);
	json_object_array_add(c, b);
	return c;
}

/* Table of the types reachable from verb, breadth first, verb first */
static int verbs_closure(const char *verb, struct verbs_type *t)
{
	int n = 1;

	t[0] = (struct verbs_type){verb, -1, NULL, false};
	for (int i = 0; i < n; i++) {
		struct json_object *props = verbs_type_props(t[i].name);

		json_object_object_foreach(props, key, spec)
		{
			bool arr;
			const char *ref = verbs_ref(spec, &arr);
			int j;

			if (!ref)
				continue;
			for (j = 0; j < n; j++) {
				if (!strcmp(t[j].name, ref))
					break;
			}
			if (j < n)
				continue;
			ck_assert_int_lt(n, VERBS_MAX_TYPES);
			t[n++] = (struct verbs_type){ref, i, key, arr};
		}
	}
	return n;
}

/**
 * A minimal valid verb whose nested type t[i] holds leaf (a new
 * reference; takes the reference to leaf)
 */
static struct json_object *verbs_embed(const struct verbs_type *t, int i,
				       struct json_object *leaf)
{
	while (t[i].parent >= 0) {
		struct json_object *up = verbs_minimal(t[t[i].parent].name, 0);

		if (t[i].arr) {
			struct json_object *a = json_object_new_array();

			json_object_array_add(a, leaf);
			leaf = a;
		}
		json_object_object_add(up, t[i].key, leaf);
		leaf = up;
		i = t[i].parent;
	}
	return leaf;
}

static const char *verbs_path(const struct verbs_type *t, int i, char *buf,
			      size_t sz)
{
	if (t[i].parent < 0)
		snprintf(buf, sz, "%s", t[i].name);
	else {
		char up[256];

		snprintf(buf, sz, "%s.%s%s",
			 verbs_path(t, t[i].parent, up, sizeof(up)), t[i].key,
			 t[i].arr ? "[]" : "");
	}
	return buf;
}

/* Validate the verb built around type t[i] with key=val (borrowed) */
static int verbs_try(const struct fs_plugin *d, const struct verbs_type *t,
		     int i, const char *key, struct json_object *val)
{
	struct json_object *leaf = verbs_minimal(t[i].name, 0);
	struct json_object *data;
	int err;

	if (key)
		json_object_object_add(leaf, key, json_object_get(val));
	data = verbs_embed(t, i, leaf);
	verbs_ctx.err[0] = '\0';
	err = d->validate(data, verbs_ctx.err, sizeof(verbs_ctx.err));
	verbs_ctx.checks++;
	json_object_put(data);
	return err;
}

static const char *verbs_json(struct json_object *v)
{
	return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)
		 : "null";
}

static const struct fs_plugin *verbs_acquire(const char *verb,
					     struct plugin **pp)
{
	const struct fs_plugin *d;
	int err = loader_acquire(verbs_ctx.loader, verb, pp);

	ck_assert_msg(!err, "%s: cannot load plugin: %s", verb, strerror(err));
	d = plugin_desc(*pp);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(d->validate);
	return d;
}

START_TEST(verbs_descriptor)
{
	const char *verb = verbs_names[_i];
	struct plugin *p = NULL;
	const struct fs_plugin *d = verbs_acquire(verb, &p);

	ck_assert_str_eq(d->name, verb);
	ck_assert_uint_eq(d->abi_major, FS_ABI_MAJOR);
	ck_assert_ptr_nonnull(d->version);
	ck_assert_ptr_nonnull(d->init);
	ck_assert_ptr_nonnull(d->destroy);
	ck_assert_ptr_nonnull(d->exec);
	/* the verbs that play audio make the core answer first */
	ck_assert_uint_eq(plugin_flags(p) & FS_PLUGIN_NEEDS_MEDIA,
			  (!strcmp(verb, "say") || !strcmp(verb, "play") ||
			   !strcmp(verb, "gather"))
				  ? FS_PLUGIN_NEEDS_MEDIA
				  : 0);
	loader_release(p);
}
END_TEST

/* Every property of the verb and of each type it reaches */
START_TEST(verbs_properties)
{
	const char *verb = verbs_names[_i];
	struct verbs_type t[VERBS_MAX_TYPES];
	struct plugin *p = NULL;
	const struct fs_plugin *d = verbs_acquire(verb, &p);
	struct json_object *cand = verbs_candidates();
	char path[512];
	int n = verbs_closure(verb, t);
	unsigned props = 0;

	for (int i = 0; i < n; i++) {
		struct json_object *tp = verbs_type_props(t[i].name);

		verbs_path(t, i, path, sizeof(path));
		ck_assert_msg(!verbs_try(d, t, i, NULL, NULL),
			      "%s: minimal verb rejected: %s", path,
			      verbs_ctx.err);

		json_object_object_foreach(tp, key, spec)
		{
			struct json_object *ok = verbs_valid(spec, 0);
			size_t nok = json_object_array_length(ok);

			props++;
			for (size_t k = 0; k < nok; k++) {
				struct json_object *v =
					json_object_array_get_idx(ok, k);

				if (verbs_try(d, t, i, key, v))
					ck_abort_msg("%s.%s=%s rejected: %s",
						     path, key, verbs_json(v),
						     verbs_ctx.err);
			}
			for (size_t k = 0; k < json_object_array_length(cand);
			     k++) {
				struct json_object *v =
					json_object_array_get_idx(cand, k);

				if (verbs_allowed(spec, v))
					continue;
				if (!verbs_try(d, t, i, key, v))
					ck_abort_msg("%s.%s=%s accepted", path,
						     key, verbs_json(v));
			}
			json_object_put(ok);
		}
	}
	ck_assert_uint_gt(props, 0);
	ck_assert_uint_gt(verbs_ctx.checks, props);
	if (getenv("FS_TEST_DEBUG"))
		fprintf(stderr, "%s: %d types, %u properties, %u checks\n",
			verb, n, props, verbs_ctx.checks);
	json_object_put(cand);
	loader_release(p);
}
END_TEST

START_TEST(verbs_unknown_required_id)
{
	const char *verb = verbs_names[_i];
	struct verbs_type t[VERBS_MAX_TYPES];
	struct plugin *p = NULL;
	const struct fs_plugin *d = verbs_acquire(verb, &p);
	struct json_object *one = json_object_new_int(1);
	struct json_object *id = json_object_new_string("task-1");
	struct json_object *req = verbs_type_required(verb);
	char msg[256];

	verbs_closure(verb, t);

	ck_assert_int_eq(verbs_try(d, t, 0, "noSuchProperty", one), EINVAL);
	snprintf(msg, sizeof(msg), "%s: unknown property noSuchProperty",
		 verb);
	ck_assert_str_eq(verbs_ctx.err, msg);

	ck_assert_msg(!verbs_try(d, t, 0, "id", id), "%s: id rejected: %s",
		      verb, verbs_ctx.err);
	ck_assert_msg(!verbs_try(d, t, 0, "_", one), "%s: _ rejected: %s",
		      verb, verbs_ctx.err);

	/* drop each required property in turn */
	for (size_t i = 0; req && i < json_object_array_length(req); i++) {
		const char *k = json_object_get_string(
			json_object_array_get_idx(req, i));
		struct json_object *data = verbs_minimal(verb, 0);
		int err;

		json_object_object_del(data, k);
		err = d->validate(data, verbs_ctx.err, sizeof(verbs_ctx.err));
		json_object_put(data);
		ck_assert_int_eq(err, EINVAL);
		snprintf(msg, sizeof(msg), "%s: missing value for %s", verb,
			 k);
		ck_assert_str_eq(verbs_ctx.err, msg);
	}

	/* the data must be an object, whatever JavaScript would do */
	ck_assert_int_eq(
		d->validate(one, verbs_ctx.err, sizeof(verbs_ctx.err)),
		EINVAL);
	ck_assert_int_eq(
		d->validate(NULL, verbs_ctx.err, sizeof(verbs_ctx.err)),
		EINVAL);

	json_object_put(id);
	json_object_put(one);
	loader_release(p);
}
END_TEST

/* loader_validate() on JSON text; name receives the verb name found */
static int verbs_entry(const char *json, char *name, size_t nsz)
{
	struct json_object *entry = json_tokener_parse(json);
	struct json_object *data = NULL;
	const char *found = NULL;
	int err;

	ck_assert_msg(entry, "bad test JSON %s", json);
	verbs_ctx.err[0] = '\0';
	err = loader_validate(verbs_ctx.loader, entry, &found, &data,
			      verbs_ctx.err, sizeof(verbs_ctx.err));
	if (!err)
		ck_assert(json_object_is_type(data, json_type_object));
	/* found is borrowed from entry: copy it before entry goes */
	snprintf(name, nsz, "%s", found ? found : "");
	json_object_put(data);
	json_object_put(entry);
	return err;
}

START_TEST(verbs_both_forms)
{
	char name[64];

	ck_assert_int_eq(verbs_entry("{\"verb\":\"say\",\"text\":\"hi\"}",
				     name, sizeof(name)),
			 0);
	ck_assert_str_eq(name, "say");
	ck_assert_int_eq(
		verbs_entry("{\"say\":{\"text\":\"hi\"}}", name, sizeof(name)),
		0);
	ck_assert_str_eq(name, "say");

	ck_assert_int_eq(verbs_entry("{\"verb\":\"say\",\"text\":1}", name,
				     sizeof(name)),
			 EINVAL);
	ck_assert_str_eq(verbs_ctx.err, "say: property text has invalid data "
					"type, must be one of string,array");
	ck_assert_int_eq(
		verbs_entry("{\"say\":{\"txt\":\"hi\"}}", name, sizeof(name)),
		EINVAL);
	ck_assert_str_eq(verbs_ctx.err, "say: unknown property txt");

	ck_assert_int_eq(verbs_entry("{\"verb\":\"sip:decline\","
				     "\"status\":480,\"reason\":\"busy\"}",
				     name, sizeof(name)),
			 0);
	ck_assert_str_eq(name, "sip:decline");
	ck_assert_int_eq(
		verbs_entry("{\"sip:decline\":{}}", name, sizeof(name)),
		EINVAL);
	ck_assert_str_eq(verbs_ctx.err,
			 "sip:decline: missing value for status");

	ck_assert_int_eq(verbs_entry("{\"verb\":\"dial\",\"target\":"
				     "[{\"type\":\"phone\",\"number\":\"1\"}]"
				     ",\"id\":\"d1\"}",
				     name, sizeof(name)),
			 0);
	ck_assert_int_eq(verbs_entry("{\"dial\":{\"target\":[{\"type\":"
				     "\"pstn\"}]}}",
				     name, sizeof(name)),
			 EINVAL);
	ck_assert_str_eq(verbs_ctx.err, "target: invalid value pstn must be "
					"one of phone,sip,user,teams");

	ck_assert_int_eq(
		verbs_entry("{\"verb\":\"pause\"}", name, sizeof(name)),
		EINVAL);
	ck_assert_str_eq(verbs_ctx.err, "pause: missing value for length");
	ck_assert_int_eq(
		verbs_entry("{\"pause\":{\"length\":2}}", name, sizeof(name)),
		0);
}
END_TEST

Suite *verbs_suite(void);

Suite *verbs_suite(void)
{
	Suite *s = suite_create("verbs");
	TCase *tc = tcase_create("verbs");

	tcase_add_checked_fixture(tc, verbs_setup, verbs_teardown);
	tcase_set_timeout(tc, fixture_timeout(30));
	tcase_add_loop_test(tc, verbs_descriptor, 0, VERBS_COUNT);
	tcase_add_loop_test(tc, verbs_properties, 0, VERBS_COUNT);
	tcase_add_loop_test(tc, verbs_unknown_required_id, 0, VERBS_COUNT);
	tcase_add_test(tc, verbs_both_forms);
	suite_add_tcase(s, tc);
	return s;
}
