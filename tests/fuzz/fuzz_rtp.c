/**
 * @file fuzz_rtp.c  RTP and RFC 4733 receive (media.c receive path)
 *
 * Input: one flag byte, the two legs' telephone-event payload types,
 * then packets, each a 16-bit big-endian length (top bit: to leg B
 * instead of A) and that many bytes. Flags: 1 bridge A and B, 2 A is
 * PCMA, 4 B is PCMA, 8 A has telephone-event, 16 B has, 32 B muted,
 * 64 A does not receive, 128 packets come from another address than
 * the peer's. Two fresh legs per input, so runs do not depend on each
 * other; what they send goes nowhere (fuzz.h).
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "media/media.h"
#include "fuzz.h"

#define FUZZ_RTP_MAX_PKTS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_rtp_dtmf(char digit, void *arg)
{
	(void)arg;
	if (!digit || !strchr("0123456789*#ABCD", digit))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct media_loop *ml;
	struct media_stream *a = NULL, *b = NULL;
	struct sa pa, pb, spoof;
	uint8_t flags;
	size_t off = 3;

	if (!ml) {
		struct sa ip;

		fuzz_init();
		sa_set_str(&ip, "127.0.0.1", 0);
		if (media_loop_alloc(&ml, &ip, 62000, 62999))
			abort();
	}
	if (size < 3)
		return 0;
	flags = data[0];
	sa_set_str(&pa, "127.0.0.2", 4000);
	sa_set_str(&pb, "127.0.0.3", 4002);
	sa_set_str(&spoof, "127.0.0.9", 5555);
	if (media_stream_alloc(&a, ml, fuzz_rtp_dtmf, NULL) ||
	    media_stream_alloc(&b, ml, fuzz_rtp_dtmf, NULL))
		abort();
	(void)media_stream_set_peer(a, &pa,
				    flags & 2 ? MEDIA_PT_PCMA : MEDIA_PT_PCMU,
				    flags & 8 ? data[1] & 0x7f : -1);
	(void)media_stream_set_peer(b, &pb,
				    flags & 4 ? MEDIA_PT_PCMA : MEDIA_PT_PCMU,
				    flags & 16 ? data[2] & 0x7f : -1);
	if (flags & 64)
		media_stream_set_dir(a, true, false);
	if (flags & 32)
		media_stream_mute(b, true);
	if (flags & 1)
		(void)media_stream_bridge(a, b);

	for (unsigned n = 0; n < FUZZ_RTP_MAX_PKTS && off + 2 <= size; n++) {
		size_t len = (size_t)(data[off] & 0x7f) << 8 | data[off + 1];
		bool to_b = data[off] & 0x80;
		struct mbuf *mb;

		off += 2;
		if (len > size - off)
			len = size - off;
		/* exactly the packet: a read past it is caught */
		mb = mbuf_alloc(len ? len : 1);
		if (!mb)
			abort();
		(void)mbuf_write_mem(mb, data + off, len);
		mb->pos = 0;
		off += len;
		media_stream_rtp_input(
			to_b ? b : a,
			flags & 128 ? &spoof : (to_b ? &pb : &pa), mb);
		mem_deref(mb);
	}
	mem_deref(a);
	mem_deref(b);
	return 0;
}
