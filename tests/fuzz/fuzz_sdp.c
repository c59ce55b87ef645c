/**
 * @file fuzz_sdp.c  SDP offer to our answer, through a real INVITE
 *
 * The input is the SDP body of an INVITE to number 1000 (an application
 * that answers), sent to the in-process server of fuzz.h: call_sip.c decodes
 * the offer, picks codec, address and telephone-event, and answers with
 * its own SDP in the 200. Text after a line "%%%" is the body of a
 * re-INVITE in the dialog (hold, a new address, a bad offer), then the
 * call is ended with BYE.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_sdp_send(struct fuzz_srv *s, const char *method,
			  unsigned cseq, bool dialog, const uint8_t *body,
			  size_t len)
{
	char *hdr = NULL;

	if (re_sdprintf(&hdr,
			"%s sip:1000@%J SIP/2.0\r\n"
			"Via: SIP/2.0/UDP %J;rport;branch=z9hG4bK-%u-%u\r\n"
			"Max-Forwards: 70\r\n"
			"From: <sip:alice@%J>;tag=a%u\r\n"
			"To: <sip:1000@%J>%s%s\r\n"
			"Call-ID: sdp-%u@fuzz\r\n"
			"CSeq: %u %s\r\n"
			"Contact: <sip:alice@%J>\r\n"
			"%s"
			"Content-Length: %zu\r\n\r\n",
			method, &s->sip, &s->cli, s->iter, cseq, &s->cli,
			s->iter, &s->sip, dialog ? ";tag=" : "",
			dialog ? s->tag : "", s->iter, cseq, method, &s->cli,
			len ? "Content-Type: application/sdp\r\n" : "", len))
		abort();
	{
		size_t hl = strlen(hdr);
		uint8_t *buf = malloc(hl + len + 1);

		if (!buf)
			abort();
		memcpy(buf, hdr, hl);
		if (len)
			memcpy(buf + hl, body, len);
		fuzz_srv_send(s, buf, hl + len);
		free(buf);
	}
	mem_deref(hdr);
	fuzz_spin(4);
	fuzz_srv_drain(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_srv srv;
	static bool up;
	const uint8_t *sep = memmem(data, size, "\n%%%\n", 5);
	size_t offer = sep ? (size_t)(sep - data) : size;

	if (!up) {
		if (fuzz_srv_start(&srv, NULL))
			abort();
		up = true;
	}
	/* UDP: a datagram holds what it holds */
	if (size > 60000)
		return 0;
	fuzz_sdp_send(&srv, "INVITE", 1, false, data, offer);
	if (srv.tag[0]) {
		fuzz_sdp_send(&srv, "ACK", 1, true, NULL, 0);
		if (sep)
			fuzz_sdp_send(&srv, "INVITE", 2, true, sep + 5,
				      size - offer - 5);
		fuzz_sdp_send(&srv, "BYE", 3, true, NULL, 0);
	}
	fuzz_srv_reset(&srv);
	return 0;
}
