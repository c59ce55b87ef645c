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

#include <stddef.h>

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

#ifdef __cplusplus
}
#endif

#endif
