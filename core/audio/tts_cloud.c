/**
 * @file tts_cloud.c  Synthesis by cloud vendors: credential, token,
 *                    request, answer
 *
 * A job carries owned copies of what the verb asked (the verb may end
 * while the vendor answers: the synthesis goes on and fills the cache).
 * A vendor with an OAuth2 credential (google's service account) first
 * gets an access token from the per-loop token cache (tts_token.c).
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "audio/tts_int.h"
#include "audio/tts_token.h"
#include "audio/speechcred.h"
#include "base/log.h"
#include "base/worker.h"
#include "http/req.h"

/* Largest audio a cloud vendor may answer with (raw PCM: minutes) */
#define TTS_CLOUD_MAX_BODY (16u << 20)

/* What an HTTP status from a vendor means for the call */
static int tts_cloud_status_err(uint16_t status)
{
	if (status == 401 || status == 403)
		return EACCES;
	if (status == 429)
		return EBUSY;
	if (status < 200 || status > 299)
		return EPROTO;
	return 0;
}

static void tts_cloud_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct tts_job *job = arg;
	struct tts *tts = job->tts;

	job->fetching = false;
	job->us = (uint32_t)(audio_now_us() - job->t0);
	if (!err && (err = tts_cloud_status_err(resp->status)))
		ttsv_log_status(job->ops->name, resp);
	if (!err && !resp->len)
		err = EPROTO;
	if (!err) {
		job->body = mem_alloc(resp->len, NULL);
		err = job->body ? 0 : ENOMEM;
	}
	if (!err && resp->ctype)
		err = str_dup(&job->ctype, resp->ctype);
	if (!err) {
		memcpy(job->body, resp->body, resp->len);
		job->len = resp->len;
		err = worker_submit(tts->wp, WORKER_QUEUE_POOL, tts_job_work,
				    tts_job_done, job);
		if (!err)
			return;
	}
	tts_job_done(err, job);
}

/* Build and send the synthesis itself */
static int tts_cloud_send(struct tts *tts, struct tts_job *job)
{
	struct ttsv_http h = {0};
	struct fs_hook hook = {.method = "POST"};
	struct fs_req_opts opts = {0};
	char why[160] = "";
	int err;

	err = job->ops->build(&h, &job->va, why, sizeof(why));
	if (err == EINVAL)
		fs_warn("tts", "%s: %s", job->ops->name, why);
	if (!err) {
		hook.url = h.url;
		opts.body = h.body;
		opts.max_body = TTS_CLOUD_MAX_BODY;
		opts.timeout_ms = tts->cloud_timeout_ms;
		job->fetching = true;
		err = req_send_hdrs(tts->req, tts->root, &hook, &opts, h.hdrs,
				    tts_cloud_resp, job);
		if (err)
			job->fetching = false;
	}
	ttsv_http_reset(&h);
	return err;
}

static void tts_cloud_token(int err, const char *token, void *arg)
{
	struct tts_job *job = arg;

	job->fetching = false;
	if (!err) {
		job->va.token = token; /* used by build() right here only */
		err = tts_cloud_send(job->tts, job);
		job->va.token = NULL;
	}
	if (err)
		tts_job_done(err, job);
}

/* The account's credential, else the file's */
static const struct json_object *tts_cloud_cred(const struct tts *tts,
						const struct tts_ask *ask)
{
	const struct json_object *c = speechcred_rows_find(
		ask->creds, ask->vendor, ask->label, true);

	return c ? c
		 : speechcred_find(tts->creds, ask->vendor, ask->label, true);
}

/* Copy what the verb asked into the job, which may outlive the verb */
static int tts_cloud_copy(struct tts *tts, struct tts_job *job,
			  const struct tts_ask *ask)
{
	int err = 0;

	err |= str_dup(&job->vendor_s, ask->vendor);
	err |= str_dup(&job->label, ask->label ? ask->label : "");
	err |= str_dup(&job->engine, ask->engine ? ask->engine : "");
	err |= str_dup(&job->model, ask->model ? ask->model : "");
	err |= str_dup(&job->lang_s,
		       ask->lang && *ask->lang ? ask->lang : tts->def_lang);
	if (err)
		return ENOMEM;
	if (ask->options)
		job->options =
			json_object_get((struct json_object *)ask->options);
	/* the call's rows may go with the call before the vendor answers */
	job->cred = json_object_get(
		(struct json_object *)tts_cloud_cred(tts, ask));
	job->va = (struct ttsv_ask){
		.vendor = job->vendor_s,
		.voice = job->voice,
		.lang = job->lang_s,
		.text = job->text,
		.ssml = !strncmp(job->text, "<speak", 6),
		.engine = job->engine,
		.model = job->model,
		.cred = job->cred,
		.options = job->options,
	};
	return 0;
}

int tts_cloud_start(struct tts *tts, struct tts_job *job,
		    const struct tts_ask *ask)
{
	struct ttsv_http th = {0};
	char key[256] = "", why[160] = "";
	int err;

	err = tts_cloud_copy(tts, job, ask);
	if (err)
		return err;
	job->t0 = audio_now_us();
	if (!job->ops->token_build)
		return tts_cloud_send(tts, job);

	err = job->ops->token_build(&th, &job->va, key, sizeof(key), why,
				    sizeof(why));
	if (err == ENOENT) /* this credential needs no token */
		return tts_cloud_send(tts, job);
	if (err == EINVAL)
		fs_warn("tts", "%s: %s", job->ops->name, why);
	if (!err) {
		job->fetching = true;
		err = tts_token_get_as(tts->tokens, key, &th,
				       job->ops->token_parse, false,
				       tts_cloud_token, job);
		if (err)
			job->fetching = false;
	}
	ttsv_http_reset(&th);
	return err;
}

int tts_cloud_resolve(struct tts *tts, const struct tts_ask *ask,
		      const struct ttsv_ops **opsp)
{
	const struct ttsv_ops *ops = tts->req ? ttsv_find(ask->vendor) : NULL;
	bool lbl = ask->label && *ask->label;

	*opsp = ops;
	if (!ops)
		return ENOENT;
	if (!tts_cloud_cred(tts, ask)) {
		fs_warn("tts",
			"no credential for vendor '%s'%s%s%s "
			"(SPEECH_CREDENTIALS_FILE): the say ends",
			ask->vendor, lbl ? " (label '" : "",
			lbl ? ask->label : "", lbl ? "')" : "");
		tts->st.errors++;
		return ENOKEY;
	}
	return 0;
}
