/**
 * @file loader.h  Verb plugin loader: dlopen on first use, preload, LRU
 */
#ifndef LOADER_H
#define LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <fs/fs_plugin.h>

struct json_object;
struct loader;
struct plugin;

struct loader_stats {
	uint32_t loaded;
	uint64_t hits;
	uint64_t misses;
	uint64_t failures;
	uint64_t unloads;
};

/**
 * @param lp         Returns a new reference
 * @param dir        Plugin folder (copied)
 * @param cache_size Most plugins kept loaded (0 = unlimited)
 */
int loader_alloc(struct loader **lp, const char *dir, uint32_t cache_size);

void loader_set_cache_size(struct loader *l, uint32_t cache_size);

/**
 * Load every verb of a comma-separated list. Failures are logged and
 * counted; the others still load.
 *
 * @return 0 when all loaded, else the last error
 */
int loader_preload(struct loader *l, const char *list);

/**
 * Find a verb's plugin, loading it on first use, and take a use
 * reference so it is not unloaded while a task runs it.
 *
 * @param pp Returns the plugin; release with loader_release()
 * @return 0, ENOENT (no such verb), ELIBBAD (refused plugin), EINVAL
 */
int loader_acquire(struct loader *l, const char *verb, struct plugin **pp);
void loader_release(struct plugin *p);

/** @return FS_PLUGIN_* flags (0 for plugins older than ABI 1.1) */
uint32_t plugin_flags(const struct plugin *p);

/** @return the plugin's descriptor (borrowed) */
const struct fs_plugin *plugin_desc(const struct plugin *p);

/**
 * Validate one verb entry in either JSON form ({"verb":"say",...} or
 * {"say":{...}}): finds the plugin and runs its validate.
 *
 * @param namep Optional: receives the verb name (borrowed from entry)
 * @param datap Optional: receives the properties (a new reference)
 * @return 0, or EINVAL/ENOENT/ELIBBAD with err set
 */
int loader_validate(struct loader *l, const struct json_object *entry,
		    const char **namep, struct json_object **datap, char *err,
		    size_t errsz);

void loader_stats(const struct loader *l, struct loader_stats *st);

/** Add loaded (names), count, hits, misses, failures, load_us{} to obj */
int loader_metrics(const struct loader *l, struct json_object *obj);

struct loader_rescan {
	uint32_t reloaded; /* changed files now serving new tasks */
	uint32_t removed;  /* files gone: no longer offered      */
	uint32_t failed;   /* changed but refused: old version kept */
};

/**
 * Look at the plugin folder again (reload): a changed .so serves new
 * tasks while running tasks keep the code they started with; a removed
 * one stops being offered; a broken one is refused and the running
 * version stays. New files are loaded on first use as always.
 */
int loader_rescan(struct loader *l, struct loader_rescan *rs);

/** Map a verb name to its file stem ("sip:decline" -> "sip-decline") */
int loader_file_stem(const char *verb, char *buf, size_t sz);

#endif
