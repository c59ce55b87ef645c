/**
 * @file audiocache.c  Audio cache: fetch over HTTP, decode on a worker, cache
 *
 * One cache per event loop. A miss fetches the URL through the loop's
 * pooled requestor, copies the body (the response is only valid in its
 * handler), decodes it on the worker pool and stores the 8 kHz result
 * by URL. Concurrent gets of one URL share the fetch and the decode.
 *
 * Fetches are bound to a private scope of the cache rather than to any
 * caller's scope: one caller leaving must not abort what others wait
 * for, and destroying the cache closes that scope, aborting them all.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include "audio/audio.h"
#include "http/req.h"
#include "base/scope.h"
#include "base/worker.h"
#include "base/log.h"

#define AUDIO_MAX_FILE_DEFAULT (16 * 1024 * 1024)

struct audiocache {
	struct fs_req *req; /* borrowed */
	struct worker *wp;  /* borrowed */
	struct scopemgr *mgr;
	struct fs_scope *root; /* owns the fetches in flight */
	struct audio_lru *cache;
	struct list pending; /* audio_pend by url */
	struct list jobs;    /* fetching or decoding */
	size_t max_file;
	uint32_t timeout_ms;
	uint32_t max_secs;
	uint32_t decode_ms;
	struct {
		uint64_t hits, misses, coalesced, errors;
		struct audio_timing fetch, decode;
	} st;
};

enum audio_job_state {
	AUDIO_FETCHING,
	AUDIO_DECODING,
};

struct audio_job {
	struct le le;            /* in ac->jobs */
	struct audiocache *ac;   /* weak: NULL once the cache is gone */
	struct audio_pend *pend; /* weak: owned by ac->pending */
	enum audio_job_state state;
	uint8_t *body; /* copy of the response body */
	size_t len;
	struct fs_audio *audio; /* made on the worker, handed over once */
	uint64_t t0;
	uint32_t us;
	uint32_t max_secs; /* limits, copied for the worker */
	uint32_t decode_ms;
};

static void audio_job_destructor(void *arg)
{
	struct audio_job *job = arg;

	list_unlink(&job->le);
	mem_deref(job->body);
	mem_deref(job->audio);
}

static void audiocache_destructor(void *arg)
{
	struct audiocache *ac = arg;
	struct le *le;

	/* aborts every fetch; their handlers will not run */
	fs_scope_close(ac->root);

	while ((le = list_head(&ac->jobs))) {
		struct audio_job *job = le->data;

		list_unlink(&job->le);
		job->pend = NULL;
		/* a decoding job is freed by its done handler */
		if (job->state == AUDIO_FETCHING)
			mem_deref(job);
		else
			job->ac = NULL;
	}
	while ((le = list_head(&ac->pending)))
		audio_pend_abort(le->data);

	mem_deref(ac->root);
	mem_deref(ac->mgr);
	mem_deref(ac->cache);
}

int audiocache_alloc(struct audiocache **ap, struct fs_req *req,
		     struct worker *wp, const struct audio_conf *conf)
{
	struct audiocache *ac;
	int err;

	if (!ap || !req || !wp || !conf)
		return EINVAL;
	ac = mem_zalloc(sizeof(*ac), audiocache_destructor);
	if (!ac)
		return ENOMEM;
	ac->req = req;
	ac->wp = wp;
	ac->max_file =
		conf->max_file ? conf->max_file : AUDIO_MAX_FILE_DEFAULT;
	ac->timeout_ms = conf->timeout_ms;
	ac->max_secs = conf->max_secs;
	ac->decode_ms = conf->decode_ms;
	list_init(&ac->pending);
	list_init(&ac->jobs);

	err = scopemgr_alloc(&ac->mgr, 0);
	if (!err)
		err = scope_alloc_root(&ac->root, ac->mgr, "audiocache");
	if (!err)
		err = audio_lru_alloc(&ac->cache, conf->cache_bytes);
	if (err) {
		mem_deref(ac);
		return err;
	}
	*ap = ac;
	return 0;
}

/* What went wrong, for the log line an operator reads */
static const char *audio_err_text(int err)
{
	switch (err) {
	case ENOENT:
		return "not found (HTTP 404/410)";
	case EPROTO:
		return "not audio: HTTP error, empty body or not a decodable "
		       "audio file";
	case EFBIG:
		return "too large (AUDIO_MAX_FILE_MB or AUDIO_MAX_SECS)";
	case ETIMEDOUT:
		return "too slow: fetch timeout (JAMBONES_HTTP_TIMEOUT) or "
		       "decoding time (AUDIO_DECODE_MAX_MS)";
	case EACCES:
		return "address refused (HTTP_DENY_NETS)";
	default:
		return strerror(err);
	}
}

/* Hand the result to every waiter; the job is already off ac->jobs */
static void audio_job_finish(struct audio_job *job, int err)
{
	struct audiocache *ac = job->ac;

	if (err) {
		ac->st.errors++;
		fs_warn("audio", "%H: %s", req_url_print,
			audio_pend_key(job->pend), audio_err_text(err));
	} else {
		(void)audio_lru_put(ac->cache, audio_pend_key(job->pend),
				    job->audio);
	}
	/* the handlers may release ac: nothing of it is used after this */
	audio_pend_finish(job->pend, err, job->audio);
	mem_deref(job);
}

static int audio_decode_work(void *arg)
{
	struct audio_job *job = arg;
	uint64_t t0 = audio_now_us();
	int err;

	/* the worker reads the job only: the limits travel in it */
	err = audio_decode_lim(&job->audio, job->body, job->len, job->max_secs,
			       job->decode_ms);
	job->us = (uint32_t)(audio_now_us() - t0);
	return err;
}

static void audio_decode_done(int err, void *arg)
{
	struct audio_job *job = arg;

	list_unlink(&job->le);
	if (!job->ac) {
		mem_deref(job);
		return;
	}
	job->body = mem_deref(job->body);
	if (!err)
		audio_timing_add(&job->ac->st.decode, job->us);
	audio_job_finish(job, err);
}

static int audio_status_err(uint16_t status)
{
	if (status == 404 || status == 410)
		return ENOENT;
	if (status < 200 || status > 299)
		return EPROTO;
	return 0;
}

static void audio_fetch_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct audio_job *job = arg;
	struct audiocache *ac = job->ac;

	audio_timing_add(&ac->st.fetch, (uint32_t)(audio_now_us() - job->t0));
	if (!err)
		err = audio_status_err(resp->status);
	if (!err && !resp->len)
		err = EPROTO;
	if (!err) {
		job->body = mem_alloc(resp->len, NULL);
		if (!job->body)
			err = ENOMEM;
	}
	if (!err) {
		memcpy(job->body, resp->body, resp->len);
		job->len = resp->len;
		job->state = AUDIO_DECODING;
		job->max_secs = ac->max_secs;
		job->decode_ms = ac->decode_ms;
		err = worker_submit(ac->wp, WORKER_QUEUE_POOL,
				    audio_decode_work, audio_decode_done, job);
		if (!err)
			return;
	}
	list_unlink(&job->le);
	audio_job_finish(job, err);
}

static bool audio_url_ok(const char *url)
{
	return !strncasecmp(url, "http://", 7) ||
	       !strncasecmp(url, "https://", 8);
}

int audiocache_get(struct audiocache *ac, const char *url,
		   struct fs_scope *scope, fs_audio_h *h, void *arg)
{
	struct fs_hook hook = {.method = "GET"};
	struct fs_req_opts opts;
	struct audio_pend *pend;
	struct audio_job *job;
	struct fs_audio *a;
	int err;

	if (!ac || !url || !h || !audio_url_ok(url))
		return EINVAL;
	if (scope && fs_scope_closed(scope))
		return ESHUTDOWN;

	a = audio_lru_get(ac->cache, url);
	if (a) {
		ac->st.hits++;
		h(0, a, arg);
		return 0;
	}
	pend = audio_pend_find(&ac->pending, url);
	if (pend) {
		err = audio_pend_wait(pend, scope, h, arg);
		if (!err)
			ac->st.coalesced++;
		return err;
	}

	job = mem_zalloc(sizeof(*job), audio_job_destructor);
	if (!job)
		return ENOMEM;
	err = audio_pend_alloc(&pend, &ac->pending, url);
	if (err) {
		mem_deref(job);
		return err;
	}
	err = audio_pend_wait(pend, scope, h, arg);
	if (err)
		goto fail;

	job->ac = ac;
	job->pend = pend;
	job->state = AUDIO_FETCHING;
	job->t0 = audio_now_us();
	list_append(&ac->jobs, &job->le, job);

	memset(&opts, 0, sizeof(opts));
	opts.max_body = ac->max_file;
	opts.timeout_ms = ac->timeout_ms;
	hook.url = url;
	err = fs_req_send(ac->req, ac->root, &hook, &opts, audio_fetch_resp,
			  job);
	if (err)
		goto fail;
	ac->st.misses++;
	return 0;

fail:
	audio_pend_abort(pend);
	mem_deref(job);
	return err;
}

int audiocache_metrics(const struct audiocache *ac, struct json_object *obj)
{
	uint32_t entries;
	size_t bytes;
	int err = 0;

	if (!ac || !obj)
		return EINVAL;
	audio_lru_usage(ac->cache, &entries, &bytes);
	err |= audio_json_int(obj, "hits", (int64_t)ac->st.hits);
	err |= audio_json_int(obj, "misses", (int64_t)ac->st.misses);
	err |= audio_json_int(obj, "coalesced", (int64_t)ac->st.coalesced);
	err |= audio_json_int(obj, "entries", entries);
	err |= audio_json_int(obj, "bytes", (int64_t)bytes);
	err |= audio_json_int(obj, "errors", (int64_t)ac->st.errors);
	err |= audio_json_int(obj, "inflight", list_count(&ac->jobs));
	err |= audio_timing_metrics(&ac->st.fetch, obj, "fetch_ms");
	err |= audio_timing_metrics(&ac->st.decode, obj, "decode_ms");
	return err ? ENOMEM : 0;
}
