/**
 * @file queue_relay.c  Two instances' bridge rooms joined over UDP
 *                      (queue_relay.h)
 *
 * The relay is a member of its room like a call, but fed by the peer's
 * frames instead of RTP: a 20 ms timer of the loop pushes the oldest
 * frame received (silence when none) and sends the mix of the others
 * (the call) to the peer. Everything runs on the loop that started it.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <fs/fs.h>
#include "base/log.h"
#include "conf/conf_room.h"
#include "queue/queue_relay.h"

#define RELAY_RING     8
#define RELAY_IDLE_MS  3000
#define RELAY_FIRST_MS 20000
#define RELAY_PKT      (1 + 2 * CONF_FRAME)

struct queue_relay {
	struct udp_sock *us;
	struct sa peer;
	bool has_peer;
	struct conf_slot *slot;
	struct mqueue *mq;
	struct tmr tmr;
	struct fs_listener *bind;
	int16_t ring[RELAY_RING][CONF_FRAME];
	unsigned rd, wr; /* frames read and written, mod RELAY_RING */
	uint64_t frame;  /* the last frame ticked */
	uint64_t start_ms, rx_ms;
	char key[80];
	bool stopped;
};

static void relay_send(struct queue_relay *qr, char type, const int16_t *pcm)
{
	struct mbuf *mb;

	if (!qr->has_peer || !qr->us)
		return;
	mb = mbuf_alloc(RELAY_PKT);
	if (!mb)
		return;
	mbuf_write_u8(mb, (uint8_t)type);
	for (size_t i = 0; pcm && i < CONF_FRAME; i++)
		mbuf_write_u16(mb, htons((uint16_t)pcm[i]));
	mb->pos = 0;
	(void)udp_send(qr->us, &qr->peer, mb);
	mem_deref(mb);
}

/* Out of the room (ending it for the call), no more packets */
static void relay_stop(struct queue_relay *qr, bool tell, const char *why)
{
	if (qr->stopped)
		return;
	qr->stopped = true;
	tmr_cancel(&qr->tmr);
	if (tell)
		for (int i = 0; i < 3; i++)
			relay_send(qr, 'B', NULL);
	if (qr->slot) {
		conf_room_leave(qr->slot, tmr_jiffies() / 20, NULL, NULL);
		qr->slot = NULL;
	}
	qr->mq = mem_deref(qr->mq);
	qr->us = mem_deref(qr->us);
	fs_info("queue", "bridge:%s: relay to the other instance stops (%s)",
		qr->key, why);
}

static void relay_tick(void *arg)
{
	struct queue_relay *qr = arg;
	uint64_t now = tmr_jiffies(), f = now / 20;
	int16_t out[CONF_FRAME];
	static const int16_t silence[CONF_FRAME];

	if ((qr->rx_ms && now - qr->rx_ms > RELAY_IDLE_MS) ||
	    (!qr->rx_ms && now - qr->start_ms > RELAY_FIRST_MS)) {
		relay_stop(qr, false, "the other instance is silent");
		return;
	}
	tmr_start(&qr->tmr, 20 - now % 20, relay_tick, qr);
	if (f <= qr->frame)
		return;
	/* a late timer catches up a few frames, not a backlog */
	if (f - qr->frame > 4)
		qr->frame = f - 4;
	while (qr->frame < f) {
		const int16_t *in = silence;

		qr->frame++;
		if (qr->rd != qr->wr)
			in = qr->ring[qr->rd++ % RELAY_RING];
		if (!conf_room_tick(qr->slot, in, out, qr->frame))
			memset(out, 0, sizeof(out));
		relay_send(qr, 'F', out);
	}
}

static void relay_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct queue_relay *qr = arg;
	uint8_t type;

	if (qr->stopped || mbuf_get_left(mb) < 1)
		return;
	if (qr->has_peer && !sa_cmp(src, &qr->peer, SA_ALL))
		return; /* only the relay it bridges to */
	type = mbuf_read_u8(mb);
	if (!qr->has_peer) {
		qr->peer = *src;
		qr->has_peer = true;
	}
	qr->rx_ms = tmr_jiffies();
	if (type == 'B') {
		relay_stop(qr, false, "the other side left");
		return;
	}
	if (type != 'F' || mbuf_get_left(mb) < 2 * CONF_FRAME)
		return;
	if (qr->wr - qr->rd >= RELAY_RING)
		qr->rd++; /* the oldest goes */
	for (size_t i = 0; i < CONF_FRAME; i++)
		qr->ring[qr->wr % RELAY_RING][i] =
			(int16_t)ntohs(mbuf_read_u16(mb));
	qr->wr++;
}

static void relay_mq_h(int id, void *data, void *arg)
{
	(void)data;
	if ((id & 0xff) == CONF_MQ_ENDED)
		relay_stop(arg, true, "the call left");
}

static void relay_destructor(void *arg)
{
	struct queue_relay *qr = arg;

	relay_stop(qr, true, "the verb ended");
}

static void relay_release(void *arg)
{
	struct queue_relay *qr = arg;

	qr->bind = NULL;
	mem_deref(qr);
}

void queue_relay_close(struct queue_relay *qr)
{
	if (!qr)
		return;
	relay_stop(qr, true, "the take failed");
	fs_listener_cancel(qr->bind);
	qr->bind = NULL;
	mem_deref(qr);
}

int queue_relay_start(struct fs_scope *scope, const char *host,
		      const char *key, const char *peer, char *addr, size_t sz,
		      struct queue_relay **rp)
{
	struct conf_join_opts o = {
		.start = true, .endconf = true, .ends_room = true, .max = 2};
	struct queue_relay *qr;
	struct sa local;
	char room[96];
	bool started;
	int err;

	if (!scope || !host || !key || !addr)
		return EINVAL;
	qr = mem_zalloc(sizeof(*qr), relay_destructor);
	if (!qr)
		return ENOMEM;
	tmr_init(&qr->tmr);
	str_ncpy(qr->key, key, sizeof(qr->key));
	if (peer) {
		err = sa_decode(&qr->peer, peer, strlen(peer));
		if (err)
			goto fail;
		qr->has_peer = true;
	}
	err = sa_set_str(&local, host, 0);
	if (!err)
		err = udp_listen(&qr->us, &local, relay_recv, qr);
	if (!err)
		err = udp_local_get(qr->us, &local);
	if (!err)
		err = mqueue_alloc(&qr->mq, relay_mq_h, qr);
	if (err)
		goto fail;
	re_snprintf(room, sizeof(room), "bridge:%s", key);
	err = conf_room_join(&qr->slot, room, &o, qr->mq, tmr_jiffies() / 20,
			     0, &started);
	if (err)
		goto fail;
	err = fs_scope_bind(scope, relay_release, qr, &qr->bind);
	if (err)
		goto fail;
	re_snprintf(addr, sz, "%J", &local);
	qr->start_ms = tmr_jiffies();
	qr->frame = qr->start_ms / 20;
	tmr_start(&qr->tmr, 20, relay_tick, qr);
	fs_info("queue", "bridge:%s: relay on %s to %s", qr->key, addr,
		peer ? peer : "(the first packet's source)");
	if (rp)
		*rp = qr;
	return 0;
fail:
	mem_deref(qr);
	return err;
}
