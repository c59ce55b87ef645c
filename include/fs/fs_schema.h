/**
 * @file fs_schema.h  Verb JSON validation against a specs.json-shaped schema
 *
 * A schema is a JSON object mapping type names to
 * {"properties": {name: spec}, "required": [...]}, exactly the shape of
 * specs.json in @jambonz/verb-specifications. A spec is a type string
 * ("number", "string|array", ...), "#ref" to another type in the same
 * schema, ["#ref"] for an array of them, or {"type":..., "enum":[...]}.
 */
#ifndef FS_SCHEMA_H
#define FS_SCHEMA_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <json-c/json_object.h>
#include <json-c/json_tokener.h>
#include <fs/fs_plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;

/**
 * Validate data as type name of schema.
 *
 * @param schema Schema object (borrowed)
 * @param name   Type to check data against, e.g. "say"
 * @param data   The verb's properties object (borrowed)
 * @param err    Receives a message such as "say: unknown property foo"
 * @param errsz  Size of err
 * @return 0, or EINVAL with err set
 */
int fs_schema_validate(const struct json_object *schema, const char *name,
		       const struct json_object *data, char *err,
		       size_t errsz);

/**
 * Define the plugin descriptor of a verb validated by its schema alone:
 * generates prefix_init (parses schema_json once per loaded .so; a
 * schema that does not parse refuses the plugin), prefix_destroy and
 * prefix_validate (fs_schema_validate() against type verb), and passes
 * the remaining fields to FS_PLUGIN():
 *
 *   FS_SCHEMA_PLUGIN(tag, "tag", tag_schema_json,
 *                    .version = "1.0", .exec = tag_exec);
 *
 * prefix is a C identifier, verb the verb name ("sip:decline" with the
 * prefix sip_decline). A plugin that needs more than the schema at init
 * or validate time writes its callbacks and uses FS_PLUGIN().
 */
#define FS_SCHEMA_PLUGIN(prefix, verb, schema_json, ...)                      \
	static struct json_object *prefix##_schema;                           \
	static int prefix##_init(void)                                        \
	{                                                                     \
		prefix##_schema = json_tokener_parse(schema_json);            \
		return prefix##_schema ? 0 : EINVAL;                          \
	}                                                                     \
	static void prefix##_destroy(void)                                    \
	{                                                                     \
		json_object_put(prefix##_schema);                             \
		prefix##_schema = NULL;                                       \
	}                                                                     \
	static int prefix##_validate(const struct json_object *data,          \
				     char *err, size_t errsz)                 \
	{                                                                     \
		if (!prefix##_schema) {                                       \
			if (err && errsz)                                     \
				snprintf(err, errsz,                          \
					 "%s: plugin not initialised", verb); \
			return EINVAL;                                        \
		}                                                             \
		return fs_schema_validate(prefix##_schema, verb, data, err,   \
					  errsz);                             \
	}                                                                     \
	FS_PLUGIN(.name = verb, .init = prefix##_init,                        \
		  .destroy = prefix##_destroy, .validate = prefix##_validate, \
		  __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif
