/**
 * @file listen_int.h  What the files of the listen service share
 *
 * listen.c     a listen: options, the socket's life, the end and its
 *              actionHook (include/fs/fs_listen.h)
 * listen_bg.c  the call's background listen (config)
 * listen_tx.c  the call's audio to the socket: mixing, resampling, the
 *              send queue's bound
 * listen_rx.c  the server's messages: playAudio, killAudio, disconnect,
 *              marks, streamed audio
 * listen_pcm.c base64, WAV and L16 byte order, and log-safe text
 */
#ifndef CALL_LISTEN_INT_H
#define CALL_LISTEN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <re.h>
#include <fs/fs_listen.h>

/* samples of one 20 ms frame at 8 kHz, as taps deliver them */
#define LISTEN_TAP_SAMPLES 160
/* most audio a streaming server may have queued toward the caller */
#define LISTEN_INJECT_MAX_SECS 30
/* pending playAudio pieces (jambonz: MAX_PLAY_AUDIO_QUEUE_SIZE) */
#define LISTEN_PLAY_QUEUE_MAX 10
/* pending marks */
#define LISTEN_MARKS_MAX 64

struct fs_scope;
struct fs_listener;
struct json_object;
struct fs_call;
struct fs_ws;
struct fs_tap;
struct fs_resamp;
struct fs_inject;

enum listen_mix {
	LISTEN_MONO = 0, /* the caller */
	LISTEN_STEREO,   /* caller left, far end right */
	LISTEN_MIXED,    /* their sum */
};

struct fs_listen {
	struct fs_call *c;
	struct fs_scope *scope;   /* our own, a child of the owner's */
	struct json_object *spec; /* the listen's properties */
	struct json_object *info; /* the call's fields for the metadata */
	char log[16];             /* "listen", "stream": log lines' module */
	bool post_hook;           /* the actionHook is ours to post */
	fs_listen_end_h *endh;
	void *arg;
	/* listen_bg.c */
	struct fs_listener *bind; /* on the call's scope: its end frees us */
	struct tmr free_tmr;
	bool bg;
	struct fs_ws *ws;
	struct fs_tap *tap;
	char url_log[160]; /* the URL without credentials, escaped */
	uint32_t rate;     /* sampleRate toward the server */
	enum listen_mix mix;
	bool bidir;          /* bidirectionalAudio.enabled */
	bool streaming;      /* bidirectionalAudio.streaming */
	uint32_t bidir_rate; /* bidirectionalAudio.sampleRate */
	char finish[16];     /* finishOnKey digits */
	bool pass_dtmf;
	uint32_t max_ms;     /* maxLength */
	uint32_t silence_ms; /* timeout: this much silence ends it */
	bool started;        /* the socket was asked for */
	bool open;           /* metadata sent, audio flowing */
	bool ended;
	bool paused;  /* updateCall listen_status pause: no audio sent */
	bool in_tick; /* inside the tap handler: the media tick */
	const char *end_why; /* the end is on its way, for this reason */
	uint64_t start_ms;
	char digits[2];
	/* listen_tx.c */
	struct fs_resamp *rs[2]; /* 8 kHz to rate, per channel */
	int16_t *out;            /* one frame at rate, both channels */
	size_t out_cap;
	size_t txq_max; /* bytes queued on the socket before dropping */
	uint64_t frames_sent;
	uint64_t frames_dropped;
	uint32_t quiet_ms; /* silence heard so far */
	/* listen_rx.c */
	struct fs_inject *inj;   /* audio toward the caller, or NULL */
	struct fs_resamp *rs_in; /* streamed audio to 8 kHz */
	uint32_t plays;          /* playAudio pieces queued */
	uint32_t marks;          /* marks pending */
	uint32_t bad;            /* messages refused */
	struct list playl;       /* struct listen_play, queued */
	struct list markl;       /* struct listen_mark, queued */
	uint64_t bin_ignored;    /* binary messages not taken */
	uint64_t bin_dropped;    /* streamed audio over the queue's bound */
};

/* listen.c */

/** End the listen from the loop, soon (never from inside the media
 *  tick) */
void listen_end_soon(struct fs_listen *l, const char *why);

/** Post the actionHook of a listen without a verb: the call's fields
 *  plus result (taken); the answer is not acted on */
void listen_post_hook(struct fs_call *c, const struct json_object *hook,
		      struct json_object *result);

/* listen_tx.c */

/** Allocate the resamplers and buffers for l->rate and l->mix */
int listen_tx_init(struct fs_listen *l);

/** Start tapping the call's audio toward the socket */
int listen_tx_start(struct fs_listen *l);

void listen_tx_free(struct fs_listen *l);

/* listen_rx.c */

/** Take the server's audio from now on (bidirectionalAudio) */
int listen_rx_start(struct fs_listen *l);

/** A text message from the server */
void listen_rx_text(struct fs_listen *l, const char *text, size_t len);

/** A binary message from the server */
void listen_rx_bin(struct fs_listen *l, const uint8_t *data, size_t len);

/** Forget pending marks and plays (the listen ends) */
void listen_rx_free(struct fs_listen *l);

/* listen_pcm.c */

/**
 * Decode base64 into a new buffer (mem_deref it).
 *
 * @return 0, EINVAL (not base64), ENOMEM
 */
int listen_b64(uint8_t **outp, size_t *lenp, const char *in, size_t len);

/**
 * The PCM of a WAV file: 16-bit, mono or the first channel of several.
 *
 * @param pcmp   Returns a new buffer of samples (mem_deref it)
 * @param nsp    Sample count
 * @param ratep  The file's rate
 * @return 0, EPROTO (not 16-bit PCM WAV), ENOMEM
 */
int listen_wav(int16_t **pcmp, size_t *nsp, uint32_t *ratep,
	       const uint8_t *buf, size_t len);

/** Little-endian bytes to samples (a new buffer; an odd byte is left) */
int listen_l16(int16_t **pcmp, size_t *nsp, const uint8_t *buf, size_t len);

/** Text from outside, safe for a log line: printable ASCII, the rest as
 *  \xNN, cut at sz - 1 */
void listen_esc(char *out, size_t sz, const char *in, size_t len);

/** The URL without user and password, escaped for a log line */
void listen_url_log(char *out, size_t sz, const char *url);

#endif
