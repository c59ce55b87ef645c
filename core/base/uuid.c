/**
 * @file uuid.c  Random (version 4) UUIDs for call sids
 */
#include <re.h>
#include "base/uuid.h"

void uuid_v4(char out[UUID_STR_LEN])
{
	uint8_t b[16];

	rand_bytes(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	re_snprintf(out, UUID_STR_LEN,
		    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		    "%02x%02x%02x%02x%02x%02x",
		    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		    b[10], b[11], b[12], b[13], b[14], b[15]);
}
