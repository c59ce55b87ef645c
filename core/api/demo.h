/**
 * @file demo.h  The built-in demo application's action hook
 */
#ifndef DEMO_H
#define DEMO_H

#include <stddef.h>

struct json_object;

/**
 * Answer the demo's gather actionHook: read the digits back, then hang
 * up.
 *
 * @param body  The hook's JSON body (may be NULL)
 * @param replyp Returns the verb array (new reference)
 */
int demo_gather_reply(const char *body, size_t len,
		      struct json_object **replyp);

#endif
