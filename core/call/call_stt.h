/**
 * @file call_stt.h  A call's speech recognition inside the core: the
 *                   channel a recognition hears (call_stt.c), for the
 *                   transcription service (call_stt_tx.c)
 */
#ifndef CALL_STT_H
#define CALL_STT_H

#include <fs/fs_stt.h>

/**
 * fs_call_stt() without its tap: the owner feeds the audio
 * (stt_feed()); the results carry channel as their channel_tag (1 the
 * caller, 2 the party bridged to it). One tap for every channel, since
 * each tap of a stream takes its frames from the same ring.
 */
int call_stt_open(struct fs_stt **sp, struct fs_call *c,
		  struct fs_scope *scope, const struct json_object *recog,
		  unsigned channel, fs_stt_h *h, void *arg);

#endif
