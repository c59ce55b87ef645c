/**
 * @file evstream.h  AWS's event-stream message framing (the binary
 *                   messages of Transcribe's streaming WebSocket)
 *
 * A message: total length and headers' length (32-bit big-endian), the
 * CRC32 of those 8 bytes, the headers, the payload, the CRC32 of all
 * before it. A header: a 1-byte name length, the name, a 1-byte value
 * type, the value (strings and byte arrays with a 16-bit length).
 */
#ifndef EVSTREAM_H
#define EVSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <re.h>

/* the most headers a message read may have */
#define EVS_MAX_HDRS 16
/* AWS's limit of a message (16 MiB) */
#define EVS_MAX_LEN (16u << 20)

struct evs_hdr {
	struct pl name;
	uint8_t type;  /* 7: string, 6: bytes, the rest scalars */
	struct pl val; /* strings and byte arrays */
};

struct evs_msg {
	struct evs_hdr hdrs[EVS_MAX_HDRS];
	size_t nhdrs;
	const uint8_t *payload; /* into the buffer read */
	size_t len;
};

/** CRC32 (IEEE 802.3, as zlib's crc32()) of buf, continuing from crc */
uint32_t evs_crc32(uint32_t crc, const uint8_t *buf, size_t len);

/**
 * Append one message: its string headers (names[i]: values[i]) and the
 * payload.
 * @return 0, EINVAL (a name over 255 or a value over 65535 bytes), ENOMEM
 */
int evs_encode(struct mbuf *mb, const char *const *names,
	       const char *const *values, size_t n, const uint8_t *payload,
	       size_t len);

/**
 * Read one whole message (exactly len bytes); m points into data.
 * @return 0, EBADMSG (lengths that do not add up, a header cut short, an
 *         unknown value type, more than EVS_MAX_HDRS headers), EILSEQ (a
 *         CRC that does not match)
 */
int evs_decode(struct evs_msg *m, const uint8_t *data, size_t len);

/** @return the string header's value, or NULL (pl_null) if absent */
const struct pl *evs_str(const struct evs_msg *m, const char *name);

#endif
