/**
 * @file fs_plugin.h  Verb plugin ABI
 *
 * A verb plugin is a shared object exporting exactly one data symbol,
 * fs_plugin, declared with FS_PLUGIN(). The core dlopens
 * PLUGIN_DIR/<file>.so on first use of the verb (file: the verb name
 * with ':' replaced by '-', so sip:decline lives in sip-decline.so),
 * checks the descriptor and calls init once.
 *
 * Compatibility: the core refuses a plugin whose abi_major differs from
 * its own, whose abi_minor is newer, or whose size is smaller than the
 * ABI-1.0 descriptor. Fields are only ever appended (minor bump); a
 * NULL callback means "not provided". See docs/abi.md.
 */
#ifndef FS_PLUGIN_H
#define FS_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FS_ABI_MAJOR 1
#define FS_ABI_MINOR 12

/** Name of the one exported symbol */
#define FS_PLUGIN_SYMBOL "fs_plugin"

struct json_object;
struct fs_task;

struct fs_plugin {
	uint32_t abi_major; /**< FS_ABI_MAJOR at plugin build time    */
	uint32_t abi_minor; /**< FS_ABI_MINOR at plugin build time    */
	uint32_t size;      /**< sizeof(struct fs_plugin) at build    */
	const char *name;   /**< verb name, e.g. "sip:decline"        */
	const char *version;

	/** Once after dlopen; non-zero errno refuses the plugin */
	int (*init)(void);

	/** Once before dlclose */
	void (*destroy)(void);

	/**
	 * Validate the verb's properties object (the JSON form without the
	 * "verb" key). Must not keep references to data.
	 *
	 * @return 0, or EINVAL with a message in err
	 */
	int (*validate)(const struct json_object *data, char *err,
			size_t errsz);

	/**
	 * Start running a validated verb on a task. The plugin ends the
	 * task exactly once with the core's task API. NULL: the verb is
	 * known and validated but cannot run in this build.
	 *
	 * @return 0, or errno when it failed before starting
	 */
	int (*exec)(struct fs_task *task, const struct json_object *data);

	/** Stop a running task at once (caller hang-up, redirect) */
	void (*cancel)(struct fs_task *task);

	/* ABI 1.1 */

	/** FS_PLUGIN_* preconditions the core ensures before exec */
	uint32_t flags;
};

/** The verb needs media: the core answers the call first (or sends 183
 * with SDP when the verb has "earlyMedia": true) */
#define FS_PLUGIN_NEEDS_MEDIA 0x1u

/** Smallest descriptor the core accepts (ABI 1.0) */
#define FS_PLUGIN_MIN_SIZE \
	(offsetof(struct fs_plugin, cancel) + sizeof(void *))

#define FS_EXPORT __attribute__((visibility("default")))

/**
 * Define the plugin descriptor, stamping in the ABI fields:
 *
 *   FS_PLUGIN(.name = "pause", .validate = pause_validate);
 */
#define FS_PLUGIN(...)                                 \
	FS_EXPORT const struct fs_plugin fs_plugin = { \
		.abi_major = FS_ABI_MAJOR,             \
		.abi_minor = FS_ABI_MINOR,             \
		.size = sizeof(struct fs_plugin),      \
		__VA_ARGS__}

#ifdef __cplusplus
}
#endif

#endif
