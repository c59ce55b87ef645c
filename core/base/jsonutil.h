/**
 * @file jsonutil.h  Reading JSON from outside: values of the right type
 */
#ifndef JSONUTIL_H
#define JSONUTIL_H

struct json_object;

/**
 * @return the string value of key in o, or NULL when o is not given,
 *         the key is missing or its value is not a string (a number or
 *         an object is never turned into text behind the caller's back)
 */
const char *jsonutil_str(const struct json_object *o, const char *key);

#endif
