/**
 * @file media_stream.c  One RTP stream: sending frames, receiving with the
 *                       source checks, RFC 4733 DTMF, bridging
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <rem/rem_g711.h>
#include "base/log.h"
#include "media/media_int.h"

static inline void media_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void media_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * The timestamp follows the clock across holds and skipped frames;
 * rounding keeps it moving when a new timeline starts off the grid.
 */
static void media_stream_ts_advance(struct media_stream *ms, uint64_t frame_ms)
{
	if (ms->sent1) {
		uint64_t gap = frame_ms > ms->last_tx_ms
				       ? frame_ms - ms->last_tx_ms
				       : 0;
		uint64_t frames = (gap + MEDIA_FRAME_MS / 2) / MEDIA_FRAME_MS;

		ms->ts += (uint32_t)((frames ? frames : 1) *
				     MEDIA_FRAME_SAMPLES);
	}
	ms->last_tx_ms = frame_ms;
	ms->sent1 = true;
}

static void media_dtx_end(void *arg)
{
	struct media_stream *ms = arg;
	media_dtmf_done_h *h = ms->dtxh;
	void *harg = ms->dtx_arg;

	ms->dtx = mem_deref(ms->dtx);
	ms->dtxh = NULL;
	ms->dtx_arg = NULL;
	if (h)
		h(0, harg);
}

/*
 * A frame while digits are sent: an event packet in place of audio (the
 * player waits meanwhile), or audio between events. The owner hears of
 * the end from a timer: the tick walks the streams and must not see one
 * freed under it.
 *
 * @return true when the frame went out as an event packet
 */
static bool media_stream_dtx_frame(struct media_stream *ms)
{
	struct mbuf *mb = ms->mb;
	uint8_t *p = mb->buf;
	uint32_t ts = 0;
	bool marker = false;
	enum media_dtx_out out;

	out = media_dtx_next(ms->dtx, ms->ts, p + MEDIA_RTP_HDR, &ts, &marker);
	if (out == MEDIA_DTX_DONE) {
		if (!tmr_isrunning(&ms->dtx_tmr))
			tmr_start(&ms->dtx_tmr, 0, media_dtx_end, ms);
		return false;
	}
	if (out == MEDIA_DTX_AUDIO || ms->telev_pt < 0)
		return false;
	p[0] = 0x80;
	p[1] = (uint8_t)((marker ? 0x80 : 0) | (ms->telev_pt & 0x7f));
	media_put_be16(p + 2, ms->seq);
	media_put_be32(p + 4, ts);
	media_put_be32(p + 8, ms->ssrc);
	++ms->seq;
	mb->pos = 0;
	mb->end = MEDIA_RTP_HDR + 4;
	if (udp_send(ms->rtp, &ms->raddr, mb))
		++ms->ml->send_errors;
	else
		++ms->ml->packets_sent;
	return true;
}

/* Send one frame of ms; frame_ms is the frame's place on the timeline */
void media_stream_frame(struct media_stream *ms, uint64_t frame_ms)
{
	struct media_loop *ml = ms->ml;
	struct mbuf *mb = ms->mb;
	uint8_t *p = mb->buf;
	uint8_t *pay = p + MEDIA_RTP_HDR;
	int16_t pcm[MEDIA_FRAME_SAMPLES];
	size_t n = 0, i;
	bool mixed = false;

	media_stream_ts_advance(ms, frame_ms);
	/* a member pushes its frame even while something else goes out */
	if (ms->mixh) {
		int16_t in[MEDIA_FRAME_SAMPLES];

		media_tap_mix_input(ms, in);
		mixed = ms->mixh(in, pcm, MEDIA_FRAME_SAMPLES, frame_ms,
				 ms->mix_arg);
	}
	if (ms->dtx && media_stream_dtx_frame(ms))
		return;

	if (ms->play) {
		n = media_play_read(ms->play, pcm, MEDIA_FRAME_SAMPLES);
		if (ms->play->ended)
			media_play_finish(ms, 0);
	} else if (ms->inq.head) {
		n = media_inq_read(ms, pcm, MEDIA_FRAME_SAMPLES);
	} else if (mixed) {
		n = MEDIA_FRAME_SAMPLES;
	}
	if (ms->muted)
		n = 0;

	if (ms->pt == MEDIA_PT_PCMA) {
		for (i = 0; i < n; i++)
			pay[i] = g711_pcm2alaw(pcm[i]);
		memset(pay + n, g711_pcm2alaw(0), MEDIA_FRAME_SAMPLES - n);
	} else {
		for (i = 0; i < n; i++)
			pay[i] = g711_pcm2ulaw(pcm[i]);
		memset(pay + n, g711_pcm2ulaw(0), MEDIA_FRAME_SAMPLES - n);
	}

	p[0] = 0x80; /* version 2, no padding, extension or CSRC */
	p[1] = (uint8_t)((ms->marker ? 0x80 : 0) | (ms->pt & 0x7f));
	media_put_be16(p + 2, ms->seq);
	media_put_be32(p + 4, ms->ts);
	media_put_be32(p + 8, ms->ssrc);
	ms->marker = false;
	++ms->seq;

	mb->pos = 0;
	mb->end = MEDIA_RTP_HDR + MEDIA_FRAME_SAMPLES;
	if (udp_send(ms->rtp, &ms->raddr, mb))
		++ml->send_errors;
	else
		++ml->packets_sent;
}

void media_stream_mix(struct media_stream *ms, media_mix_h *h, void *arg)
{
	if (!ms)
		return;
	ms->mixh = h;
	ms->mix_arg = h ? arg : NULL;
}

/* Put ms in or out of the sending list to match its state */
static void media_stream_update(struct media_stream *ms)
{
	struct media_loop *ml = ms->ml;
	bool want = ms->started && !ms->stopped && ms->send && ms->has_peer &&
		    !ms->relay;
	bool linked = ms->le.list != NULL;

	if (want == linked)
		return;

	if (want) {
		ms->marker = true;
		list_append(&ml->active, &ms->le, ms);
		++ml->sending;
		media_tick_ensure(ml);
	} else {
		list_unlink(&ms->le);
		--ml->sending;
		if (!ml->active.head && !ml->taps.head && !ml->in_tick) {
			tmr_cancel(&ml->tick);
			media_done_kick(ml);
		}
	}
}

/* A source address matches: same family, address and port */
static bool media_sa_eq(const struct sa *a, const struct sa *b)
{
	return sa_cmp(a, b, SA_ALL);
}

/*
 * Is src the peer? The SDP address always is (and takes a latch back);
 * in latching mode the first other source once the stream has started
 * is latched, and only it is good afterwards.
 *
 * @return true to take the packet
 */
static bool media_src_check(struct media_stream *ms, struct media_src *s,
			    const struct sa *src, bool rtp)
{
	struct media_loop *ml = ms->ml;

	if (ml->src_mode == MEDIA_SRC_ANY)
		return true;

	if (ms->has_peer && media_sa_eq(src, &s->sdp)) {
		/* latched too, so that no other source can take it */
		if (!s->latched || !media_sa_eq(src, &s->latch)) {
			++ml->latched;
			s->latched = true;
			s->latch = *src;
			if (rtp)
				ms->raddr = *src;
		}
		return true;
	}
	if (ml->src_mode == MEDIA_SRC_LATCH && ms->has_peer && ms->started) {
		if (!s->latched) {
			s->latched = true;
			s->latch = *src;
			++ml->latched;
			/* symmetric RTP: answer a NAT where the packets come
			 * from; on the SDP's own host only the port differs
			 * (asymmetric ports), so its SDP port stays */
			if (rtp && !sa_cmp(src, &s->sdp, SA_ADDR) &&
			    sa_port(src))
				ms->raddr = *src;
			return true;
		}
		if (media_sa_eq(src, &s->latch))
			return true;
	}

	++ml->dropped_source;
	/* once per stream: a spray of the range is one line per call */
	if (!ms->drop_logged) {
		ms->drop_logged = true;
		if (ms->has_peer)
			fs_warn("media",
				"port %u: %s from %J dropped: the peer is %J",
				(unsigned)ms->port + (rtp ? 0 : 1),
				rtp ? "RTP" : "RTCP", src,
				s->latched ? &s->latch : &s->sdp);
		else
			fs_warn("media",
				"port %u: %s from %J dropped: no peer yet",
				(unsigned)ms->port + (rtp ? 0 : 1),
				rtp ? "RTP" : "RTCP", src);
	}
	return false;
}

/* RFC 4733: one digit per event, on its (retransmitted) end packet */
static void media_telev_recv(struct media_stream *ms, const uint8_t *pay,
			     size_t len, uint32_t ts)
{
	char digit;

	if (len < 4 || !(pay[1] & 0x80))
		return;

	/* the end packet comes three times with the event's timestamp */
	if (ms->dtmf_seen && ms->dtmf_ts == ts)
		return;
	ms->dtmf_seen = true;
	ms->dtmf_ts = ts;

	digit = media_telev_digit(pay[0]);
	if (!digit)
		return;

	++ms->ml->dtmf;
	if (ms->dtmfh)
		ms->dtmfh(digit, ms->arg);
}

/*
 * Send what arrived on src out of its bridged leg, as that leg's own
 * stream (its SSRC, sequence numbers and a timestamp shifted by a fixed
 * offset, so event and audio timing survive), converting u-law and
 * a-law when the legs negotiated different codecs.
 */
static void media_relay(struct media_stream *src, const uint8_t *p,
			size_t hlen, size_t len, bool telev)
{
	struct media_stream *out = src->relay;
	struct media_loop *ml = out->ml;
	uint8_t *q;
	size_t plen = len - hlen;
	uint32_t ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
		      (uint32_t)p[6] << 8 | p[7];
	uint8_t pt;

	if (out->stopped || !out->has_peer || !out->send)
		return;
	if (telev && out->telev_pt < 0)
		return;
	if (plen > MEDIA_FRAME_SAMPLES * 4)
		return;
	/* the packet buffer fits our own 20 ms frames; peers may send up
	 * to 80 ms per packet (ptime 30 is common), relayed as they come */
	if (MEDIA_RTP_HDR + plen > out->mb->size &&
	    mbuf_resize(out->mb, MEDIA_RTP_HDR + plen))
		return;
	q = out->mb->buf;
	pt = telev ? (uint8_t)out->telev_pt : out->pt;

	if (!out->relay_sync) {
		out->relay_off = out->ts + MEDIA_FRAME_SAMPLES - ts;
		out->relay_sync = true;
		out->marker = true;
	}
	if (telev) {
		memcpy(q + MEDIA_RTP_HDR, p + hlen, plen);
	} else {
		const uint8_t *in = p + hlen;
		uint8_t *o = q + MEDIA_RTP_HDR;

		for (size_t i = 0; i < plen; i++) {
			int16_t v;

			if (out->muted)
				v = 0;
			else if (src->pt == out->pt) {
				o[i] = in[i];
				continue;
			} else
				v = src->pt == MEDIA_PT_PCMA
					    ? g711_alaw2pcm(in[i])
					    : g711_ulaw2pcm(in[i]);
			o[i] = out->pt == MEDIA_PT_PCMA ? g711_pcm2alaw(v)
							: g711_pcm2ulaw(v);
		}
	}
	out->ts = ts + out->relay_off;
	q[0] = 0x80;
	q[1] = (uint8_t)(((out->marker || (p[1] & 0x80)) ? 0x80 : 0) | pt);
	media_put_be16(q + 2, out->seq);
	media_put_be32(q + 4, out->ts);
	media_put_be32(q + 8, out->ssrc);
	out->marker = false;
	++out->seq;
	out->mb->pos = 0;
	out->mb->end = MEDIA_RTP_HDR + plen;
	if (udp_send(out->rtp, &out->raddr, out->mb))
		++ml->send_errors;
	else
		++ml->packets_relayed;
}

static void media_rtp_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct media_stream *ms = arg;
	const uint8_t *p = mbuf_buf(mb);
	size_t len = mbuf_get_left(mb);
	size_t hlen;
	uint8_t pt;

	if (!ms->recv || len < MEDIA_RTP_HDR || (p[0] >> 6) != 2)
		return;
	if (!media_src_check(ms, &ms->src_rtp, src, true))
		return;

	hlen = MEDIA_RTP_HDR + 4 * (size_t)(p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (len < hlen + 4)
			return;
		hlen += 4 + 4 * (size_t)((p[hlen + 2] << 8) | p[hlen + 3]);
	}
	if (len < hlen)
		return;

	pt = p[1] & 0x7f;
	if (pt == ms->pt) {
		++ms->ml->packets_recv;
		media_tap_input(ms, p + hlen, len - hlen);
		if (ms->relay)
			media_relay(ms, p, hlen, len, false);
		return;
	}
	if (ms->telev_pt < 0 || pt != ms->telev_pt)
		return;

	++ms->ml->packets_recv;
	if (ms->relay)
		media_relay(ms, p, hlen, len, true);
	media_telev_recv(ms, p + hlen, len - hlen,
			 (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
				 (uint32_t)p[6] << 8 | p[7]);
}

/* RTCP is not used, only counted, from the peer alone */
static void media_rtcp_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct media_stream *ms = arg;

	if (!ms->recv || mbuf_get_left(mb) < 8 || (mbuf_buf(mb)[0] >> 6) != 2)
		return;
	if (media_src_check(ms, &ms->src_rtcp, src, false))
		++ms->ml->rtcp_recv;
}

static void media_stream_destructor(void *arg)
{
	struct media_stream *ms = arg;
	struct media_loop *ml = ms->ml;
	struct le *le;

	ms->stopped = true;
	media_stream_unbridge(ms);
	media_stream_update(ms);
	media_stream_dtmf_stop(ms);

	if (ms->play) {
		ms->play->ms = NULL;
		ms->play = mem_deref(ms->play);
	}
	media_inq_flush(ms, 0, false);
	media_tap_stream_gone(ms);

	/* nobody is left to tell about playbacks that ended */
	le = ml->done.head;
	while (le) {
		struct media_play *mp = le->data;

		le = le->next;
		if (mp->ms != ms)
			continue;
		list_unlink(&mp->le);
		mem_deref(mp);
	}

	ms->rtp = mem_deref(ms->rtp);
	ms->rtcp = mem_deref(ms->rtcp);
	if (ms->port)
		media_port_put(ml, ms->port);
	mem_deref(ms->mb);
	--ml->streams;
	mem_deref(ml);
}

/*
 * Bind an RTP+RTCP pair, skipping ports that another socket holds. The
 * pairs that failed sit in ports[nfree + 1 ..] behind the one taken last
 * and go back to the free set at the end, so each is tried once.
 */
static int media_stream_bind(struct media_stream *ms)
{
	struct media_loop *ml = ms->ml;
	uint32_t failed = 0;
	int err = EADDRINUSE;

	while (ml->nfree) {
		uint16_t port = media_port_take(ml);
		struct sa sa = ml->ip;

		sa_set_port(&sa, port);
		err = udp_listen(&ms->rtp, &sa, media_rtp_recv, ms);
		if (!err) {
			sa_set_port(&sa, port + 1);
			err = udp_listen(&ms->rtcp, &sa, media_rtcp_recv, ms);
		}
		if (!err) {
			ms->port = port;
			memmove(&ml->ports[ml->nfree],
				&ml->ports[ml->nfree + 1],
				failed * sizeof(*ml->ports));
			ml->nfree += failed;
			return 0;
		}

		ms->rtp = mem_deref(ms->rtp);
		ms->rtcp = mem_deref(ms->rtcp);
		++failed;
		if (err != EADDRINUSE)
			break;
	}

	ml->nfree += failed;
	return err;
}

/**
 * Open an RTP leg on a free port pair of the range.
 *
 * @param msp   Returns a new reference
 * @param ml    Media loop (the stream holds a reference)
 * @param dtmfh Called once per RFC 4733 digit (may be NULL)
 * @param arg   Handler argument
 *
 * @return 0, EINVAL, EADDRINUSE (range exhausted), ENOMEM
 */
int media_stream_alloc(struct media_stream **msp, struct media_loop *ml,
		       media_dtmf_h *dtmfh, void *arg)
{
	struct media_stream *ms;
	int err;

	if (!msp || !ml)
		return EINVAL;

	if (!ml->nfree)
		return EADDRINUSE;

	ms = mem_zalloc(sizeof(*ms), media_stream_destructor);
	if (!ms)
		return ENOMEM;

	ms->ml = mem_ref(ml);
	++ml->streams;
	ms->dtmfh = dtmfh;
	ms->arg = arg;
	ms->pt = MEDIA_PT_PCMU;
	ms->telev_pt = -1;
	ms->send = true;
	ms->recv = true;
	ms->ssrc = rand_u32();
	ms->seq = rand_u16();
	ms->ts = rand_u32();
	tmr_init(&ms->dtx_tmr);

	ms->mb = mbuf_alloc(MEDIA_RTP_HDR + MEDIA_FRAME_SAMPLES);
	if (!ms->mb) {
		err = ENOMEM;
		goto out;
	}

	err = media_stream_bind(ms);

out:
	if (err)
		mem_deref(ms);
	else
		*msp = ms;

	return err;
}

/** @return local RTP port, 0 for NULL */
uint16_t media_stream_port(const struct media_stream *ms)
{
	return ms ? ms->port : 0;
}

/**
 * Set where to send and how. May change while sending (re-INVITE).
 *
 * @return 0, EINVAL (bad address or payload type)
 */
int media_stream_set_peer(struct media_stream *ms, const struct sa *raddr,
			  uint8_t pt, int telev_pt)
{
	if (!ms || !raddr || !sa_isset(raddr, SA_ALL))
		return EINVAL;
	if (pt != MEDIA_PT_PCMU && pt != MEDIA_PT_PCMA)
		return EINVAL;
	if (telev_pt > 127 || telev_pt == pt)
		return EINVAL;

	/* a new peer address (re-INVITE) re-arms the source check */
	if (!ms->has_peer || !media_sa_eq(raddr, &ms->src_rtp.sdp)) {
		ms->src_rtp.sdp = *raddr;
		ms->src_rtp.latched = false;
		ms->src_rtcp.sdp = *raddr;
		sa_set_port(&ms->src_rtcp.sdp, (uint16_t)(sa_port(raddr) + 1));
		ms->src_rtcp.latched = false;
		ms->raddr = *raddr;
	}
	ms->pt = pt;
	ms->telev_pt = telev_pt < 0 ? -1 : telev_pt;
	ms->has_peer = true;
	media_stream_update(ms);

	return 0;
}

/**
 * Direction from SDP. While !send nothing is sent and the player pauses
 * where it is; the first packet after resuming carries the marker bit and
 * a timestamp that covers the pause. While !recv input is dropped.
 */
int media_stream_set_peer_sdp(struct media_stream *ms,
			      const struct sdp_media *m)
{
	const struct sdp_format *fmt, *te;
	uint8_t pt;

	fmt = sdp_media_rformat(m, NULL);
	if (!fmt)
		return ENOENT;
	/* a static payload type without a=rtpmap has no name */
	if (fmt->name)
		pt = !strcasecmp(fmt->name, "PCMA") ? MEDIA_PT_PCMA
						    : MEDIA_PT_PCMU;
	else
		pt = fmt->pt == MEDIA_PT_PCMA ? MEDIA_PT_PCMA : MEDIA_PT_PCMU;
	te = sdp_media_rformat(m, "telephone-event");
	return media_stream_set_peer(ms, sdp_media_raddr(m), pt,
				     te ? te->pt : -1);
}

void media_stream_set_dir(struct media_stream *ms, bool send, bool recv)
{
	if (!ms)
		return;

	ms->send = send;
	ms->recv = recv && !ms->stopped;
	media_stream_update(ms);
}

/**
 * Start sending 20 ms packets (silence when nothing plays). The first
 * packet leaves from the next tick, never from inside this call.
 *
 * @return 0, EINVAL (no peer yet), ESHUTDOWN (stopped)
 */
int media_stream_start(struct media_stream *ms)
{
	if (!ms || !ms->has_peer)
		return EINVAL;
	if (ms->stopped)
		return ESHUTDOWN;

	ms->started = true;
	media_stream_update(ms);

	return 0;
}

/**
 * Stop sending and receiving for good: no packet leaves after this
 * returns. What plays ends with ECANCELED (from the loop, later).
 */
void media_stream_stop(struct media_stream *ms)
{
	if (!ms)
		return;

	ms->stopped = true;
	ms->recv = false;
	media_stream_unbridge(ms);
	media_stream_update(ms);
	media_stream_dtmf_stop(ms);
	media_play_finish(ms, ECANCELED);
	media_inq_flush(ms, ECANCELED, true);
}

/**
 * Bridge two legs: what arrives on one is sent out of the other; local
 * playback on both ends (ECANCELED) and their ticks stop sending.
 *
 * @return 0, EINVAL, EALREADY (either is bridged)
 */
int media_stream_bridge(struct media_stream *a, struct media_stream *b)
{
	if (!a || !b || a == b || a->ml != b->ml)
		return EINVAL;
	if (a->relay || b->relay)
		return EALREADY;
	media_play_finish(a, ECANCELED);
	media_play_finish(b, ECANCELED);
	media_inq_flush(a, ECANCELED, true);
	media_inq_flush(b, ECANCELED, true);
	/* a tap's two channels start level */
	if (a->rx)
		a->rx->len = 0;
	if (b->rx)
		b->rx->len = 0;
	a->relay = b;
	b->relay = a;
	a->relay_sync = b->relay_sync = false;
	media_stream_update(a);
	media_stream_update(b);
	return 0;
}

/** End a bridge; both legs go back to the tick (silence, players) */
void media_stream_unbridge(struct media_stream *ms)
{
	struct media_stream *peer;

	if (!ms || !ms->relay)
		return;
	peer = ms->relay;
	peer->relay = NULL;
	ms->relay = NULL;
	peer->marker = ms->marker = true;
	media_stream_update(peer);
	media_stream_update(ms);
}

bool media_stream_telev(const struct media_stream *ms)
{
	return ms && ms->telev_pt >= 0;
}

int media_stream_dtmf(struct media_stream *ms, const char *digits,
		      uint32_t dur_ms, media_dtmf_done_h *h, void *arg)
{
	struct media_dtx *d;
	int err;

	if (!ms || dur_ms > MEDIA_DTMF_DUR_MAX / 8)
		return EINVAL;
	if (ms->stopped)
		return ESHUTDOWN;
	if (ms->telev_pt < 0)
		return ENOTSUP;
	if (ms->dtx || ms->relay)
		return EBUSY;
	d = mem_zalloc(sizeof(*d), NULL);
	if (!d)
		return ENOMEM;
	err = media_dtx_init(d, digits, dur_ms * 8);
	if (err) {
		mem_deref(d);
		return err;
	}
	ms->dtx = d;
	ms->dtxh = h;
	ms->dtx_arg = arg;
	return 0;
}

void media_stream_dtmf_stop(struct media_stream *ms)
{
	if (!ms)
		return;
	tmr_cancel(&ms->dtx_tmr);
	ms->dtx = mem_deref(ms->dtx);
	ms->dtxh = NULL;
	ms->dtx_arg = NULL;
}

/** Mute: silence instead of audio toward the peer (updateCall) */
void media_stream_mute(struct media_stream *ms, bool mute)
{
	if (ms)
		ms->muted = mute;
}

/**
 * Hand one packet to the receive path as the RTP socket would (tests and
 * fuzzing drive it without a socket).
 */
void media_stream_rtp_input(struct media_stream *ms, const struct sa *src,
			    struct mbuf *mb)
{
	if (ms && src && mb)
		media_rtp_recv(src, mb, ms);
}
