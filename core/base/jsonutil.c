/**
 * @file jsonutil.c  Reading JSON from outside: values of the right type
 */
#include <json-c/json.h>
#include "base/jsonutil.h"

const char *jsonutil_str(const struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !key || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}
