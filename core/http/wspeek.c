/**
 * @file wspeek.c  The close code a WebSocket peer sent (wspeek.h)
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "http/wspeek.h"

/* Above libre's TLS helper (layer 0): the frames are plain text here */
#define WSPEEK_LAYER 10

struct wspeek {
	struct tcp_conn *tc;
	struct tcp_helper *th;
	uint8_t hdr[14]; /* the header being read */
	uint8_t hn;
	uint64_t skip; /* payload bytes of the current frame left */
	bool in_close; /* the current payload is a close frame's */
	uint8_t cb[2]; /* its status code */
	uint8_t cn;
	uint16_t code;
	bool lost; /* not at a frame boundary: nothing more is believed */
};

static void wspeek_destructor(void *arg)
{
	struct wspeek *p = arg;

	/* the helper first: freeing it unlinks it from the connection */
	mem_deref(p->th);
	mem_deref(p->tc);
}

/* How long a header is, once its first two bytes are in */
static uint8_t wspeek_hdr_len(const uint8_t *h)
{
	uint8_t n = 2, l7 = h[1] & 0x7f;

	if (l7 == 126)
		n += 2;
	else if (l7 == 127)
		n += 8;
	if (h[1] & 0x80)
		n += 4;
	return n;
}

static void wspeek_frame(struct wspeek *p)
{
	const uint8_t *h = p->hdr;
	uint8_t l7 = h[1] & 0x7f, op = h[0] & 0x0f;
	uint64_t len = l7;

	/* reserved bits or opcodes, or a masked frame from a server: we
	 * are not where a frame starts; stop believing anything */
	if ((h[0] & 0x70) || (op > 2 && op < 8) || op > 10 || (h[1] & 0x80)) {
		p->lost = true;
		return;
	}
	if (l7 == 126)
		len = (uint64_t)h[2] << 8 | h[3];
	else if (l7 == 127) {
		len = 0;
		for (int i = 2; i < 10; i++)
			len = len << 8 | h[i];
	}
	p->skip = len;
	p->in_close = op == 8 && !p->code;
	p->cn = 0;
	if (p->in_close && !len)
		p->code = 1005;
}

void wspeek_feed(struct wspeek *p, const uint8_t *b, size_t n)
{
	while (n && !p->lost) {
		if (p->skip) {
			size_t k = p->skip < n ? (size_t)p->skip : n;

			for (size_t i = 0; p->in_close && i < k && p->cn < 2;
			     i++)
				p->cb[p->cn++] = b[i];
			if (p->in_close && p->cn == 2) {
				p->code = (uint16_t)(p->cb[0] << 8 | p->cb[1]);
				p->in_close = false;
			}
			p->skip -= k;
			b += k;
			n -= k;
			continue;
		}
		p->hdr[p->hn++] = *b++;
		n--;
		if (p->hn >= 2 && p->hn == wspeek_hdr_len(p->hdr)) {
			p->hn = 0;
			wspeek_frame(p);
		}
	}
}

static bool wspeek_recv(int *err, struct mbuf *mb, bool *estab, void *arg)
{
	struct wspeek *p = arg;

	(void)err;
	(void)estab;
	wspeek_feed(p, mbuf_buf(mb), mbuf_get_left(mb));
	return false;
}

int wspeek_alloc(struct wspeek **pp)
{
	if (!pp)
		return EINVAL;
	*pp = mem_zalloc(sizeof(**pp), wspeek_destructor);
	return *pp ? 0 : ENOMEM;
}

int wspeek_attach(struct wspeek **pp, struct tcp_conn *tc)
{
	struct wspeek *p;
	int err;

	if (!pp || !tc)
		return EINVAL;
	err = wspeek_alloc(&p);
	if (err)
		return err;
	/* ours while the helper is: the connection frees its helpers */
	p->tc = mem_ref(tc);
	err = tcp_register_helper(&p->th, tc, WSPEEK_LAYER, NULL, NULL,
				  wspeek_recv, p);
	if (err) {
		mem_deref(p);
		return err;
	}
	*pp = p;
	return 0;
}

uint16_t wspeek_close_code(const struct wspeek *p)
{
	return p ? p->code : 0;
}
