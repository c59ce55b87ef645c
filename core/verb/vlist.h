/**
 * @file vlist.h  A verb list from a webhook or app_json, validated
 *
 * Every verb of the list is checked by its plugin (loaded on first use)
 * before any of them runs, so a list is refused whole, as jambonz does.
 */
#ifndef VLIST_H
#define VLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct loader;

/** A validated, normalised verb list (libre mem object) */
struct vlist {
	size_t n;
	struct vitem {
		char *name;
		struct json_object *data;
	} * items;
};

/**
 * Validate a webhook answer: a JSON array of verbs in either form.
 *
 * @param vp  Returns the normalised list
 * @param err Receives the first problem, e.g. "say: unknown property x"
 * @return 0, EPROTO (not an array), EINVAL/ENOENT (a bad verb)
 */
int vlist_parse(struct vlist **vp, struct loader *l,
		const struct json_object *arr, char *err, size_t errsz);

/** Limits on a webhook answer (see MAX_VERBS_PER_DOC and friends) */
struct vlist_limits {
	uint32_t max_verbs; /* 0: no limit                        */
	uint32_t max_depth; /* JSON nesting; 0: json-c's default  */
};

/**
 * Parse and validate a webhook answer body: JSON of at most max_depth
 * levels with nothing but white space after it, an array of at most
 * max_verbs verbs, each valid.
 *
 * @param body Body bytes (borrowed), len of them
 * @param err  Receives the reason, e.g. "webhook returned invalid JSON"
 * @return 0, EPROTO (not JSON, too deep, not an array), E2BIG (too many
 *         verbs), EINVAL/ENOENT (a bad verb), ENOMEM
 */
int vlist_from_body(struct vlist **vp, struct loader *l,
		    const struct vlist_limits *lim, const char *body,
		    size_t len, char *err, size_t errsz);

/**
 * Whether body is JSON (of at most max_depth levels, 0: json-c's
 * default) that is not an array: an actionHook answer jambonz ignores
 */
bool vlist_body_not_array(const char *body, size_t len, uint32_t max_depth);

/**
 * A new list: the items of a from index from, then those of b (either
 * may be NULL); verbs are shared, not copied.
 *
 * @return 0, EINVAL, ENOMEM
 */
int vlist_concat(struct vlist **vp, const struct vlist *a, size_t from,
		 const struct vlist *b);

#endif
