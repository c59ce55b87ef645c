/**
 * @file evstream.c  AWS's event-stream message framing
 *
 * As the Transcribe streaming documentation describes it ("Setting up a
 * WebSocket stream": the event stream encoding): prelude, prelude CRC,
 * headers, payload, message CRC; every length and CRC big-endian.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "speech/evstream.h"

uint32_t evs_crc32(uint32_t crc, const uint8_t *buf, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *buf++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int evs_encode(struct mbuf *mb, const char *const *names,
	       const char *const *values, size_t n, const uint8_t *payload,
	       size_t len)
{
	size_t hlen = 0, start = mb->pos, total;
	uint8_t pre[12], crc[4];
	int err;

	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(names[i]), vl = strlen(values[i]);

		if (!nl || nl > 255 || vl > 65535)
			return EINVAL;
		hlen += 1 + nl + 1 + 2 + vl;
	}
	total = 12 + hlen + len + 4;
	if (total > EVS_MAX_LEN)
		return EINVAL;
	put32(pre, (uint32_t)total);
	put32(pre + 4, (uint32_t)hlen);
	put32(pre + 8, evs_crc32(0, pre, 8));
	err = mbuf_write_mem(mb, pre, sizeof(pre));
	for (size_t i = 0; i < n && !err; i++) {
		size_t nl = strlen(names[i]), vl = strlen(values[i]);

		err = mbuf_write_u8(mb, (uint8_t)nl);
		err |= mbuf_write_mem(mb, (const uint8_t *)names[i], nl);
		err |= mbuf_write_u8(mb, 7);
		err |= mbuf_write_u8(mb, (uint8_t)(vl >> 8));
		err |= mbuf_write_u8(mb, (uint8_t)vl);
		err |= mbuf_write_mem(mb, (const uint8_t *)values[i], vl);
	}
	if (!err && len)
		err = mbuf_write_mem(mb, payload, len);
	if (err)
		return err;
	put32(crc, evs_crc32(0, mb->buf + start, mb->pos - start));
	return mbuf_write_mem(mb, crc, sizeof(crc));
}

/* the size of a scalar value of type t, 0 for the variable ones */
static int evs_scalar(uint8_t t)
{
	static const int8_t sz[] = {0, 0, 1, 2, 4, 8, -1, -1, 8, 16};

	return t < sizeof(sz) ? sz[t] : -2;
}

int evs_decode(struct evs_msg *m, const uint8_t *data, size_t len)
{
	uint32_t total, hlen;
	const uint8_t *p, *end;

	memset(m, 0, sizeof(*m));
	if (len < 16)
		return EBADMSG;
	total = get32(data);
	hlen = get32(data + 4);
	if (total != len || hlen > total - 16)
		return EBADMSG;
	if (get32(data + 8) != evs_crc32(0, data, 8) ||
	    get32(data + len - 4) != evs_crc32(0, data, len - 4))
		return EILSEQ;
	p = data + 12;
	end = p + hlen;
	while (p < end) {
		struct evs_hdr *h;
		size_t nl = *p++;
		int sz;

		if (m->nhdrs == EVS_MAX_HDRS || !nl ||
		    (size_t)(end - p) < nl + 1)
			return EBADMSG;
		h = &m->hdrs[m->nhdrs++];
		h->name.p = (const char *)p;
		h->name.l = nl;
		p += nl;
		h->type = *p++;
		sz = evs_scalar(h->type);
		if (sz == -2)
			return EBADMSG;
		if (sz == -1) {
			size_t vl;

			if (end - p < 2)
				return EBADMSG;
			vl = (size_t)p[0] << 8 | p[1];
			p += 2;
			if ((size_t)(end - p) < vl)
				return EBADMSG;
			h->val.p = (const char *)p;
			h->val.l = vl;
			p += vl;
		} else {
			if (end - p < sz)
				return EBADMSG;
			h->val.p = (const char *)p;
			h->val.l = (size_t)sz;
			p += sz;
		}
	}
	m->payload = end;
	m->len = total - 16 - hlen;
	return 0;
}

const struct pl *evs_str(const struct evs_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].type == 7 && !pl_strcmp(&m->hdrs[i].name, name))
			return &m->hdrs[i].val;
	return NULL;
}
