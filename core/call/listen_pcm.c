/**
 * @file listen_pcm.c  Bytes from the server into samples: base64, WAV,
 *                     L16; and text from outside made safe for logs
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "call/listen_int.h"

static bool listen_b64_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
}

/* libre's decoder takes any byte as some value: check it is base64 */
static bool listen_b64_valid(const char *in, size_t len)
{
	size_t i, pad = 0;

	if (!len || len % 4)
		return false;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (!listen_b64_char(in[i]))
			return false;
	return true;
}

int listen_b64(uint8_t **outp, size_t *lenp, const char *in, size_t len)
{
	size_t olen = len / 4 * 3 + 3;
	uint8_t *out;
	int err;

	if (!outp || !lenp || !in || !listen_b64_valid(in, len))
		return EINVAL;
	out = mem_alloc(olen, NULL);
	if (!out)
		return ENOMEM;
	err = base64_decode(in, len, out, &olen);
	if (err) {
		mem_deref(out);
		return EINVAL;
	}
	*outp = out;
	*lenp = olen;
	return 0;
}

static uint32_t listen_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t listen_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* samples of channel 0 of interleaved little-endian 16-bit frames */
static int listen_frames(int16_t **pcmp, size_t *nsp, const uint8_t *buf,
			 size_t len, uint16_t channels)
{
	size_t stride = 2 * (size_t)channels, n = len / stride, i;
	int16_t *pcm = mem_alloc((n ? n : 1) * sizeof(*pcm), NULL);

	if (!pcm)
		return ENOMEM;
	for (i = 0; i < n; i++)
		pcm[i] = (int16_t)listen_le16(buf + i * stride);
	*pcmp = pcm;
	*nsp = n;
	return 0;
}

int listen_l16(int16_t **pcmp, size_t *nsp, const uint8_t *buf, size_t len)
{
	if (!pcmp || !nsp || (!buf && len))
		return EINVAL;
	return listen_frames(pcmp, nsp, buf, len, 1);
}

int listen_wav(int16_t **pcmp, size_t *nsp, uint32_t *ratep,
	       const uint8_t *buf, size_t len)
{
	uint16_t fmt = 0, channels = 0, bits = 0;
	uint32_t rate = 0;
	size_t pos = 12;

	if (!pcmp || !nsp || !ratep || !buf || len < 12 ||
	    memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4))
		return EPROTO;
	/* chunks: "fmt " before "data"; others skipped */
	while (pos + 8 <= len) {
		uint32_t csz = listen_le32(buf + pos + 4);
		const uint8_t *body = buf + pos + 8;
		size_t left = len - pos - 8;

		if (!memcmp(buf + pos, "fmt ", 4)) {
			if (csz < 16 || csz > left)
				return EPROTO;
			fmt = listen_le16(body);
			channels = listen_le16(body + 2);
			rate = listen_le32(body + 4);
			bits = listen_le16(body + 14);
		} else if (!memcmp(buf + pos, "data", 4)) {
			/* 1 = PCM, 0xfffe = extensible (PCM assumed) */
			if ((fmt != 1 && fmt != 0xfffe) || bits != 16 ||
			    !channels || channels > 8 || rate < 1000 ||
			    rate > 192000)
				return EPROTO;
			/* a streamed WAV says 0 or too much: take what came */
			if (csz > left || !csz)
				csz = (uint32_t)left;
			*ratep = rate;
			return listen_frames(pcmp, nsp, body, csz, channels);
		}
		if (csz > left)
			return EPROTO;
		pos += 8 + (size_t)csz + (csz & 1);
	}
	return EPROTO;
}

void listen_esc(char *out, size_t sz, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (!sz)
		return;
	for (i = 0; in && i < len && o + 1 < sz; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			out[o++] = (char)ch;
			continue;
		}
		if (o + 4 >= sz)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[ch >> 4];
		out[o++] = hex[ch & 15];
	}
	out[o] = '\0';
}

void listen_url_log(char *out, size_t sz, const char *url)
{
	const char *host = strstr(url, "://");
	const char *end, *at;
	char tmp[512];

	if (!host) {
		listen_esc(out, sz, url, strlen(url));
		return;
	}
	host += 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (!at) {
		listen_esc(out, sz, url, strlen(url));
		return;
	}
	(void)re_snprintf(tmp, sizeof(tmp), "%b%s", url, (size_t)(host - url),
			  at + 1);
	listen_esc(out, sz, tmp, strlen(tmp));
}
