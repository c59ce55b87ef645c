/**
 * @file check_schema.c  fs_schema_validate() rule by rule, hostile input
 *
 * A hand-written schema exercises each kind of spec specs.json uses, so
 * a rule that breaks shows up here with a short message rather than in
 * the property sweep of check_verbs.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <fs/fs_schema.h>
#include "fixture.h"

static const char schema_json[] =
	"{\"v\":{\"properties\":{"
	"\"id\":\"string\",\"n\":\"number\",\"s\":\"string\","
	"\"b\":\"boolean\",\"o\":\"object\",\"a\":\"array\","
	"\"u\":\"string|array\",\"ns\":\"number | string\","
	"\"os\":\"object|string\",\"r\":\"#r\",\"ra\":[\"#r\"],"
	"\"e\":{\"type\":\"string\",\"enum\":[\"x\",\"y\"]},"
	"\"en\":{\"type\":\"number\",\"enum\":[1,2.5]},"
	"\"t\":{\"type\":\"number\"},"
	"\"bad1\":{\"type\":\"array\",\"enum\":[\"x\"]},"
	"\"bad2\":\"frob\",\"bad3\":[\"x\"],\"bad4\":7,"
	"\"bad5\":{\"enum\":[\"x\"]},\"bad6\":[],"
	"\"bad7\":{\"type\":\"string\",\"enum\":\"x\"}},"
	"\"required\":[\"n\"]},"
	"\"r\":{\"properties\":{\"k\":\"string\",\"deep\":\"#r\"},"
	"\"required\":[\"k\"]},"
	"\"loop\":{\"properties\":{\"child\":\"#loop\"}},"
	"\"multi\":{\"properties\":{\"a\":\"string\",\"b\":\"string\","
	"\"c\":\"string\"},\"required\":[\"a\",\"b\",\"c\"]},"
	"\"noprops\":{},"
	"\"dangling\":{\"properties\":{\"x\":\"#nowhere\"}}}";

static struct json_object *schema_obj;
static char schema_err[256];

static void schema_setup(void)
{
	schema_obj = json_tokener_parse(schema_json);
	ck_assert_ptr_nonnull(schema_obj);
}

static void schema_teardown(void)
{
	json_object_put(schema_obj);
	schema_obj = NULL;
}

/* Validate JSON text as type name; the message lands in schema_err */
static int schema_run(const char *name, const char *json)
{
	struct json_object *data = json_tokener_parse(json);
	int err;

	/* "null" parses to NULL, which is a valid JSON null for json-c */
	if (strcmp(json, "null"))
		ck_assert_msg(data, "bad test JSON %s", json);
	schema_err[0] = '\0';
	err = fs_schema_validate(schema_obj, name, data, schema_err,
				 sizeof(schema_err));
	json_object_put(data);
	return err;
}

static void schema_ok(const char *name, const char *json)
{
	int err = schema_run(name, json);

	ck_assert_msg(!err, "%s %s rejected: %s", name, json, schema_err);
}

static void schema_bad(const char *name, const char *json, const char *msg)
{
	int err = schema_run(name, json);

	ck_assert_msg(err == EINVAL, "%s %s accepted", name, json);
	ck_assert_str_eq(schema_err, msg);
}

/* {"n":1,"<key>":<val>} must be accepted */
static void prop_ok(const char *key, const char *val)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"n\":1,\"%s\":%s}", key, val);
	schema_ok("v", buf);
}

static void prop_bad(const char *key, const char *val, const char *msg)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"n\":1,\"%s\":%s}", key, val);
	schema_bad("v", buf, msg);
}

START_TEST(schema_number)
{
	const char *m = "v: property n has invalid data type";

	schema_ok("v", "{\"n\":1}");
	schema_ok("v", "{\"n\":-2.5}");
	schema_ok("v", "{\"n\":1e300}");
	schema_bad("v", "{\"n\":\"1\"}", m);
	schema_bad("v", "{\"n\":true}", m);
	schema_bad("v", "{\"n\":null}", m);
	schema_bad("v", "{\"n\":[]}", m);
	schema_bad("v", "{\"n\":{}}", m);
}
END_TEST

START_TEST(schema_string_boolean)
{
	prop_ok("s", "\"\"");
	prop_ok("s", "\"x\"");
	prop_bad("s", "1", "v: property s has invalid data type");
	prop_bad("s", "null", "v: property s has invalid data type");
	prop_bad("s", "[\"x\"]", "v: property s has invalid data type");
	prop_ok("b", "true");
	prop_ok("b", "false");
	prop_bad("b", "0", "v: property b has invalid data type");
	prop_bad("b", "\"true\"", "v: property b has invalid data type");
}
END_TEST

/* typeof [] and typeof null are "object" in JavaScript */
START_TEST(schema_object_typeof)
{
	prop_ok("o", "{}");
	prop_ok("o", "{\"any\":[1,{\"x\":null}]}");
	prop_ok("o", "[]");
	prop_ok("o", "null");
	prop_bad("o", "\"x\"", "v: property o has invalid data type");
	prop_bad("o", "1", "v: property o has invalid data type");
	prop_bad("o", "false", "v: property o has invalid data type");
}
END_TEST

START_TEST(schema_array)
{
	prop_ok("a", "[]");
	prop_ok("a", "[1,\"a\",null]");
	prop_bad("a", "{}", "v: property a is not an array");
	prop_bad("a", "\"a\"", "v: property a is not an array");
	prop_bad("a", "null", "v: property a is not an array");
}
END_TEST

START_TEST(schema_union)
{
	prop_ok("u", "\"x\"");
	prop_ok("u", "[]");
	prop_bad("u", "{}",
		 "v: property u has invalid data type, must be one of "
		 "string,array");
	prop_bad("u", "1",
		 "v: property u has invalid data type, must be one of "
		 "string,array");
	prop_bad("u", "null",
		 "v: property u has invalid data type, must be one of "
		 "string,array");

	/* "boolean | number" in specs.json: alternatives are trimmed */
	prop_ok("ns", "1");
	prop_ok("ns", "\"1\"");
	prop_bad("ns", "true",
		 "v: property ns has invalid data type, must be one of "
		 "number,string");

	prop_ok("os", "\"/hook\"");
	prop_ok("os", "{\"url\":\"/hook\"}");
	prop_ok("os", "null");
	prop_ok("os", "[]");
	prop_bad("os", "2",
		 "v: property os has invalid data type, must be one of "
		 "object,string");
}
END_TEST

START_TEST(schema_ref)
{
	const char *m = "v: property r has invalid data type";

	prop_ok("r", "{\"k\":\"a\"}");
	prop_ok("r", "{\"k\":\"a\",\"deep\":{\"k\":\"b\"}}");
	prop_ok("r", "{\"k\":\"a\",\"_\":1}");

	/* JavaScript would walk "abc" as {0:"a",...}; we want an object */
	prop_bad("r", "\"abc\"", m);
	prop_bad("r", "[]", m);
	prop_bad("r", "null", m);
	prop_bad("r", "5", m);
	prop_bad("r", "true", m);

	/* errors inside a ref are named after the referenced type */
	prop_bad("r", "{}", "r: missing value for k");
	prop_bad("r", "{\"k\":1}", "r: property k has invalid data type");
	prop_bad("r", "{\"k\":\"a\",\"zz\":1}", "r: unknown property zz");
	prop_bad("r", "{\"k\":\"a\",\"deep\":{}}", "r: missing value for k");
	prop_bad("r", "{\"k\":\"a\",\"deep\":\"x\"}",
		 "r: property deep has invalid data type");
}
END_TEST

START_TEST(schema_ref_array)
{
	prop_ok("ra", "[]");
	prop_ok("ra", "[{\"k\":\"a\"},{\"k\":\"b\"}]");
	prop_bad("ra", "{\"k\":\"a\"}", "v: property ra is not an array");
	prop_bad("ra", "\"kk\"", "v: property ra is not an array");
	prop_bad("ra", "null", "v: property ra is not an array");
	prop_bad("ra", "[{\"k\":\"a\"},\"x\"]",
		 "v: property ra has invalid data type");
	prop_bad("ra", "[null]", "v: property ra has invalid data type");
	prop_bad("ra", "[[]]", "v: property ra has invalid data type");
	prop_bad("ra", "[{\"k\":\"a\"},{}]", "r: missing value for k");
}
END_TEST

START_TEST(schema_enum)
{
	prop_ok("e", "\"x\"");
	prop_ok("e", "\"y\"");
	prop_bad("e", "\"z\"", "v: invalid value z must be one of x,y");
	prop_bad("e", "\"X\"", "v: invalid value X must be one of x,y");
	prop_bad("e", "\"\"", "v: invalid value  must be one of x,y");
	prop_bad("e", "1", "v: property e has invalid data type");
	prop_bad("e", "null", "v: property e has invalid data type");
	prop_bad("e", "[\"x\"]", "v: property e has invalid data type");

	prop_ok("en", "1");
	prop_ok("en", "1.0");
	prop_ok("en", "2.5");
	prop_bad("en", "3", "v: invalid value 3 must be one of 1,2.5");
	prop_bad("en", "\"1\"", "v: property en has invalid data type");

	prop_ok("t", "5");
	prop_bad("t", "\"5\"", "v: property t has invalid data type");
}
END_TEST

/* Specs JavaScript rejects with an assertion are rejected, not skipped */
START_TEST(schema_invalid_spec)
{
	prop_bad("bad1", "[\"x\"]", "v: invalid spec for property bad1");
	prop_bad("bad2", "\"x\"", "v: invalid spec for property bad2");
	prop_bad("bad3", "[]", "v: invalid spec for property bad3");
	prop_bad("bad4", "7", "v: invalid spec for property bad4");
	prop_bad("bad5", "\"x\"", "v: invalid spec for property bad5");
	prop_bad("bad6", "[]", "v: invalid spec for property bad6");
	prop_bad("bad7", "\"x\"", "v: invalid spec for property bad7");
	schema_bad("dangling", "{\"x\":{}}", "invalid instruction: nowhere");
}
END_TEST

START_TEST(schema_unknown_property)
{
	schema_bad("v", "{\"n\":1,\"zz\":1}", "v: unknown property zz");
	schema_bad("v", "{\"n\":1,\"ID\":\"a\"}", "v: unknown property ID");
	schema_bad("v", "{\"n\":1,\"toString\":1}",
		   "v: unknown property toString");
	schema_ok("v", "{\"n\":1,\"_\":{\"free\":[1,2]}}");
	schema_ok("v", "{\"n\":1,\"id\":\"abc\"}");

	/* properties are checked first, in document order */
	schema_bad("v", "{\"zz\":1}", "v: unknown property zz");
	schema_bad("v", "{\"s\":1,\"zz\":1}",
		   "v: property s has invalid data type");

	schema_ok("noprops", "{}");
	schema_ok("noprops", "{\"_\":1}");
	schema_bad("noprops", "{\"a\":1}", "noprops: unknown property a");
}
END_TEST

START_TEST(schema_required)
{
	schema_bad("v", "{}", "v: missing value for n");
	schema_bad("v", "{\"s\":\"x\"}", "v: missing value for n");
	schema_bad("v", "{\"_\":1}", "v: missing value for n");
	schema_bad("multi", "{}", "multi: missing value for a,b,c");
	schema_bad("multi", "{\"b\":\"x\"}", "multi: missing value for a,c");
	schema_ok("multi", "{\"a\":\"\",\"b\":\"\",\"c\":\"\"}");
	schema_ok("loop", "{}");
}
END_TEST

START_TEST(schema_bad_arguments)
{
	struct json_object *data = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char small[8];

	schema_bad("v", "\"x\"", "v: data must be an object");
	schema_bad("v", "[]", "v: data must be an object");
	schema_bad("v", "null", "v: data must be an object");
	schema_bad("v", "5", "v: data must be an object");
	schema_bad("nope", "{}", "invalid instruction: nope");

	ck_assert_int_eq(fs_schema_validate(NULL, "v", data, schema_err,
					    sizeof(schema_err)),
			 EINVAL);
	ck_assert_int_eq(fs_schema_validate(arr, "v", data, schema_err,
					    sizeof(schema_err)),
			 EINVAL);
	ck_assert_int_eq(fs_schema_validate(schema_obj, NULL, data, schema_err,
					    sizeof(schema_err)),
			 EINVAL);

	/* no room for a message is not an error of its own */
	ck_assert_int_eq(fs_schema_validate(schema_obj, "v", data, NULL, 0),
			 EINVAL);
	ck_assert_int_eq(fs_schema_validate(schema_obj, "multi", data, small,
					    sizeof(small)),
			 EINVAL);
	ck_assert_str_eq(small, "multi: ");

	json_object_put(arr);
	json_object_put(data);
}
END_TEST

/* {"child":{"child":...}} n levels deep, built without the parser */
static struct json_object *schema_chain(unsigned n)
{
	struct json_object *o = json_object_new_object();

	for (unsigned i = 0; i < n; i++) {
		struct json_object *up = json_object_new_object();

		json_object_object_add(up, "child", o);
		o = up;
	}
	return o;
}

START_TEST(schema_deep_nesting)
{
	struct json_object *d;
	char *text;
	int err;

	d = schema_chain(10);
	err = fs_schema_validate(schema_obj, "loop", d, schema_err,
				 sizeof(schema_err));
	ck_assert_msg(!err, "%s", schema_err);
	json_object_put(d);

	/* a cyclic schema cannot take the stack with it */
	d = schema_chain(10000);
	err = fs_schema_validate(schema_obj, "loop", d, schema_err,
				 sizeof(schema_err));
	ck_assert_int_eq(err, EINVAL);
	ck_assert_str_eq(schema_err, "loop: nesting too deep");
	json_object_put(d);

	/* an "object" property is not descended into, however deep */
	d = json_object_new_object();
	json_object_object_add(d, "n", json_object_new_int(1));
	json_object_object_add(d, "o", schema_chain(10000));
	err = fs_schema_validate(schema_obj, "v", d, schema_err,
				 sizeof(schema_err));
	ck_assert_msg(!err, "%s", schema_err);
	json_object_put(d);

	/* and 10000 brackets of text never parse into a tree at all */
	text = calloc(1, 20001);
	ck_assert_ptr_nonnull(text);
	memset(text, '[', 10000);
	memset(text + 10000, ']', 10000);
	ck_assert_ptr_null(json_tokener_parse(text));
	free(text);
}
END_TEST

START_TEST(schema_huge_array)
{
	struct json_object *d = json_object_new_object();
	struct json_object *ra = json_object_new_array();
	struct json_object *a = json_object_new_array();
	struct json_object *item;
	int err;

	for (int i = 0; i < 100000; i++) {
		item = json_object_new_object();
		json_object_object_add(item, "k", json_object_new_string("a"));
		json_object_array_add(ra, item);
	}
	for (int i = 0; i < 1000000; i++)
		json_object_array_add(a, json_object_new_int(i));
	json_object_object_add(d, "n", json_object_new_int(1));
	json_object_object_add(d, "ra", ra);
	json_object_object_add(d, "a", a);
	err = fs_schema_validate(schema_obj, "v", d, schema_err,
				 sizeof(schema_err));
	ck_assert_msg(!err, "%s", schema_err);

	/* the one bad item at the very end is still found */
	json_object_array_add(ra, json_object_new_object());
	err = fs_schema_validate(schema_obj, "v", d, schema_err,
				 sizeof(schema_err));
	ck_assert_int_eq(err, EINVAL);
	ck_assert_str_eq(schema_err, "r: missing value for k");

	/* a long value is cut to fit the message, never overflowing */
	json_object_object_add(
		d, "e",
		json_object_new_string_len("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
					   "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
					   60));
	json_object_array_del_idx(ra, 100000, 1);
	err = fs_schema_validate(schema_obj, "v", d, schema_err, 20);
	ck_assert_int_eq(err, EINVAL);
	ck_assert_str_eq(schema_err, "v: invalid value zz");
	json_object_put(d);
}
END_TEST

Suite *schema_suite(void);

Suite *schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("rules");
	TCase *th = tcase_create("hostile");

	tcase_add_checked_fixture(tc, schema_setup, schema_teardown);
	tcase_set_timeout(tc, fixture_timeout(10));
	tcase_add_test(tc, schema_number);
	tcase_add_test(tc, schema_string_boolean);
	tcase_add_test(tc, schema_object_typeof);
	tcase_add_test(tc, schema_array);
	tcase_add_test(tc, schema_union);
	tcase_add_test(tc, schema_ref);
	tcase_add_test(tc, schema_ref_array);
	tcase_add_test(tc, schema_enum);
	tcase_add_test(tc, schema_invalid_spec);
	tcase_add_test(tc, schema_unknown_property);
	tcase_add_test(tc, schema_required);
	tcase_add_test(tc, schema_bad_arguments);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(th, schema_setup, schema_teardown);
	tcase_set_timeout(th, fixture_timeout(60));
	tcase_add_test(th, schema_deep_nesting);
	tcase_add_test(th, schema_huge_array);
	suite_add_tcase(s, th);
	return s;
}
