/**
 * @file media.h  RTP media of call legs: G.711, RFC 4733 DTMF, player
 *
 * One media_loop per event loop owns the RTP port range and ONE shared
 * 20 ms tick that walks the loop's sending streams (libre timers are a
 * sorted list: a timer per call collapses at a few hundred calls/s). A
 * media_stream is one RTP leg (RTP+RTCP port pair).
 */
#ifndef MEDIA_H
#define MEDIA_H

#include <stdbool.h>
#include <stdint.h>
#include <fs/fs_audio.h>

struct sa;
struct json_object;
struct media_loop;
struct media_stream;

#define MEDIA_PT_PCMU 0
#define MEDIA_PT_PCMA 8

/**
 * Where RTP and RTCP may come from (RTP_SOURCE_CHECK). The peer's SDP
 * address (RTCP: its port + 1) is always accepted.
 */
enum media_source {
	/* also the first other source once the stream started (our SDP is
	 * out): it is latched, and no other is accepted until the SDP
	 * address or a re-INVITE with a new address takes over. A latched
	 * source on another host than the SDP's (a NAT) is where we send
	 * (symmetric RTP); one on the SDP's host is asymmetric ports, and
	 * media keeps going to the SDP port */
	MEDIA_SRC_LATCH = 0,
	MEDIA_SRC_SDP, /* the SDP address only */
	MEDIA_SRC_ANY, /* any source (no check) */
};

/** Parse "latch", "sdp" or "off" @return 0, EINVAL */
int media_source_parse(const char *s, enum media_source *modep);

/**
 * @param mlp      Returns a new reference
 * @param ip       Local IP for RTP sockets (port ignored)
 * @param port_min Lowest port of the range (even)
 * @param port_max Highest port of the range
 */
int media_loop_alloc(struct media_loop **mlp, const struct sa *ip,
		     uint16_t port_min, uint16_t port_max);

/** Set the source check of the loop's streams (default latch) */
void media_loop_set_source(struct media_loop *ml, enum media_source mode);

/**
 * Add media stats to obj: streams, sending, packets_sent, packets_recv,
 * dtmf, late_ticks, max_late_ms, ports_free, rtcp_recv,
 * packets_dropped_source (RTP and RTCP from a foreign address),
 * sources_latched, taps, tap_frames, tap_gaps.
 */
int media_loop_metrics(const struct media_loop *ml, struct json_object *obj);

/** A DTMF digit was received (RFC 4733 end of event, deduplicated) */
typedef void(media_dtmf_h)(char digit, void *arg);

/** Playback ended: 0 at the end, ECANCELED when stopped or replaced */
typedef void(media_play_h)(int err, uint64_t samples, void *arg);

/**
 * Open an RTP leg on a free port pair of the range.
 *
 * @return 0, EADDRINUSE (range exhausted), ENOMEM
 */
int media_stream_alloc(struct media_stream **msp, struct media_loop *ml,
		       media_dtmf_h *dtmfh, void *arg);

/** @return local RTP port */
uint16_t media_stream_port(const struct media_stream *ms);

/**
 * Set where to send and how: remote RTP address, audio payload type
 * (MEDIA_PT_PCMU or MEDIA_PT_PCMA) and the telephone-event payload type
 * (-1 when the peer offered none).
 */
int media_stream_set_peer(struct media_stream *ms, const struct sa *raddr,
			  uint8_t pt, int telev_pt);

/**
 * media_stream_set_peer() from the remote side of an SDP media line: its
 * address, its first audio format (PCMA, else PCMU) and telephone-event.
 *
 * @return 0, ENOENT (no format offered), or set_peer's error
 */
struct sdp_media;
int media_stream_set_peer_sdp(struct media_stream *ms,
			      const struct sdp_media *m);

/** Direction from SDP: hold = no sending (a=sendonly/inactive offers) */
void media_stream_set_dir(struct media_stream *ms, bool send, bool recv);

/**
 * Start sending 20 ms packets (silence when nothing plays). Needs a peer.
 */
int media_stream_start(struct media_stream *ms);

/** Stop sending for good (call ended); receiving stops too */
void media_stream_stop(struct media_stream *ms);

/**
 * Play audio, replacing what plays (the old handler gets ECANCELED).
 *
 * @param audio  Takes a reference
 * @param loops  1 = once, 0 = until stopped
 * @param offset First sample
 * @param max_ms 0 = no limit; else stop after this long (err 0)
 */
int media_stream_play(struct media_stream *ms, struct fs_audio *audio,
		      uint32_t loops, uint64_t offset, uint32_t max_ms,
		      media_play_h *h, void *arg);

/**
 * Stop playback. With notify, the handler runs with ECANCELED; without,
 * it is dropped (its owner is going away).
 */
void media_stream_play_stop(struct media_stream *ms, bool notify);

/**
 * Forget a playback's queued end notification: its handler will not run.
 * For an owner going away after the playback already ended (a stopped
 * stream ends what plays; the handler runs later from the loop).
 */
void media_stream_play_forget(struct media_stream *ms, media_play_h *h,
			      const void *arg);

/** @return true while audio plays */
bool media_stream_playing(const struct media_stream *ms);

/**
 * Bridge two legs of one loop: each one's input is relayed out of the
 * other (u-law/a-law converted when they differ, RFC 4733 events
 * passed on). Local playback on both ends stops.
 *
 * @return 0, EINVAL, EALREADY
 */
int media_stream_bridge(struct media_stream *a, struct media_stream *b);

/** End the bridge ms is part of (no-op when none) */
void media_stream_unbridge(struct media_stream *ms);

/** Send silence instead of audio toward this leg's peer */
void media_stream_mute(struct media_stream *ms, bool mute);

/**
 * A frame of received audio, every 20 ms from the tick: the stream's own
 * input and, while bridged, its peer's (NULL when not bridged), decoded
 * to 8 kHz; silence where no packet came. Runs inside the tick: it must
 * not block, free streams, or add or remove taps other than its own.
 */
typedef void(media_tap_h)(const int16_t *own, const int16_t *peer, size_t n,
			  void *arg);

struct media_tap;

/**
 * Tap a stream's received audio (and its bridged peer's).
 *
 * @param tp Returns the tap; free it with mem_deref to remove it
 * @return 0, EINVAL, ESHUTDOWN (stream stopped), ENOMEM
 */
int media_stream_tap(struct media_tap **tp, struct media_stream *ms,
		     media_tap_h *h, void *arg);

/**
 * Queue 8 kHz audio after what the injected queue holds; it plays when
 * no media_stream_play() playback does. h (may be NULL) runs from the
 * loop once the piece's last sample left (err 0) or it was flushed
 * (ECANCELED); an empty piece ends when the frame that follows the audio
 * before it is sent (a mark).
 *
 * @param audio Takes a reference
 * @param owner Whose piece it is, for media_stream_inject_drop()
 * @return 0, EINVAL, ESHUTDOWN (stopped), ENOMEM
 */
int media_stream_inject(struct media_stream *ms, struct fs_audio *audio,
			media_play_h *h, void *arg, const void *owner);

/**
 * Drop the injected queue: with notify each piece's handler gets
 * ECANCELED from the loop; without, silently.
 */
void media_stream_inject_kill(struct media_stream *ms, bool notify);

/**
 * Drop owner's pieces silently, queued end notifications included (the
 * owner is going away): none of its handlers runs afterwards.
 */
void media_stream_inject_drop(struct media_stream *ms, const void *owner);

/** @return samples waiting in the injected queue */
uint64_t media_stream_inject_queued(const struct media_stream *ms);

/**
 * A member of an audio mixer, every frame the stream sends (from the
 * tick): in is the frame received from the peer (silence where no packet
 * came), out what to send when nothing plays. Runs inside the tick,
 * like a tap handler: it must not block nor touch streams.
 *
 * @return true when out holds audio, false for silence
 */
typedef bool(media_mix_h)(const int16_t *in, int16_t *out, size_t n,
			  uint64_t frame_ms, void *arg);

/** Hook a mixer member into the stream's frames; h NULL removes it */
void media_stream_mix(struct media_stream *ms, media_mix_h *h, void *arg);

/** Digits were sent: 0 once the last end packet left */
typedef void(media_dtmf_done_h)(int err, void *arg);

/** @return true when the peer negotiated telephone-event */
bool media_stream_telev(const struct media_stream *ms);

/**
 * Send digits to the peer as RFC 4733 events (telephone-event), in
 * place of audio while they last; h runs from the loop once the last
 * end packet was sent. Sending waits while the stream is on hold.
 *
 * @param dur_ms Per digit, 40..8000
 * @return 0, EINVAL (bad digits or duration), ENOTSUP (no
 *         telephone-event), EBUSY (digits being sent, or bridged),
 *         ESHUTDOWN (stopped), ENOMEM
 */
int media_stream_dtmf(struct media_stream *ms, const char *digits,
		      uint32_t dur_ms, media_dtmf_done_h *h, void *arg);

/** Stop sending digits; the handler does not run */
void media_stream_dtmf_stop(struct media_stream *ms);

/**
 * Parse a SIP INFO DTMF body (application/dtmf-relay "Signal=5" or
 * application/dtmf "5").
 *
 * @return the digit, or 0 when the body carries none
 */
char media_dtmf_info_parse(const char *ctype, const char *body, size_t len);

/**
 * Feed one received RTP packet (as from src) to the stream's receive
 * path, without a socket: for tests and fuzzing.
 */
struct mbuf;
void media_stream_rtp_input(struct media_stream *ms, const struct sa *src,
			    struct mbuf *mb);

#endif
