/**
 * @file media.c  RTP legs: the media loop (port range, the shared 20 ms
 *                tick, queued handlers); streams are media_stream.c, the
 *                player media_play.c, SIP INFO DTMF media_dtmf.c
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
 * Taps (media_tap.c) ride the same tick: after each frame's walk every
 * tap gets one frame of received audio, so a loop with taps ticks even
 * when none of its streams sends (both legs bridged).
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
#include <strings.h>
#include <sys/random.h>
#include <re.h>
#include <json-c/json.h>
#include "media/media_int.h"

static void media_tick(void *arg);

static uint64_t media_frame_time(const struct media_loop *ml)
{
	return ml->t0 + ml->frame * MEDIA_FRAME_MS;
}

/* (Re)arm the tick from the absolute timeline, or let it stop */
static void media_tick_schedule(struct media_loop *ml)
{
	uint64_t now, next;

	if (!ml->active.head && !ml->taps.head) {
		tmr_cancel(&ml->tick);
		return;
	}

	now = tmr_jiffies();
	next = media_frame_time(ml);
	tmr_start(&ml->tick, next > now ? next - now : 0, media_tick, ml);
}

/* A stream started sending: start a new timeline if the tick was idle */
void media_tick_ensure(struct media_loop *ml)
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

/* Queued handlers run at the end of the next tick, or soon when none */
void media_done_kick(struct media_loop *ml)
{
	if (!ml->done.head || ml->in_tick || tmr_isrunning(&ml->tick) ||
	    tmr_isrunning(&ml->async))
		return;

	tmr_start(&ml->async, 0, media_async, ml);
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
		media_tap_frame(ml);
		++ml->frame;
	}

	media_done_drain(ml);

	ml->in_tick = false;
	media_tick_schedule(ml);
	mem_deref(ml);
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
	list_init(&ml->taps);

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
	err |= media_add_u64(obj, "taps", list_count(&ml->taps));
	err |= media_add_u64(obj, "tap_frames", ml->tap_frames);
	err |= media_add_u64(obj, "tap_gaps", ml->tap_gaps);

	return err ? ENOMEM : 0;
}

void media_port_put(struct media_loop *ml, uint16_t port)
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
uint16_t media_port_take(struct media_loop *ml)
{
	uint32_t i = media_random() % ml->nfree;
	uint16_t port = ml->ports[i];

	--ml->nfree;
	ml->ports[i] = ml->ports[ml->nfree];
	ml->ports[ml->nfree] = port;
	return port;
}
