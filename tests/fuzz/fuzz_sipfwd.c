/**
 * @file fuzz_sipfwd.c  The first loop's forwarder (SIP_LOOPS > 1)
 *
 * The server of fuzz.h with SIP_LOOPS=2: requests whose Call-ID belongs
 * to "loop 1" (the harness's socket) are forwarded there by sipfwd.c
 * (our Via on top, received/rport on the caller's, Max-Forwards less
 * one), and responses whose top Via branch is the forwarder's are
 * relayed to the address in the second Via; the rest is the first
 * loop's own. Input as for fuzz_sip: datagrams separated by "%%%".
 */
#include <stdlib.h>
#include <re.h>
#include "fuzz.h"

#define FUZZ_SIPFWD_MAX_MSGS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_srv srv;
	static bool up;

	if (!up) {
		if (fuzz_srv_start(&srv, "SIP_LOOPS=2"))
			abort();
		up = true;
	}
	fuzz_srv_feed(&srv, data, size, FUZZ_SIPFWD_MAX_MSGS);
	return 0;
}
