/**
 * @file fuzz_dtmf.c  SIP INFO DTMF bodies (media_dtmf_info_parse)
 *
 * Input: the Content-Type up to the first newline, then the body. The
 * body is copied to a buffer of its exact size so that a read past its
 * end is caught; the answer must be a DTMF digit or 0.
 */
#include <stdlib.h>
#include <string.h>
#include "media/media.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t clen = nl ? (size_t)(nl - data) : 0;
	size_t blen = nl ? size - clen - 1 : size;
	char *ctype = malloc(clen + 1);
	char *body = malloc(blen ? blen : 1);
	char d;

	if (!ctype || !body)
		abort();
	memcpy(ctype, data, clen);
	ctype[clen] = '\0';
	memcpy(body, nl ? nl + 1 : data, blen);
	d = media_dtmf_info_parse(clen ? ctype : NULL, body, blen);
	if (d && !strchr("0123456789*#ABCD", d))
		abort();
	free(ctype);
	free(body);
	return 0;
}
