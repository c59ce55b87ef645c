/**
 * @file media_int.h  What the media files share: the objects and the
 *                    functions one file calls in another (media.c's
 *                    design notes apply to all of them)
 */
#ifndef MEDIA_INT_H
#define MEDIA_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>
#include "media/media.h"

#define MEDIA_FRAME_MS      20
#define MEDIA_FRAME_SAMPLES 160 /* 20 ms at 8 kHz */
#define MEDIA_RTP_HDR       12
#define MEDIA_CATCHUP_MAX   5 /* frames sent in one burst after a stall */
/* received audio a tap may lag behind by, samples (160 ms) */
#define MEDIA_RX_CAP (MEDIA_FRAME_SAMPLES * 8)

struct media_loop {
	struct sa ip;       /* local address, port set per bind */
	struct tmr tick;    /* the shared 20 ms tick */
	struct tmr async;   /* runs queued handlers when no tick runs */
	struct list active; /* streams that send, weak links */
	struct list done;   /* ended playbacks waiting for their handler */
	struct list taps;   /* struct media_tap, run by the tick */
	uint16_t *ports;    /* free even ports, ports[0..nfree) */
	uint32_t nports;    /* capacity (port pairs in range) */
	uint32_t nfree;     /* free entries */
	uint64_t t0;        /* time of frame 0 of the current run, ms */
	uint64_t frame;     /* next frame to send in the current run */
	bool in_tick;       /* the tick reschedules itself when done */
	enum media_source src_mode; /* RTP_SOURCE_CHECK */
	uint64_t streams;
	uint64_t sending;
	uint64_t packets_sent;
	uint64_t packets_recv;
	uint64_t packets_relayed;
	uint64_t send_errors;
	uint64_t dtmf;
	uint64_t late_ticks;
	uint64_t max_late_ms;
	uint64_t skipped_frames;
	uint64_t rtcp_recv;
	uint64_t dropped_source; /* RTP and RTCP from a foreign address */
	uint64_t latched;        /* sources latched or taken back */
	uint64_t tap_frames;     /* frames handed to taps */
	uint64_t tap_gaps;       /* tapped frames padded with silence */
};

struct media_play {
	struct le le;            /* in ml->done once ended */
	struct media_stream *ms; /* weak; NULL once detached */
	struct fs_audio *audio;  /* reference, dropped when it ends */
	uint64_t pos;            /* next sample */
	uint64_t limit;          /* most samples to send, 0 = no limit */
	uint64_t sent;           /* samples sent so far */
	uint32_t loops;          /* 0 = forever */
	uint32_t loops_done;
	bool ended;
	int err;
	media_play_h *h;
	void *arg;
	const void *owner; /* injected pieces: whose, for dropping them */
};

/* Received audio of a stream, decoded, for its taps (a ring) */
struct media_rx {
	int16_t pcm[MEDIA_RX_CAP];
	uint32_t head; /* oldest sample */
	uint32_t len;
	/* the frame taken from the ring this tick: every reader of the
	 * tick (taps, the mixer, a bridged peer's taps) gets the same */
	int16_t cur[MEDIA_FRAME_SAMPLES];
	uint64_t cur_frame; /* ml->frame + 1 it was taken at, 0: none */
	uint32_t cur_got;   /* samples of cur that came in; the rest silence */
};

/* A tap on a stream: its decoded input (and its bridged peer's) */
struct media_tap {
	struct le le;            /* in ml->taps */
	struct media_stream *ms; /* weak: the stream unlinks its taps */
	media_tap_h *h;
	void *arg;
};

/* Which address a stream takes RTP (or RTCP) from */
struct media_src {
	struct sa sdp;   /* the peer's SDP address (port + 1 for RTCP) */
	struct sa latch; /* the latched source, when latched */
	bool latched;
};

/* RFC 4733 events being sent (media_dtmf.c steps it, one frame a call) */
#define MEDIA_DTMF_MAX     64
#define MEDIA_DTMF_ENDS    3     /* end packets per event */
#define MEDIA_DTMF_VOLUME  10    /* -10 dBm0 */
#define MEDIA_DTMF_GAP     5     /* frames of audio between events (100 ms) */
#define MEDIA_DTMF_DUR_MIN 320   /* samples: 40 ms */
#define MEDIA_DTMF_DUR_MAX 64000 /* samples: 8 s, within 16 bits */

struct media_dtx {
	uint8_t events[MEDIA_DTMF_MAX];
	uint32_t n;       /* events queued */
	uint32_t i;       /* the one being sent */
	uint32_t dur;     /* samples per event */
	uint32_t elapsed; /* samples of the current event sent, 0: none */
	uint32_t ts;      /* the current event's timestamp */
	uint32_t ends;    /* end packets of the current event sent */
	uint32_t gap;     /* audio frames left before the next event */
};

/** What a frame carries while events are sent */
enum media_dtx_out {
	MEDIA_DTX_AUDIO = 0, /* an audio frame (a gap between events) */
	MEDIA_DTX_EVENT,     /* the event packet in pay/ts/marker */
	MEDIA_DTX_DONE,      /* all sent: an audio frame, and tell the owner */
};

struct media_stream {
	struct le le;          /* in ml->active while sending */
	struct media_loop *ml; /* reference */
	struct udp_sock *rtp;
	struct udp_sock *rtcp; /* bound to keep the pair; input counted */
	struct mbuf *mb;       /* one packet, reused for every frame */
	struct sa raddr; /* where we send: SDP address or latched source */
	struct media_src src_rtp;
	struct media_src src_rtcp;
	struct media_play *play; /* what plays now, owned */
	struct list inq;         /* struct media_play queued by inject */
	struct media_rx *rx;     /* input kept for taps, or NULL */
	uint32_t ntaps;
	media_dtmf_h *dtmfh;
	void *arg;
	uint64_t last_tx_ms; /* frame time of the last packet sent */
	uint32_t ssrc;
	uint32_t ts;      /* timestamp of the last packet sent */
	uint32_t dtmf_ts; /* timestamp of the last DTMF end seen */
	uint16_t seq;     /* sequence number of the next packet */
	uint16_t port;
	uint8_t pt;
	int telev_pt;
	bool has_peer;
	bool send;
	bool recv;
	bool started;
	bool stopped;
	bool marker; /* next packet starts a talkspurt */
	bool sent1;  /* a packet went out: ts follows the clock */
	bool dtmf_seen;
	bool drop_logged; /* a foreign source was reported */
	bool muted;       /* silence instead of audio toward the peer */
	struct media_stream *relay; /* bridged leg: its input goes out here */
	bool relay_sync;            /* relay_off is set */
	uint32_t relay_off;         /* our ts minus the source's ts */
	struct media_dtx *dtx;      /* RFC 4733 events being sent, or NULL */
	media_dtmf_done_h *dtxh;
	void *dtx_arg;
	struct tmr dtx_tmr; /* tells the owner off the tick */
	media_mix_h *mixh;  /* a mixer member's frame, or NULL */
	void *mix_arg;
};

/* media.c: the loop */

/** Start the tick if it is not running (a stream began to send) */
void media_tick_ensure(struct media_loop *ml);

/** Run queued handlers soon: from the tick's end or a zero-delay timer */
void media_done_kick(struct media_loop *ml);

/** A random free even port of the range, 0 when none is left */
uint16_t media_port_take(struct media_loop *ml);
void media_port_put(struct media_loop *ml, uint16_t port);

/* media_stream.c: one stream */

/** Send the stream's frame due at frame_ms (called by the tick) */
void media_stream_frame(struct media_stream *ms, uint64_t frame_ms);

/* media_play.c: the player */

void media_play_destructor(void *arg);

/** A playback of audio (once) for ms, not yet placed anywhere
 * @return 0, EINVAL, ESHUTDOWN (ms stopped), ENOMEM */
int media_play_alloc(struct media_play **mpp, struct media_stream *ms,
		     struct fs_audio *audio, media_play_h *h, void *arg);

/** End what ms plays: its handler is queued with err */
void media_play_finish(struct media_stream *ms, int err);

/** Up to want samples of the playback at 8 kHz; fewer at its end */
size_t media_play_read(struct media_play *mp, int16_t *pcm, size_t want);

/* media_tap.c: taps and injected audio */

/** Keep a received audio payload for taps of ms or of its peer */
void media_tap_input(struct media_stream *ms, const uint8_t *pay, size_t n);

/** Hand one frame to every tap of the loop (called by the tick) */
void media_tap_frame(struct media_loop *ml);

/**
 * The frame of received audio a mixer member pushes: taken from the
 * ring, or only copied when taps will take it after the walk.
 */
void media_tap_mix_input(struct media_stream *ms, int16_t *pcm);

/** Up to want samples of the injected queue; ended pieces are queued */
size_t media_inq_read(struct media_stream *ms, int16_t *pcm, size_t want);

/** End every queued piece of ms: handlers with err, or none (!notify) */
void media_inq_flush(struct media_stream *ms, int err, bool notify);

/** Forget what a freed stream had for its taps */
void media_tap_stream_gone(struct media_stream *ms);

/* media_dtmf.c */

/** The digit of an RFC 4733 event, 0 for none */
char media_telev_digit(uint8_t event);

/** The RFC 4733 event of a digit (0-9 * # A-D a-d), -1 for none */
int media_telev_event(char digit);

/**
 * Write the 4-byte RFC 4733 payload: event, E bit, volume, duration
 * (samples since the event's timestamp).
 */
void media_telev_encode(uint8_t pay[4], uint8_t event, bool end,
			uint8_t volume, uint16_t duration);

/**
 * Fill d for digits (each checked), dur samples each.
 *
 * @return 0, EINVAL (no digits, more than MEDIA_DTMF_MAX, a bad digit,
 *         dur out of MEDIA_DTMF_DUR_MIN..MEDIA_DTMF_DUR_MAX)
 */
int media_dtx_init(struct media_dtx *d, const char *digits, uint32_t dur);

/**
 * One 20 ms frame of the events: an event packet (its payload, its
 * timestamp, the marker on an event's first packet) while an event
 * lasts, then its three end packets, then MEDIA_DTMF_GAP audio frames.
 *
 * @param now The frame's RTP timestamp, where an event starts
 */
enum media_dtx_out media_dtx_next(struct media_dtx *d, uint32_t now,
				  uint8_t pay[4], uint32_t *ts, bool *marker);

#endif
