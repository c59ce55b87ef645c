/**
 * @file tts.c  Speech synthesis front: vendors, cache, coalescing, stats
 *
 * One synthesiser per event loop (its cache holds fs_audio references,
 * which belong to one loop); the engines run on dedicated worker threads
 * shared by every loop. A job carries copies of everything the engine
 * needs, so the worker never reads loop state; the result is created on
 * the worker and handed over to the loop once, in the done handler.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_scope.h>
#include "base/hist.h"
#include "audio/tts_int.h"
#include "audio/speechcred.h"
#include "audio/tts_token.h"
#include "base/scope.h"
#include "base/worker.h"
#include "base/log.h"

static const char *const tts_vendor_names[] = {"flite", "espeak", "cloud"};

static void tts_job_destructor(void *arg)
{
	struct tts_job *job = arg;

	list_unlink(&job->le);
	mem_deref(job->voice);
	mem_deref(job->lang);
	mem_deref(job->text);
	mem_deref(job->audio);
	mem_deref(job->body);
	mem_deref(job->ctype);
	mem_deref(job->vendor_s);
	mem_deref(job->label);
	mem_deref(job->engine);
	mem_deref(job->model);
	mem_deref(job->lang_s);
	json_object_put(job->options);
	json_object_put(job->cred);
}

static void tts_destructor(void *arg)
{
	struct tts *tts = arg;
	struct le *le;

	/* aborts the vendor requests; their handlers will not run */
	fs_scope_close(tts->root);

	/* running jobs finish on their thread; their results are dropped */
	while ((le = list_head(&tts->jobs))) {
		struct tts_job *job = le->data;

		list_unlink(&job->le);
		job->tts = NULL;
		job->pend = NULL;
		if (job->fetching)
			mem_deref(job);
	}
	while ((le = list_head(&tts->pending)))
		audio_pend_abort(le->data);
	while ((le = list_head(&tts->nc_pending)))
		audio_pend_abort(le->data);
	mem_deref(tts->cache);
	mem_deref(tts->tokens);
	mem_deref(tts->root);
	mem_deref(tts->mgr);
	mem_deref(tts->creds);
	mem_deref(tts->def_voice);
	mem_deref(tts->def_lang);
	mem_deref(tts->def_cloud);
}

static int tts_vendor_parse(const char *s, enum tts_vendor *vp)
{
	if (!strcasecmp(s, "flite")) {
		*vp = TTS_FLITE;
		return 0;
	}
	if (!strcasecmp(s, "espeak") || !strcasecmp(s, "espeak-ng") ||
	    !strcasecmp(s, "espeak_ng")) {
		*vp = TTS_ESPEAK;
		return 0;
	}
	return ENOTSUP;
}

int tts_alloc(struct tts **tp, struct worker *wp, const struct tts_conf *conf)
{
	struct tts *tts;
	const char *dv;
	int err;

	if (!tp || !wp || !conf)
		return EINVAL;

	tts = mem_zalloc(sizeof(*tts), tts_destructor);
	if (!tts)
		return ENOMEM;
	tts->wp = wp;
	tts->strict = conf->strict;
	tts->max_queue = conf->max_queue;
	list_init(&tts->pending);
	list_init(&tts->nc_pending);
	list_init(&tts->jobs);

	dv = conf->default_vendor && *conf->default_vendor
		     ? conf->default_vendor
		     : "flite";
	err = tts_vendor_parse(dv, &tts->def_vendor);
	if (err && conf->req && ttsv_find(dv)) {
		/* a cloud vendor by default: its credential is looked up
		 * as for any say naming it */
		tts->def_vendor = TTS_FLITE;
		err = str_dup(&tts->def_cloud, dv);
		if (err)
			goto out;
	} else if (err) {
		fs_error("tts",
			 "default vendor '%s' is neither built in nor "
			 "a cloud vendor",
			 dv);
		err = EINVAL;
		goto out;
	}
	err = str_dup(&tts->def_voice,
		      conf->default_voice ? conf->default_voice : "");
	err |= str_dup(&tts->def_lang,
		       conf->default_lang && *conf->default_lang
			       ? conf->default_lang
			       : "en-US");
	if (err) {
		err = ENOMEM;
		goto out;
	}
	err = audio_lru_alloc(&tts->cache, conf->cache_bytes);
	if (err)
		goto out;
	tts->req = conf->req;
	tts->cloud_timeout_ms = conf->cloud_timeout_ms;
	err = speechcred_load(&tts->creds, conf->creds_file);
	if (!err)
		err = scopemgr_alloc(&tts->mgr, 0);
	if (!err)
		err = scope_alloc_root(&tts->root, tts->mgr, "tts");
	if (!err)
		err = tts_tokens_alloc(&tts->tokens, tts->req, tts->root,
				       tts->cloud_timeout_ms);
	if (err)
		goto out;

	/* one thread per engine: both keep process-wide state */
	err = worker_queue_add(wp, "tts-flite", 1, &tts->qid[TTS_FLITE]);
	if (err)
		goto out;
	err = worker_queue_add(wp, "tts-espeak", 1, &tts->qid[TTS_ESPEAK]);
out:
	if (err)
		mem_deref(tts);
	else
		*tp = tts;
	return err;
}

/* Warn once per unknown vendor and synthesiser */
static void tts_fallback_warn(struct tts *tts, const char *vendor)
{
	for (uint32_t i = 0; i < tts->nwarned; i++) {
		if (!strncasecmp(tts->warned[i], vendor, TTS_VENDOR_MAX - 1))
			return;
	}
	if (tts->nwarned < TTS_WARNED_MAX)
		str_ncpy(tts->warned[tts->nwarned++], vendor, TTS_VENDOR_MAX);
	fs_warn("tts", "vendor '%s' is not built in: using %s", vendor,
		tts->def_cloud ? tts->def_cloud
			       : tts_vendor_names[tts->def_vendor]);
}

/* With a cloud vendor as TTS_VENDOR, a say naming no vendor (or, not
 * strict, one not spoken here) goes to it, with TTS_VOICE unless the
 * say names a voice of that vendor */
static const struct tts_ask *tts_default_cloud(struct tts *tts,
					       const struct tts_ask *ask,
					       struct tts_ask *tmp)
{
	enum tts_vendor v;
	bool named = ask->vendor && *ask->vendor;

	if (!tts->def_cloud)
		return ask;
	if (named && (!tts_vendor_parse(ask->vendor, &v) ||
		      (tts->req && ttsv_find(ask->vendor)) || tts->strict))
		return ask;
	*tmp = *ask;
	tmp->vendor = tts->def_cloud;
	if (named) {
		tts_fallback_warn(tts, ask->vendor);
		tts->st.fallbacks++;
		tmp->voice = tts->def_voice;
	} else if (!tmp->voice || !*tmp->voice) {
		tmp->voice = tts->def_voice;
	}
	return tmp;
}

/* "en-US" -> "en-us", "pt_BR" -> "pt-br" */
static void tts_lang_norm(char *dst, size_t sz, const char *lang)
{
	size_t i;

	for (i = 0; lang[i] && i + 1 < sz; i++) {
		char c = lang[i] == '_' ? '-' : lang[i];

		dst[i] = (char)tolower((unsigned char)c);
	}
	dst[i] = '\0';
}

/* The embedded engines read plain text: drop SSML markup, keep what is
 * between tags, a tag ending a word */
static int tts_strip_tags(char **dstp, const char *text)
{
	size_t len = strlen(text), j = 0;
	bool in_tag = false;
	char *d;

	d = mem_alloc(len + 1, NULL);
	if (!d)
		return ENOMEM;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '<')
			in_tag = true;
		else if (text[i] == '>' && in_tag)
			in_tag = false, d[j++] = ' ';
		else if (!in_tag)
			d[j++] = text[i];
	}
	d[j] = '\0';
	*dstp = d;
	return 0;
}

int tts_job_work(void *arg)
{
	struct tts_job *job = arg;
	uint64_t t0 = audio_now_us();
	int err;

	if (job->vendor == TTS_CLOUD)
		err = ttsv_decode(job->ops, &job->audio, job->ctype, job->body,
				  job->len);
	else if (job->vendor == TTS_FLITE)
		err = tts_flite_synth(&job->audio, job->voice, job->text);
	else
		err = tts_espeak_synth(&job->audio, job->lang, job->voice,
				       job->text);
	/* a cloud job's time so far is its request's */
	job->us = (job->vendor == TTS_CLOUD ? job->us : 0) +
		  (uint32_t)(audio_now_us() - t0);
	return err;
}

void tts_job_done(int err, void *arg)
{
	struct tts_job *job = arg;
	struct tts *tts = job->tts;

	list_unlink(&job->le);
	if (!tts) {
		mem_deref(job);
		return;
	}
	job->body = mem_deref(job->body);

	if (err) {
		tts->st.errors++;
		if (err != ECANCELED)
			fs_warn("tts", "%s synthesis failed: %m",
				job->ops ? job->ops->name
					 : tts_vendor_names[job->vendor],
				err);
	} else {
		audio_timing_add(&tts->st.synth, job->us);
		hist_observe(HIST_TTS,
			     job->ops ? job->ops->name
				      : tts_vendor_names[job->vendor],
			     job->us);
		if (!job->nocache)
			(void)audio_lru_put(tts->cache,
					    audio_pend_key(job->pend),
					    job->audio);
	}

	/* the handlers may release tts: nothing of it is used after this */
	audio_pend_finish(job->pend, err, job->audio);
	mem_deref(job);
}

/* Resolve vendor and voice; ENOTSUP in strict mode for unknown ones */
static int tts_resolve(struct tts *tts, const char *vendor, const char *voice,
		       enum tts_vendor *vp, const char **voicep)
{
	bool is_default;

	if (!vendor || !*vendor) {
		*vp = tts->def_vendor;
		is_default = true;
	} else if (!tts_vendor_parse(vendor, vp)) {
		is_default = *vp == tts->def_vendor;
	} else if (tts->strict) {
		return ENOTSUP;
	} else {
		tts_fallback_warn(tts, vendor);
		tts->st.fallbacks++;
		*vp = tts->def_vendor;
		/* the other vendor's voice means nothing here */
		voice = NULL;
		is_default = true;
	}
	if ((!voice || !*voice) && is_default)
		voice = tts->def_voice;
	if (!voice)
		voice = "";

	if (*vp == TTS_FLITE) {
		const char *v = *voice ? tts_flite_voice(voice) : "kal";

		if (!v) {
			if (tts->strict)
				return ENOTSUP;
			fs_debug("tts", "flite has no voice '%s': using kal",
				 voice);
			v = "kal";
		}
		voice = v;
	}
	*voicep = voice;
	return 0;
}

int tts_synth_ask(struct tts *tts, const struct tts_ask *ask, const char *text,
		  struct fs_scope *scope, fs_audio_h *h, void *arg)
{
	const struct ttsv_ops *ops = NULL;
	struct tts_ask dflt;
	const char *voice;
	enum tts_vendor v;
	struct audio_pend *pend;
	struct tts_job *job;
	struct fs_audio *a;
	char lnorm[32];
	char *key = NULL;
	size_t len;
	int err;

	if (!tts || !ask || !text || !h)
		return EINVAL;
	ask = tts_default_cloud(tts, ask, &dflt);
	voice = ask->voice;
	len = strlen(text);
	if (!len || len > TTS_TEXT_MAX)
		return EINVAL;
	if (scope && fs_scope_closed(scope))
		return ESHUTDOWN;

	if (ask->vendor && *ask->vendor && tts_vendor_parse(ask->vendor, &v)) {
		err = tts_cloud_resolve(tts, ask, &ops);
		if (err && err != ENOENT)
			return err;
	}
	if (ops) {
		v = TTS_CLOUD;
		if (!voice)
			voice = "";
	} else {
		err = tts_resolve(tts, ask->vendor, voice, &v, &voice);
		if (err)
			return err;
	}
	/* flite speaks English only: the language must not split the key */
	tts_lang_norm(lnorm, sizeof(lnorm),
		      v == TTS_FLITE
			      ? ""
			      : (ask->lang && *ask->lang ? ask->lang
							 : tts->def_lang));

	/* a cloud vendor's audio depends on whose credential asks (a
	 * custom:<name> is another server for each account), which one
	 * (label), and the options; the embedded engines' on none */
	err = re_sdprintf(&key, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s",
			  ops ? ops->name : tts_vendor_names[v], voice, lnorm,
			  ask->engine ? ask->engine : "",
			  ask->model ? ask->model : "",
			  ops && ask->account ? ask->account : "",
			  ops && ask->label ? ask->label : "",
			  ops && ask->options
				  ? json_object_to_json_string_ext(
					    (struct json_object *)ask->options,
					    JSON_C_TO_STRING_PLAIN)
				  : "",
			  text);
	if (err)
		return err;

	if (!ask->nocache) {
		a = audio_lru_get(tts->cache, key);
		if (a) {
			tts->st.hits++;
			mem_deref(key);
			h(0, a, arg);
			return 0;
		}
		pend = audio_pend_find(&tts->pending, key);
		if (pend) {
			err = audio_pend_wait(pend, scope, h, arg);
			if (!err)
				tts->st.coalesced++;
			mem_deref(key);
			return err;
		}
	}

	/* one thread per engine: a flood of new texts must fail fast
	 * rather than queue without bound behind it */
	if (tts->max_queue && list_count(&tts->jobs) >= tts->max_queue) {
		fs_warn("tts",
			"synthesis refused: %u already queued "
			"(TTS_MAX_QUEUE)",
			tts->max_queue);
		tts->st.errors++;
		mem_deref(key);
		return EBUSY;
	}
	job = mem_zalloc(sizeof(*job), tts_job_destructor);
	if (!job) {
		mem_deref(key);
		return ENOMEM;
	}
	job->vendor = v;
	job->ops = ops;
	job->nocache = ask->nocache;
	err = str_dup(&job->voice, voice);
	err |= str_dup(&job->lang, lnorm);
	if (err)
		err = ENOMEM;
	else if (v != TTS_CLOUD)
		err = tts_strip_tags(&job->text, text);
	else
		err = str_dup(&job->text, text);
	if (!err)
		err = audio_pend_alloc(
			&pend, ask->nocache ? &tts->nc_pending : &tts->pending,
			key);
	mem_deref(key);
	if (err) {
		mem_deref(job);
		return err;
	}
	err = audio_pend_wait(pend, scope, h, arg);
	if (err) {
		audio_pend_abort(pend);
		mem_deref(job);
		return err;
	}

	job->tts = tts;
	job->pend = pend;
	list_append(&tts->jobs, &job->le, job);
	if (v == TTS_CLOUD)
		err = tts_cloud_start(tts, job, ask);
	else
		err = worker_submit(tts->wp, tts->qid[v], tts_job_work,
				    tts_job_done, job);
	if (err) {
		tts->st.errors++;
		audio_pend_abort(pend);
		mem_deref(job);
		return err;
	}
	tts->st.misses++;
	return 0;
}

int tts_synth(struct tts *tts, const char *vendor, const char *lang,
	      const char *voice, const char *text, bool nocache,
	      struct fs_scope *scope, fs_audio_h *h, void *arg)
{
	const struct tts_ask ask = {
		.vendor = vendor,
		.lang = lang,
		.voice = voice,
		.nocache = nocache,
	};

	return tts_synth_ask(tts, &ask, text, scope, h, arg);
}

struct tts_tokens *tts_token_cache(struct tts *tts)
{
	return tts ? tts->tokens : NULL;
}

int tts_metrics(const struct tts *tts, struct json_object *obj)
{
	uint32_t entries;
	size_t bytes;
	int err = 0;

	if (!tts || !obj)
		return EINVAL;
	audio_lru_usage(tts->cache, &entries, &bytes);
	err |= audio_json_int(obj, "hits", (int64_t)tts->st.hits);
	err |= audio_json_int(obj, "misses", (int64_t)tts->st.misses);
	err |= audio_json_int(obj, "coalesced", (int64_t)tts->st.coalesced);
	err |= audio_json_int(obj, "entries", entries);
	err |= audio_json_int(obj, "bytes", (int64_t)bytes);
	err |= audio_json_int(obj, "errors", (int64_t)tts->st.errors);
	err |= audio_json_int(obj, "fallbacks", (int64_t)tts->st.fallbacks);
	err |= audio_json_int(obj, "inflight", list_count(&tts->jobs));
	err |= audio_timing_metrics(&tts->st.synth, obj, "synth_ms");
	return err ? ENOMEM : 0;
}
