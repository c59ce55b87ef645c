/**
 * @file media_resamp.c  fs_resamp: speexdsp for streams cut into frames
 *                       (include/fs/fs_resamp.h)
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <speex/speex_resampler.h>
#include <fs/fs_resamp.h>

/* the quality of every other conversion of the server (audio_buf.c) */
#define MEDIA_RESAMP_QUALITY 4

struct fs_resamp {
	SpeexResamplerState *st; /* NULL: equal rates */
};

static void media_resamp_destructor(void *arg)
{
	struct fs_resamp *r = arg;

	if (r->st)
		speex_resampler_destroy(r->st);
}

int fs_resamp_alloc(struct fs_resamp **rp, uint32_t from, uint32_t to)
{
	struct fs_resamp *r;
	int e = 0;

	if (!rp || from < 1000 || from > 192000 || to < 1000 || to > 192000)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), media_resamp_destructor);
	if (!r)
		return ENOMEM;
	if (from != to) {
		r->st = speex_resampler_init(1, from, to, MEDIA_RESAMP_QUALITY,
					     &e);
		if (!r->st) {
			mem_deref(r);
			return EIO;
		}
	}
	*rp = r;
	return 0;
}

size_t fs_resamp_run(struct fs_resamp *r, const int16_t *in, size_t n,
		     int16_t *out, size_t cap)
{
	spx_uint32_t ilen, olen;

	if (!r || !in || !out || !n || !cap)
		return 0;
	if (!r->st) {
		size_t k = n < cap ? n : cap;

		memcpy(out, in, k * sizeof(*out));
		return k;
	}
	ilen = (spx_uint32_t)n;
	olen = (spx_uint32_t)cap;
	speex_resampler_process_int(r->st, 0, in, &ilen, out, &olen);
	return olen;
}
