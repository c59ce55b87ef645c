/**
 * @file sttv.h  What a recognition vendor implements, and what the
 *               vendors share
 */
#ifndef STTV_H
#define STTV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <re.h>
#include <fs/fs_stt.h>
#include "speech/stt_vad.h"

struct fs_stt;
struct req_ws_conn;
struct json_object;

struct sttv {
	const char *name;
	/**
	 * The stream's URL and request headers (new strings; headers
	 * NULL or lines ending in CRLF, made of checked values) and
	 * s->rate; the vendor state in s->vst.
	 * @return 0, or EINVAL (logged: what the credential lacks)
	 */
	int (*prepare)(struct fs_stt *s, char **urlp, char **hdrsp);
	/** the handshake succeeded: a configuration message, if any */
	int (*opened)(struct fs_stt *s);
	/** one text message of the vendor */
	void (*text)(struct fs_stt *s, const char *text, size_t len);
	/** a binary message (vendors whose protocol is binary) */
	void (*bin)(struct fs_stt *s, const uint8_t *data, size_t len);
	/** wrap one buffer of audio (NULL: sent as raw L16) */
	int (*audio)(struct fs_stt *s, const int16_t *pcm, size_t n);
	/** ask the vendor to recognise what it has and end */
	int (*finish)(struct fs_stt *s);
	/** keep a paused stream open (NULL: nothing needed) */
	int (*keepalive)(struct fs_stt *s);
	uint32_t keepalive_ms;
	/** audio waits until the vendor calls stt_ready() (after its
	 *  own acknowledgement of the configuration) */
	bool wait_ready;
	/** the shortest audio message the vendor takes, 0 = 20 ms */
	uint32_t chunk_ms;
};

struct fs_stt {
	const struct sttv *v;
	struct fs_scope *scope;   /* ours: socket, tap, timers */
	struct fs_listener *bind; /* in the owner's scope */
	struct req_ws_conn *ws;
	struct fs_resamp *rs;
	struct json_object *recog;
	struct json_object *cred;
	struct fs_listener *tmr; /* finish deadline or keepalive */
	char *vendor;
	char vlog[64]; /* vendor, escaped for log lines */
	char *lang;
	char sid[40];
	uint32_t rate; /* what the vendor gets */
	int channel;   /* the results' channel_tag */
	bool open, ready, paused, finishing, ended, dropped;
	bool cred_wait;      /* the credential comes later (stt_cred) */
	int cred_err;        /* how stt_cred() came */
	struct mbuf *wait8k; /* the caller's 8 kHz audio meanwhile */
	struct mbuf *pre;    /* audio before the stream is ready, at rate */
	struct mbuf *chunk;  /* audio gathered up to chunk_ms */
	uint64_t frames, frames_dropped;
	void *vst; /* the vendor's state (mem_deref'd) */
	/* recognizer.vad: the stream opens once the caller speaks */
	struct stt_vad vad;
	bool vad_wait;
	struct fs_req *req;
	char *url, *hdrs; /* kept for the open */
	uint32_t handshake_ms;
	fs_stt_h *h;
	void *arg;
};

extern const struct sttv sttv_deepgram;
extern const struct sttv sttv_custom;
extern const struct sttv sttv_speechmatics;
extern const struct sttv sttv_assemblyai;
extern const struct sttv sttv_microsoft;
extern const struct sttv sttv_aws;
extern const struct sttv sttv_soniox;

const struct sttv *sttv_find(const char *vendor);

/* ---- for the vendors ---- */

/** A result in the jambonz shape (takes the reference) */
void stt_result(struct fs_stt *s, struct json_object *evt);

/** The recognition failed: one log line, the handler gets err with
 *  {"error": why} (why is escaped for the log, sent as is) */
void stt_fail(struct fs_stt *s, int err, const char *why);

/** The vendor is ready for audio (wait_ready): what was kept goes */
void stt_ready(struct fs_stt *s);

/** The vendor ended the stream as asked (after finish) */
void stt_done(struct fs_stt *s);

/** The credential's string field, else def */
const char *sttv_cred(const struct fs_stt *s, const char *key,
		      const char *def);

/** The recognizer's field */
struct json_object *sttv_rec(const struct fs_stt *s, const char *key);

/** A field of the recognizer's <vendor>Options object */
struct json_object *sttv_opt(const struct fs_stt *s, const char *opts,
			     const char *key);

/**
 * The stream's base: the credential's base_url, else alt (a host[:port]
 * or URL jambonz keeps, tls saying wss), else def; http(s) becomes
 * ws(s); no trailing '/'
 */
int sttv_base(char **basep, const struct fs_stt *s, const char *alt, bool tls,
	      const char *def);

/** Append "&key=value" (value URL-escaped) to mb; the first without '&' */
int sttv_q(struct mbuf *mb, const char *key, const char *value);

/** sttv_q() of a JSON value: strings, numbers and booleans as text */
int sttv_qj(struct mbuf *mb, const char *key, const struct json_object *v);

/** Send a JSON text message (takes the reference) */
int sttv_send_json(struct fs_stt *s, struct json_object *o);

/** A new {language_code, channel_tag, is_final, alternatives[{
 *  transcript, confidence}], vendor {name, evt}} (evt: a reference is
 *  taken); NULL on ENOMEM */
struct json_object *sttv_evt(const struct fs_stt *s, bool final,
			     const char *transcript, double confidence,
			     struct json_object *vevt);

/** The recognizer's hints as a new array of their phrases (strings as
 *  they are, objects' "phrase"; empty ones left out), NULL when there
 *  are none (or ENOMEM) */
struct json_object *sttv_hints(const struct fs_stt *s);

/** A key or token safe in a header: printable ASCII, no ',' */
bool sttv_token_ok(const char *s);

#endif
