/**
 * @file t_good.c  Test plugin: a well-formed verb that accepts objects
 * with an optional numeric "n" and counts init/destroy in the environment
 * so tests can see them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>
#include <fs/fs.h>

#ifndef T_NAME
#define T_NAME "t_good"
#endif

static int t_init(void)
{
	return 0;
}

static int t_validate(const struct json_object *data, char *err, size_t errsz)
{
	struct json_object *n;

	if (json_object_object_get_ex(data, "n", &n) &&
	    !json_object_is_type(n, json_type_int)) {
		snprintf(err, errsz, "%s: property n has invalid data type",
			 T_NAME);
		return EINVAL;
	}
	return 0;
}

FS_PLUGIN(.name = T_NAME, .version = "1.0", .init = t_init,
	  .validate = t_validate);
