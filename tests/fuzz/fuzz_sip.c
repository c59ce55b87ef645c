/**
 * @file fuzz_sip.c  SIP requests through the real SIP stack and loop
 *
 * A whole server runs in-process (fuzz.h): libre's SIP stack on
 * 127.0.0.1, the loop's request handlers, call setup with SDP, the file
 * directory, verbs, in-dialog requests (re-INVITE, INFO, BYE). Input:
 * up to 8 datagrams separated by a line "%%%"; in each, $TAG becomes
 * the To tag the server last answered with (so later requests can be
 * in-dialog), $CLI our address, $SRV the server's, $ID the run number.
 * After each datagram the loop runs until idle; after the last, every
 * call is ended, so each run starts from an empty server.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "fuzz.h"

#define FUZZ_SIP_MAX_MSGS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_srv srv;
	static bool up;

	if (!up) {
		if (fuzz_srv_start(&srv, NULL))
			abort();
		up = true;
	}
	fuzz_srv_feed(&srv, data, size, FUZZ_SIP_MAX_MSGS);
	return 0;
}
