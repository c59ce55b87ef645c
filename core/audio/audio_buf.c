/**
 * @file audio_buf.c  fs_audio objects, resampling to 8 kHz, file decoding
 *
 * Everything here may run on a worker thread: the functions keep no
 * shared state, and every libre object they create (the result and its
 * scratch buffers) is either freed before returning or handed over once
 * to the caller (Debian's libre is built without MEM_DEBUG, so mem_zalloc
 * touches no global list).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include <sndfile.h>
#include <speex/speex_resampler.h>
#include "audio/audio.h"
#include "base/dlib.h"
#include "base/log.h"

/* Longest decoded file by default: an hour, at the file's own rate */
#define AUDIO_DECODE_MAX_SECS 3600
/* Decoding time per file by default, ms */
#define AUDIO_DECODE_MAX_MS 10000
/* Frames read from libsndfile per call */
#define AUDIO_DECODE_CHUNK 4096

struct audio_buf {
	struct fs_audio a; /* first: the object pointer is the audio */
	int16_t pcm[];
};

int audio_buf_alloc(struct fs_audio **ap, int16_t **pcmp, size_t n)
{
	struct audio_buf *b;

	if (!ap || n > (SIZE_MAX - sizeof(*b)) / sizeof(int16_t))
		return EINVAL;
	b = mem_zalloc(sizeof(*b) + n * sizeof(int16_t), NULL);
	if (!b)
		return ENOMEM;
	b->a.pcm = b->pcm;
	b->a.samples = n;
	if (pcmp)
		*pcmp = b->pcm;
	*ap = &b->a;
	return 0;
}

void audio_buf_trim(struct fs_audio *a, size_t n)
{
	if (a && n < a->samples)
		a->samples = n;
}

uint64_t audio_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Streaming conversion to 8 kHz: input arrives in chunks (decoder) or at
 * once (synthesisers); output collects in a growing scratch buffer.
 */
struct audio_rs {
	SpeexResamplerState *st; /* NULL when the input is 8 kHz */
	int16_t *out;            /* scratch, mem_alloc'd         */
	size_t n;
	size_t cap;
	uint64_t in_total;
	uint32_t srate;
};

static int audio_rs_reserve(struct audio_rs *rs, size_t more)
{
	size_t cap;
	int16_t *p;

	if (rs->n + more <= rs->cap)
		return 0;
	cap = rs->cap ? rs->cap : 8192;
	while (cap < rs->n + more)
		cap *= 2;
	/* libre's mem_realloc does not allocate from NULL */
	if (rs->out)
		p = mem_realloc(rs->out, cap * sizeof(*p));
	else
		p = mem_alloc(cap * sizeof(*p), NULL);
	if (!p)
		return ENOMEM;
	rs->out = p;
	rs->cap = cap;
	return 0;
}

static int audio_rs_init(struct audio_rs *rs, uint32_t srate)
{
	int e = 0;

	memset(rs, 0, sizeof(*rs));
	if (!srate || srate > 384000)
		return EINVAL;
	rs->srate = srate;
	if (srate == FS_AUDIO_SRATE)
		return 0;
	rs->st = speex_resampler_init(1, srate, FS_AUDIO_SRATE,
				      AUDIO_RESAMPLE_QUALITY, &e);
	if (!rs->st)
		return EIO;
	/* drop the filter's leading zeros: output starts at input 0 */
	speex_resampler_skip_zeros(rs->st);
	return 0;
}

static int audio_rs_feed(struct audio_rs *rs, const int16_t *in, size_t n)
{
	int err;

	/* nothing (flite speaks nothing for " "): no buffer to copy into */
	if (!n)
		return 0;
	rs->in_total += n;
	if (!rs->st) {
		err = audio_rs_reserve(rs, n);
		if (err)
			return err;
		memcpy(rs->out + rs->n, in, n * sizeof(*in));
		rs->n += n;
		return 0;
	}

	while (n) {
		spx_uint32_t ilen = n > 65536 ? 65536 : (spx_uint32_t)n;
		spx_uint32_t olen;

		olen = (spx_uint32_t)((uint64_t)ilen * FS_AUDIO_SRATE /
				      rs->srate) +
		       64;
		err = audio_rs_reserve(rs, olen);
		if (err)
			return err;
		speex_resampler_process_int(rs->st, 0, in, &ilen,
					    rs->out + rs->n, &olen);
		rs->n += olen;
		in += ilen;
		n -= ilen;
		if (!ilen && !olen)
			return EIO;
	}
	return 0;
}

/* Flush the filter's tail and build the fs_audio; frees the scratch */
static int audio_rs_finish(struct audio_rs *rs, struct fs_audio **ap)
{
	size_t want =
		(size_t)((rs->in_total * FS_AUDIO_SRATE + rs->srate - 1) /
			 rs->srate);
	int16_t *pcm;
	int err = 0;

	if (rs->st) {
		static const int16_t zeros[256];
		int guard = 64;

		/* feed silence until the last input sample has come out */
		while (rs->n < want && guard--) {
			spx_uint32_t ilen = 256, olen = 256;

			err = audio_rs_reserve(rs, olen);
			if (err)
				goto out;
			speex_resampler_process_int(rs->st, 0, zeros, &ilen,
						    rs->out + rs->n, &olen);
			rs->n += olen;
		}
	}
	if (rs->n < want)
		want = rs->n;

	err = audio_buf_alloc(ap, &pcm, want);
	if (err)
		goto out;
	if (want)
		memcpy(pcm, rs->out, want * sizeof(*pcm));
out:
	if (rs->st)
		speex_resampler_destroy(rs->st);
	rs->st = NULL;
	rs->out = mem_deref(rs->out);
	return err;
}

static void audio_rs_abort(struct audio_rs *rs)
{
	if (rs->st)
		speex_resampler_destroy(rs->st);
	rs->st = NULL;
	rs->out = mem_deref(rs->out);
}

int audio_resample(struct fs_audio **ap, const int16_t *pcm, size_t n,
		   uint32_t srate)
{
	struct audio_rs rs;
	int err;

	if (!ap || (!pcm && n))
		return EINVAL;
	err = audio_rs_init(&rs, srate);
	if (err)
		return err;
	err = audio_rs_feed(&rs, pcm, n);
	if (err) {
		audio_rs_abort(&rs);
		return err;
	}
	return audio_rs_finish(&rs, ap);
}


/* ---- libsndfile over a memory buffer ---- */

struct audio_vio {
	const uint8_t *p;
	sf_count_t len;
	sf_count_t pos;
};

/* libsndfile and the codecs it links (FLAC, Vorbis, Opus, MPEG: 0.8 MB
 * resident) are dlopen()ed by the first decoding rather than linked, so
 * a server that never plays a file never maps them. Decoders run on
 * worker threads: the library is opened once, under pthread_once. */
#define AUDIO_SF_LIB "libsndfile.so.1"

static struct {
	__typeof__(sf_open_virtual) *open_virtual;
	__typeof__(sf_readf_short) *readf_short;
	__typeof__(sf_error) *error;
	__typeof__(sf_close) *close;
	int err;
} audio_sf;

static pthread_once_t audio_sf_once = PTHREAD_ONCE_INIT;

static void audio_sf_open(void)
{
	static const struct dlib_sym syms[] = {
		{"sf_open_virtual",
		 offsetof(__typeof__(audio_sf), open_virtual)},
		{"sf_readf_short",
		 offsetof(__typeof__(audio_sf), readf_short)},
		{"sf_error", offsetof(__typeof__(audio_sf), error)},
		{"sf_close", offsetof(__typeof__(audio_sf), close)},
	};
	if (dlib_open(AUDIO_SF_LIB, "audio", "libsndfile", syms,
		      DLIB_NSYMS(syms), &audio_sf)) {
		audio_sf.err = ENOSYS;
		return;
	}
	fs_info("audio", "libsndfile loaded (%s)", AUDIO_SF_LIB);
}

static sf_count_t audio_vio_len(void *user)
{
	return ((struct audio_vio *)user)->len;
}

static sf_count_t audio_vio_seek(sf_count_t off, int whence, void *user)
{
	struct audio_vio *v = user;
	sf_count_t pos;

	switch (whence) {
	case SEEK_SET:
		pos = off;
		break;
	case SEEK_CUR:
		pos = v->pos + off;
		break;
	case SEEK_END:
		pos = v->len + off;
		break;
	default:
		return -1;
	}
	if (pos < 0)
		return -1;
	/* past the end is allowed (reads return 0), as with a file */
	v->pos = pos;
	return pos;
}

static sf_count_t audio_vio_read(void *ptr, sf_count_t count, void *user)
{
	struct audio_vio *v = user;
	sf_count_t n;

	if (count <= 0 || v->pos >= v->len)
		return 0;
	n = v->len - v->pos;
	if (n > count)
		n = count;
	memcpy(ptr, v->p + v->pos, (size_t)n);
	v->pos += n;
	return n;
}

static sf_count_t audio_vio_write(const void *ptr, sf_count_t count,
				  void *user)
{
	(void)ptr;
	(void)count;
	(void)user;
	return 0;
}

static sf_count_t audio_vio_tell(void *user)
{
	return ((struct audio_vio *)user)->pos;
}

int audio_decode(struct fs_audio **ap, const void *buf, size_t len)
{
	return audio_decode_lim(ap, buf, len, 0, 0);
}

int audio_decode_lim(struct fs_audio **ap, const void *buf, size_t len,
		     uint32_t max_secs, uint32_t max_ms)
{
	SF_VIRTUAL_IO vio = {audio_vio_len, audio_vio_seek, audio_vio_read,
			     audio_vio_write, audio_vio_tell};
	struct audio_vio mem = {buf, (sf_count_t)len, 0};
	struct audio_rs rs = {0};
	SF_INFO info;
	SNDFILE *sf;
	int16_t *frames = NULL, *mono = NULL;
	uint64_t max_frames, total = 0, deadline;
	int ch, err;

	if (!ap || !buf || !len)
		return EINVAL;
	if (!max_secs)
		max_secs = AUDIO_DECODE_MAX_SECS;
	if (!max_ms)
		max_ms = AUDIO_DECODE_MAX_MS;
	deadline = audio_now_us() + (uint64_t)max_ms * 1000;

	(void)pthread_once(&audio_sf_once, audio_sf_open);
	if (audio_sf.err)
		return audio_sf.err;
	memset(&info, 0, sizeof(info));
	sf = audio_sf.open_virtual(&vio, SFM_READ, &info, &mem);
	if (!sf)
		return EPROTO;
	ch = info.channels;
	if (ch < 1 || ch > 64 || info.samplerate < 1000 ||
	    info.samplerate > 384000) {
		err = EPROTO;
		goto out;
	}
	max_frames = (uint64_t)info.samplerate * max_secs;
	if (info.frames > 0 && (uint64_t)info.frames > max_frames) {
		err = EFBIG;
		goto out;
	}

	err = audio_rs_init(&rs, (uint32_t)info.samplerate);
	if (err)
		goto out;
	frames = mem_alloc((size_t)AUDIO_DECODE_CHUNK * ch * sizeof(*frames),
			   NULL);
	mono = mem_alloc(AUDIO_DECODE_CHUNK * sizeof(*mono), NULL);
	if (!frames || !mono) {
		err = ENOMEM;
		goto out;
	}

	for (;;) {
		sf_count_t got =
			audio_sf.readf_short(sf, frames, AUDIO_DECODE_CHUNK);

		if (got <= 0)
			break;
		total += (uint64_t)got;
		if (total > max_frames) {
			err = EFBIG;
			goto out;
		}
		/* a worker thread is shared by every call: a file that
		 * decodes slowly (a costly codec, a crafted stream) must not
		 * hold it for long */
		if (audio_now_us() > deadline) {
			err = ETIMEDOUT;
			goto out;
		}
		if (ch == 1) {
			err = audio_rs_feed(&rs, frames, (size_t)got);
		} else {
			/* downmix: the mean of the channels, no clipping */
			for (sf_count_t i = 0; i < got; i++) {
				int32_t sum = 0;

				for (int c = 0; c < ch; c++)
					sum += frames[i * ch + c];
				mono[i] = (int16_t)(sum / ch);
			}
			err = audio_rs_feed(&rs, mono, (size_t)got);
		}
		if (err)
			goto out;
	}

	if (!total || audio_sf.error(sf) != SF_ERR_NO_ERROR) {
		err = EPROTO;
		goto out;
	}
	err = audio_rs_finish(&rs, ap);
out:
	audio_rs_abort(&rs);
	mem_deref(frames);
	mem_deref(mono);
	audio_sf.close(sf);
	return err;
}


/* ---- small shared helpers ---- */

void audio_timing_add(struct audio_timing *t, uint32_t us)
{
	const uint32_t cap = sizeof(t->v) / sizeof(t->v[0]);

	if (!t)
		return;
	t->v[t->pos] = us;
	t->pos = (t->pos + 1) % cap;
	if (t->n < cap)
		t->n++;
	t->count++;
	t->sum += us;
	if (us > t->max)
		t->max = us;
}

static int audio_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int audio_json_int(struct json_object *obj, const char *key, int64_t v)
{
	struct json_object *n = json_object_new_int64(v);

	if (!n || json_object_object_add(obj, key, n)) {
		json_object_put(n);
		return ENOMEM;
	}
	return 0;
}

/* microseconds as milliseconds with three decimals */
static int audio_json_ms(struct json_object *obj, const char *key, double us)
{
	struct json_object *n =
		json_object_new_double((double)(int64_t)us / 1000.0);

	if (!n || json_object_object_add(obj, key, n)) {
		json_object_put(n);
		return ENOMEM;
	}
	return 0;
}

int audio_timing_metrics(const struct audio_timing *t, struct json_object *obj,
			 const char *key)
{
	uint32_t v[sizeof(t->v) / sizeof(t->v[0])];
	struct json_object *o;
	int err = 0;

	if (!t || !obj || !key)
		return EINVAL;
	o = json_object_new_object();
	if (!o)
		return ENOMEM;
	memcpy(v, t->v, t->n * sizeof(v[0]));
	qsort(v, t->n, sizeof(v[0]), audio_u32_cmp);
	err |= audio_json_ms(o, "p50", t->n ? v[t->n / 2] : 0);
	err |= audio_json_ms(o, "max", t->max);
	err |= audio_json_ms(o, "avg",
			     t->count ? (double)t->sum / (double)t->count : 0);
	err |= audio_json_int(o, "count", (int64_t)t->count);
	if (json_object_object_add(obj, key, o)) {
		json_object_put(o);
		return ENOMEM;
	}
	return err ? ENOMEM : 0;
}
