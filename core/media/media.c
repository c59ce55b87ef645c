/**
 * @file media.c  RTP legs: port range, shared 20 ms tick, G.711, player,
 *                RFC 4733 DTMF
 *
 * Every media_loop belongs to the event loop of the thread that allocated
 * it: its sockets and timers are registered there and all calls must come
 * from that thread.
 *
 * Sending. Streams that may send (started, not stopped, a peer, send
 * direction) sit in the loop's `active` list. ONE timer per loop walks
 * that list every 20 ms and sends each stream one frame from a buffer
 * allocated with the stream, so a packet costs an encode and a sendto and
 * nothing else. Frame k of the current run is due at t0 + k * 20 ms; the
 * next timer is always computed from that absolute timeline, never from
 * "now + 20", so the jitter of one wake-up does not add up over a call.
 *
 * Late ticks. When the loop wakes up more than one frame late (a blocked
 * handler, a busy machine) the tick counts it and sends the missed frames
 * back to back, at most MEDIA_CATCHUP_MAX of them: receivers' jitter
 * buffers absorb a short burst and no audio is lost. Frames older than
 * that are skipped: the RTP timestamp still advances by the wall time
 * (receivers see a gap and conceal it) while the player keeps its
 * position, so a long stall delays the prompt instead of cutting it.
 *
 * Playback ends and cancellations are queued on the loop's `done` list
 * and their handlers run at the end of a tick (or from a zero-delay timer
 * when no tick runs), never from inside a media_* call. A handler may free
 * any stream, start playback, or stop streams: the tick has finished its
 * walk before any handler runs, and a freed stream drops its own queued
 * notifications.
 *
 * Sources. RTP and RTCP are taken only from the peer (see media_source
 * in media.h): the exact address of its SDP is always good; in latching
 * mode the first other source after the stream started fixes the
 * address (and, on another host than the SDP's, becomes where we send:
 * peers behind NAT), and a packet from the SDP address takes the latch
 * back. Everything else is counted and dropped. Ports are drawn at
 * random from the free set so that a stream's port cannot be told from
 * the previous one.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <re.h>
#include <rem/rem_g711.h>
#include <json-c/json.h>
#include "base/log.h"
#include "media/media.h"

#define MEDIA_FRAME_MS      20
#define MEDIA_FRAME_SAMPLES 160 /* 20 ms at 8 kHz */
#define MEDIA_RTP_HDR       12
#define MEDIA_CATCHUP_MAX   5 /* frames sent in one burst after a stall */

struct media_loop {
	struct sa ip;       /* local address, port set per bind */
	struct tmr tick;    /* the shared 20 ms tick */
	struct tmr async;   /* runs queued handlers when no tick runs */
	struct list active; /* streams that send, weak links */
	struct list done;   /* ended playbacks waiting for their handler */
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
};

/* Which address a stream takes RTP (or RTCP) from */
struct media_src {
	struct sa sdp;   /* the peer's SDP address (port + 1 for RTCP) */
	struct sa latch; /* the latched source, when latched */
	bool latched;
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
};

static void media_tick(void *arg);

static uint64_t media_frame_time(const struct media_loop *ml)
{
	return ml->t0 + ml->frame * MEDIA_FRAME_MS;
}

/* (Re)arm the tick from the absolute timeline, or let it stop */
static void media_tick_schedule(struct media_loop *ml)
{
	uint64_t now, next;

	if (!ml->active.head) {
		tmr_cancel(&ml->tick);
		return;
	}

	now = tmr_jiffies();
	next = media_frame_time(ml);
	tmr_start(&ml->tick, next > now ? next - now : 0, media_tick, ml);
}

/* A stream started sending: start a new timeline if the tick was idle */
static void media_tick_ensure(struct media_loop *ml)
{
	if (ml->in_tick || tmr_isrunning(&ml->tick))
		return;

	ml->t0 = tmr_jiffies();
	ml->frame = 0;
	tmr_start(&ml->tick, 0, media_tick, ml);
}

static void media_done_drain(struct media_loop *ml)
{
	while (ml->done.head) {
		struct media_play *mp = ml->done.head->data;

		list_unlink(&mp->le);
		mp->ms = NULL;
		if (mp->h)
			mp->h(mp->err, mp->sent, mp->arg);
		mem_deref(mp);
	}
}

static void media_async(void *arg)
{
	struct media_loop *ml = mem_ref(arg);

	media_done_drain(ml);
	mem_deref(ml);
}

static void media_play_destructor(void *arg)
{
	struct media_play *mp = arg;

	list_unlink(&mp->le);
	mem_deref(mp->audio);
}

/* Queued handlers run at the end of the next tick, or soon when none */
static void media_done_kick(struct media_loop *ml)
{
	if (!ml->done.head || ml->in_tick || tmr_isrunning(&ml->tick) ||
	    tmr_isrunning(&ml->async))
		return;

	tmr_start(&ml->async, 0, media_async, ml);
}

/* Queue the handler of a playback that ended; runs from the loop */
static void media_play_finish(struct media_stream *ms, int err)
{
	struct media_loop *ml = ms->ml;
	struct media_play *mp = ms->play;

	if (!mp)
		return;

	ms->play = NULL;
	mp->err = err;
	mp->ended = true;
	mp->audio = mem_deref(mp->audio);
	list_append(&ml->done, &mp->le, mp);
	media_done_kick(ml);
}

/*
 * Copy up to want samples of the playback into pcm (NULL: only advance)
 * and flag the end as soon as the last sample is out, so the handler runs
 * in the tick that sent it.
 */
static size_t media_play_read(struct media_play *mp, int16_t *pcm, size_t want)
{
	const struct fs_audio *a = mp->audio;
	size_t n = 0;

	while (n < want) {
		uint64_t k;

		if (mp->limit && mp->sent >= mp->limit) {
			mp->ended = true;
			break;
		}

		if (mp->pos >= a->samples) {
			++mp->loops_done;
			if (!a->samples ||
			    (mp->loops && mp->loops_done >= mp->loops)) {
				mp->ended = true;
				break;
			}
			mp->pos = 0;
			continue;
		}

		k = a->samples - mp->pos;
		if (k > want - n)
			k = want - n;
		if (mp->limit && k > mp->limit - mp->sent)
			k = mp->limit - mp->sent;

		if (pcm)
			memcpy(pcm + n, a->pcm + mp->pos, k * sizeof(*pcm));
		n += k;
		mp->pos += k;
		mp->sent += k;
	}

	if (mp->limit && mp->sent >= mp->limit)
		mp->ended = true;
	else if (mp->pos >= a->samples && mp->loops &&
		 mp->loops_done + 1 >= mp->loops)
		mp->ended = true;

	return n;
}

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

/* Send one frame of ms; frame_ms is the frame's place on the timeline */
static void media_stream_frame(struct media_stream *ms, uint64_t frame_ms)
{
	struct media_loop *ml = ms->ml;
	struct mbuf *mb = ms->mb;
	uint8_t *p = mb->buf;
	uint8_t *pay = p + MEDIA_RTP_HDR;
	int16_t pcm[MEDIA_FRAME_SAMPLES];
	size_t n = 0, i;

	if (ms->play) {
		n = media_play_read(ms->play, pcm, MEDIA_FRAME_SAMPLES);
		if (ms->play->ended)
			media_play_finish(ms, 0);
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

	/*
	 * The timestamp follows the clock across holds and skipped frames;
	 * rounding keeps it moving when a new timeline starts off the grid.
	 */
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

static void media_tick(void *arg)
{
	struct media_loop *ml = mem_ref(arg);
	uint64_t now = tmr_jiffies();
	uint64_t due, late;

	ml->in_tick = true;

	/* frames 0 .. due-1 of this run are due by now */
	due = (now - ml->t0) / MEDIA_FRAME_MS + 1;
	late = now > media_frame_time(ml) ? now - media_frame_time(ml) : 0;
	if (late > MEDIA_FRAME_MS) {
		++ml->late_ticks;
		if (late > ml->max_late_ms)
			ml->max_late_ms = late;
	}
	if (due > ml->frame + MEDIA_CATCHUP_MAX) {
		ml->skipped_frames += due - MEDIA_CATCHUP_MAX - ml->frame;
		ml->frame = due - MEDIA_CATCHUP_MAX;
	}

	/* no user code runs during the walk: plain iteration is safe */
	while (ml->frame < due) {
		uint64_t fms = media_frame_time(ml);
		struct le *le;

		LIST_FOREACH(&ml->active, le) {
			media_stream_frame(le->data, fms);
		}
		++ml->frame;
	}

	media_done_drain(ml);

	ml->in_tick = false;
	media_tick_schedule(ml);
	mem_deref(ml);
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
		if (!ml->active.head && !ml->in_tick) {
			tmr_cancel(&ml->tick);
			media_done_kick(ml);
		}
	}
}

static void media_loop_destructor(void *arg)
{
	struct media_loop *ml = arg;

	tmr_cancel(&ml->tick);
	tmr_cancel(&ml->async);
	list_flush(&ml->done);
	mem_deref(ml->ports);
}

/**
 * Allocate the media of one event loop (the calling thread's).
 *
 * @param mlp      Returns a new reference
 * @param ip       Local IP for RTP sockets (port ignored)
 * @param port_min Lowest port of the range (rounded up to even)
 * @param port_max Highest port of the range (an RTCP port at most)
 *
 * @return 0, EINVAL (no room for one RTP+RTCP pair), ENOMEM
 */
int media_loop_alloc(struct media_loop **mlp, const struct sa *ip,
		     uint16_t port_min, uint16_t port_max)
{
	struct media_loop *ml;
	uint32_t first = port_min + (port_min & 1u);
	uint32_t n, i;

	/* the any address is fine: RTP then binds every interface */
	if (!mlp || !ip || (sa_af(ip) != AF_INET && sa_af(ip) != AF_INET6) ||
	    !port_min || first + 1 > port_max)
		return EINVAL;

	n = ((uint32_t)port_max - first + 1) / 2;

	ml = mem_zalloc(sizeof(*ml), media_loop_destructor);
	if (!ml)
		return ENOMEM;

	ml->ports = mem_zalloc(n * sizeof(*ml->ports), NULL);
	if (!ml->ports) {
		mem_deref(ml);
		return ENOMEM;
	}

	for (i = 0; i < n; i++)
		ml->ports[i] = (uint16_t)(first + 2 * i);
	ml->nports = n;
	ml->nfree = n;
	ml->ip = *ip;
	tmr_init(&ml->tick);
	tmr_init(&ml->async);
	list_init(&ml->active);
	list_init(&ml->done);

	*mlp = ml;
	return 0;
}

/**
 * Set how sources of RTP and RTCP are checked (for streams to come and
 * those open).
 */
void media_loop_set_source(struct media_loop *ml, enum media_source mode)
{
	if (ml)
		ml->src_mode = mode;
}

/**
 * Parse "latch", "sdp" or "off".
 *
 * @return 0, EINVAL
 */
int media_source_parse(const char *s, enum media_source *modep)
{
	if (!s || !modep)
		return EINVAL;
	if (!strcasecmp(s, "latch"))
		*modep = MEDIA_SRC_LATCH;
	else if (!strcasecmp(s, "sdp"))
		*modep = MEDIA_SRC_SDP;
	else if (!strcasecmp(s, "off"))
		*modep = MEDIA_SRC_ANY;
	else
		return EINVAL;
	return 0;
}

static int media_add_u64(struct json_object *obj, const char *key, uint64_t v)
{
	struct json_object *o = json_object_new_int64((int64_t)v);

	if (!o)
		return ENOMEM;
	json_object_object_add(obj, key, o);
	return 0;
}

/**
 * Add media stats to obj.
 *
 * @return 0, EINVAL, ENOMEM
 */
int media_loop_metrics(const struct media_loop *ml, struct json_object *obj)
{
	int err = 0;

	if (!ml || !obj)
		return EINVAL;

	err |= media_add_u64(obj, "streams", ml->streams);
	err |= media_add_u64(obj, "sending", ml->sending);
	err |= media_add_u64(obj, "packets_sent", ml->packets_sent);
	err |= media_add_u64(obj, "packets_recv", ml->packets_recv);
	err |= media_add_u64(obj, "packets_relayed", ml->packets_relayed);
	err |= media_add_u64(obj, "send_errors", ml->send_errors);
	err |= media_add_u64(obj, "dtmf", ml->dtmf);
	err |= media_add_u64(obj, "late_ticks", ml->late_ticks);
	err |= media_add_u64(obj, "max_late_ms", ml->max_late_ms);
	err |= media_add_u64(obj, "skipped_frames", ml->skipped_frames);
	err |= media_add_u64(obj, "ports_free", ml->nfree);
	err |= media_add_u64(obj, "rtcp_recv", ml->rtcp_recv);
	err |= media_add_u64(obj, "packets_dropped_source",
			     ml->dropped_source);
	err |= media_add_u64(obj, "sources_latched", ml->latched);

	return err ? ENOMEM : 0;
}

static void media_port_put(struct media_loop *ml, uint16_t port)
{
	if (ml->nfree < ml->nports)
		ml->ports[ml->nfree++] = port;
}

/* Unpredictable, unlike rand_u32() when libre lacks OpenSSL */
static uint32_t media_random(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = rand_u32();
	return v;
}

/*
 * Take a free port pair at random, so the next port cannot be guessed.
 * It is swapped to ports[nfree] (just past the free set), where a pair
 * that fails to bind waits for media_stream_bind to give it back.
 */
static uint16_t media_port_take(struct media_loop *ml)
{
	uint32_t i = media_random() % ml->nfree;
	uint16_t port = ml->ports[i];

	--ml->nfree;
	ml->ports[i] = ml->ports[ml->nfree];
	ml->ports[ml->nfree] = port;
	return port;
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

static char media_telev_digit(uint8_t event)
{
	static const char map[] = "0123456789*#ABCD";

	return event < 16 ? map[event] : 0;
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

	if (ms->play) {
		ms->play->ms = NULL;
		ms->play = mem_deref(ms->play);
	}

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
	media_play_finish(ms, ECANCELED);
}

/**
 * Play audio, replacing what plays. The replaced playback's handler gets
 * ECANCELED; like every playback handler it runs from the loop, never
 * from inside this call. The offset applies to the first pass; further
 * loops start at sample 0.
 *
 * @param ms     Stream
 * @param audio  8 kHz mono PCM; takes a reference
 * @param loops  1 = once, 0 = until stopped
 * @param offset First sample
 * @param max_ms 0 = no limit; else stop after this long (err 0)
 * @param h      Called once with the samples sent (may be NULL)
 * @param arg    Handler argument
 *
 * @return 0, EINVAL, ESHUTDOWN (stopped), ENOMEM
 */
int media_stream_play(struct media_stream *ms, struct fs_audio *audio,
		      uint32_t loops, uint64_t offset, uint32_t max_ms,
		      media_play_h *h, void *arg)
{
	struct media_play *mp;

	if (!ms || !audio || (!audio->pcm && audio->samples))
		return EINVAL;
	if (ms->stopped)
		return ESHUTDOWN;

	mp = mem_zalloc(sizeof(*mp), media_play_destructor);
	if (!mp)
		return ENOMEM;

	mp->ms = ms;
	mp->audio = mem_ref(audio);
	mp->pos = offset;
	mp->loops = loops;
	mp->limit = (uint64_t)max_ms * (FS_AUDIO_SRATE / 1000);
	mp->h = h;
	mp->arg = arg;

	media_play_finish(ms, ECANCELED);
	ms->play = mp;

	/* nothing to play at all: end without waiting for a frame */
	if (!audio->samples || (loops == 1 && offset >= audio->samples))
		media_play_finish(ms, 0);

	return 0;
}

/**
 * Stop playback. With notify the handler gets ECANCELED from the loop;
 * without, it is dropped and never runs (its owner is going away).
 */
void media_stream_play_stop(struct media_stream *ms, bool notify)
{
	if (!ms || !ms->play)
		return;

	if (notify) {
		media_play_finish(ms, ECANCELED);
		return;
	}

	ms->play->ms = NULL;
	ms->play = mem_deref(ms->play);
}

/**
 * Drop the queued end notification of a playback that already ended
 * (stopped, replaced, or the stream stopped) and whose handler has not
 * run yet: its owner is going away. Matches handler and argument.
 */
void media_stream_play_forget(struct media_stream *ms, media_play_h *h,
			      const void *arg)
{
	struct le *le;

	if (!ms || !ms->ml)
		return;
	for (le = ms->ml->done.head; le; le = le->next) {
		struct media_play *mp = le->data;

		if (mp->h == h && mp->arg == arg)
			mp->h = NULL;
	}
}

/** @return true while audio plays */
bool media_stream_playing(const struct media_stream *ms)
{
	return ms && ms->play;
}

static char media_dtmf_char(char c)
{
	if ((c >= '0' && c <= '9') || c == '*' || c == '#')
		return c;
	if (c >= 'a' && c <= 'd')
		return (char)(c - 'a' + 'A');
	if (c >= 'A' && c <= 'D')
		return c;
	return 0;
}

/* One digit, or an event code 10..15 ("Signal=11" from some gateways) */
static char media_dtmf_value(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		++p;
	if (p >= end)
		return 0;

	if (p + 1 < end && p[0] == '1' && p[1] >= '0' && p[1] <= '5' &&
	    (p + 2 == end || !(p[2] >= '0' && p[2] <= '9')))
		return media_telev_digit((uint8_t)(10 + p[1] - '0'));

	if (p + 1 < end && p[1] != '\r' && p[1] != '\n' && p[1] != ' ' &&
	    p[1] != '\t')
		return 0;

	return media_dtmf_char(*p);
}

/**
 * Parse a SIP INFO DTMF body: application/dtmf-relay ("Signal=5\r\n
 * Duration=160", spaces allowed around '=', key case-insensitive) or
 * application/dtmf ("5"). A body with a Signal line is read as
 * dtmf-relay whatever the content type says.
 *
 * @return '0'-'9', '*', '#', 'A'-'D', or 0 when the body carries none
 */
char media_dtmf_info_parse(const char *ctype, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	const char *line;

	if (!body || !len)
		return 0;

	for (line = p; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *q = line;

		if (!eol)
			eol = end;
		while (q < eol && (*q == ' ' || *q == '\t'))
			++q;
		if ((size_t)(eol - q) > 6 && !strncasecmp(q, "signal", 6)) {
			q += 6;
			while (q < eol && (*q == ' ' || *q == '\t'))
				++q;
			if (q < eol && *q == '=')
				return media_dtmf_value(q + 1, eol);
		}
		line = eol + 1;
	}

	if (ctype && !strncasecmp(ctype, "application/dtmf-relay", 22))
		return 0;

	/* application/dtmf: the body is the digit */
	end = body + len;
	while (end > p && (end[-1] == '\r' || end[-1] == '\n' ||
			   end[-1] == ' ' || end[-1] == '\t'))
		--end;
	return media_dtmf_value(p, end);
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
