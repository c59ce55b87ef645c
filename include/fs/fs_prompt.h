/**
 * @file fs_prompt.h  Speak or play a say/play verb's audio on a call
 *
 * The sequencing shared by say, play and gather's nested prompt: every
 * text (or URL) of the verb is synthesised (or fetched) up front, a few
 * at a time, then played in order, the whole list `loop` times: a
 * count (absent, 0 or negative = once, at most 1000) or "forever"
 * (until stopped). A list with no audio at all ends at once.
 */
#ifndef FS_PROMPT_H
#define FS_PROMPT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_call;
struct fs_scope;
struct json_object;

struct fs_prompt_result {
	uint64_t samples;     /**< samples played in all             */
	uint64_t last_offset; /**< sample position in the last item   */
};

/**
 * Prompt finished.
 *
 * @param err 0 when it played to the end (or timeoutSecs elapsed),
 *            ECANCELED when stopped, else why it failed
 */
typedef void(fs_prompt_h)(int err, const struct fs_prompt_result *res,
			  void *arg);

/**
 * Run a say or play verb's audio. Bound to scope: closing it stops the
 * prompt without calling h.
 *
 * @param verb "say" or "play"
 * @param data The verb's properties (borrowed; must outlive the prompt)
 */
int fs_prompt_run(struct fs_call *c, struct fs_scope *scope, const char *verb,
		  const struct json_object *data, fs_prompt_h *h, void *arg);

#ifdef __cplusplus
}
#endif

#endif
