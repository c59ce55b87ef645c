/**
 * @file stt.h  Streaming speech recognition behind a vendor interface
 *
 * One recognition (struct fs_stt, include/fs/fs_stt.h) is a WebSocket
 * stream to the vendor: the caller's audio goes out as the vendor wants
 * it (resampled from 8 kHz), the vendor's messages come back and are
 * normalised to the jambonz shape. Independent of calls: core/call gives
 * it the credential, the recognizer and the audio (call_stt.c).
 *
 * stt.c          the stream's life: open, audio, pause, finish, end
 * sttv.c         the vendors' table and what they share
 * sttv_<name>.c  one vendor each: its URL, its messages
 * evstream.c     AWS's event-stream framing (sttv_aws.c)
 * stt_vad.c      the voice detector that holds a stream back (vad)
 */
#ifndef STT_H
#define STT_H

#include <stddef.h>
#include <stdint.h>
#include <fs/fs_stt.h>

struct fs_req;
struct fs_scope;
struct json_object;

/* the longest a vendor may take to end the stream after finish */
#define STT_FINISH_MS 5000
/* audio kept while the handshake runs, then sent at once */
#define STT_PREOPEN_MS 2000
/* audio the socket may hold unsent before frames are dropped */
#define STT_TXQ_MS 5000

struct stt_conf {
	struct fs_req *req;
	struct fs_scope *scope;          /* the owner's */
	const char *vendor;              /* as the recognizer names it */
	const struct json_object *cred;  /* the credential's fields */
	const struct json_object *recog; /* merged recognizer */
	const char *call_sid;            /* for log lines */
	uint32_t handshake_ms;           /* 0: 1500 */
	unsigned channel;                /* channel_tag of the results; 0: 1 */
	bool cred_later; /* cred a placeholder: stt_cred() gives it */
	fs_stt_h *h;
	void *arg;
};

/**
 * Open the stream. The recognition is bound to conf->scope.
 *
 * @return 0, EINVAL (the credential or recognizer lacks what the vendor
 *         needs: logged), ENOTSUP (unknown vendor), ESHUTDOWN, ENOMEM
 */
int stt_start(struct fs_stt **sp, const struct stt_conf *conf);

/**
 * The credential of a recognition started with cred_later (an STS
 * AssumeRole's keys): the stream opens, and gets the audio kept
 * meanwhile (up to STT_PREOPEN_MS). err: the recognition fails.
 */
void stt_cred(struct fs_stt *s, int err, const struct json_object *cred);

/** @return the recognition's own scope, for the audio's tap */
struct fs_scope *stt_scope(const struct fs_stt *s);

/** The caller's audio, one 20 ms frame at 8 kHz (from the media tick:
 *  copies and queues, never ends the recognition) */
void stt_feed(struct fs_stt *s, const int16_t *pcm, size_t n);

/** @return whether vendor is one this server speaks */
int stt_known(const char *vendor);

#endif
