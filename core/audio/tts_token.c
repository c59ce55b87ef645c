/**
 * @file tts_token.c  OAuth2 access tokens of speech vendors, per loop
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "audio/tts_token.h"
#include "audio/ttsv.h"
#include "base/log.h"
#include "http/req.h"

/* a token is renewed this long before it expires */
#define TTS_TOKEN_MARGIN_MS 60000

struct tts_tokens {
	struct fs_req *req;
	struct fs_scope *root;
	uint32_t timeout_ms;
	struct list entries;
};

struct tts_token {
	struct le le;
	struct tts_tokens *tt;
	char *key;
	char *token;  /* NULL until the first answer */
	uint64_t exp; /* tmr_jiffies() at which it is renewed */
	tts_token_parse_h *parse;
	bool fetching;
	struct list waiters;
};

struct tts_token_wait {
	struct le le;
	tts_token_h *h;
	void *arg;
	bool owns; /* arg is a reference the handler would have freed */
};

/* dropped without its handler (the cache freed): the reference it held */
static void tts_token_wait_destructor(void *arg)
{
	struct tts_token_wait *w = arg;

	if (w->owns)
		mem_deref(w->arg);
}

static void tts_token_destructor(void *arg)
{
	struct tts_token *t = arg;

	list_unlink(&t->le);
	list_flush(&t->waiters);
	mem_deref(t->key);
	if (t->token)
		explicit_bzero(t->token, strlen(t->token));
	mem_deref(t->token);
}

static void tts_tokens_destructor(void *arg)
{
	struct tts_tokens *tt = arg;

	list_flush(&tt->entries);
}

int tts_tokens_alloc(struct tts_tokens **ttp, struct fs_req *req,
		     struct fs_scope *root, uint32_t timeout_ms)
{
	struct tts_tokens *tt;

	if (!ttp || !root)
		return EINVAL;
	tt = mem_zalloc(sizeof(*tt), tts_tokens_destructor);
	if (!tt)
		return ENOMEM;
	tt->req = req;
	tt->root = root;
	tt->timeout_ms = timeout_ms;
	list_init(&tt->entries);
	*ttp = tt;
	return 0;
}

/* {access_token, expires_in} as RFC 6749 section 5.1 has it, renewed a
 * minute before it expires */
static int tts_token_oauth(char **tokenp, int64_t *secsp,
			   const struct fs_resp *resp)
{
	struct json_tokener *tok = json_tokener_new_ex(8);
	struct json_object *o = NULL, *v;
	int64_t secs = 3600;
	int err = EPROTO;

	if (!tok)
		return ENOMEM;
	o = json_tokener_parse_ex(tok, resp->body, (int)resp->len);
	json_tokener_free(tok);
	if (!o || !json_object_object_get_ex(o, "access_token", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !json_object_get_string_len(v))
		goto out;
	err = str_dup(tokenp, json_object_get_string(v));
	if (json_object_object_get_ex(o, "expires_in", &v) &&
	    json_object_is_type(v, json_type_int))
		secs = json_object_get_int64(v);
	if (secs < 1 || secs > 86400)
		secs = 3600;
	*secsp = secs * 1000 > 2 * TTS_TOKEN_MARGIN_MS
			 ? secs - TTS_TOKEN_MARGIN_MS / 1000
			 : secs;
out:
	json_object_put(o);
	return err;
}

static int tts_token_parse(struct tts_token *t, const struct fs_resp *resp)
{
	char *token = NULL;
	int64_t secs = 0;
	int err = (t->parse ? t->parse : tts_token_oauth)(&token, &secs, resp);

	if (err)
		return err;
	if (t->token)
		explicit_bzero(t->token, strlen(t->token));
	mem_deref(t->token);
	t->token = token;
	if (secs < 1)
		secs = 1;
	t->exp = tmr_jiffies() + (uint64_t)secs * 1000;
	return 0;
}

static void tts_token_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct tts_token *t = arg;
	struct le *le;

	t->fetching = false;
	if (!err && (resp->status < 200 || resp->status > 299)) {
		ttsv_log_status("token endpoint", resp);
		err = resp->status == 400 || resp->status == 401 ||
				      resp->status == 403
			      ? EACCES
			      : EPROTO;
	}
	if (!err)
		err = tts_token_parse(t, resp);
	if (err) {
		t->token = mem_deref(t->token);
		fs_warn("tts", "no access token: %m", err);
	}

	/* the handlers may ask for this key again: take the list first */
	mem_ref(t);
	while ((le = list_head(&t->waiters))) {
		struct tts_token_wait *w = le->data;
		tts_token_h *h = w->h;
		void *harg = w->arg;

		w->owns = false; /* the handler has it now */

		list_unlink(&w->le);
		mem_deref(w);
		h(err, err ? NULL : t->token, harg);
	}
	if (err)
		mem_deref(t); /* the list's reference: try afresh next time */
	mem_deref(t);
}

int tts_token_get(struct tts_tokens *tt, const char *key,
		  const struct ttsv_http *req, tts_token_h *h, void *arg)
{
	return tts_token_get_as(tt, key, req, NULL, false, h, arg);
}

int tts_token_get_as(struct tts_tokens *tt, const char *key,
		     const struct ttsv_http *req, tts_token_parse_h *parse,
		     bool owns_arg, tts_token_h *h, void *arg)
{
	struct fs_hook hook = {.method = "POST"};
	struct fs_req_opts opts = {0};
	struct tts_token_wait *w;
	struct tts_token *t = NULL;
	struct le *le;
	int err;

	if (!tt || !key || !req || !req->url || !h)
		return EINVAL;
	LIST_FOREACH(&tt->entries, le) {
		struct tts_token *e = le->data;

		if (!strcmp(e->key, key)) {
			t = e;
			break;
		}
	}
	if (t && t->token && !t->fetching && tmr_jiffies() < t->exp) {
		h(0, t->token, arg);
		return 0;
	}
	w = mem_zalloc(sizeof(*w), tts_token_wait_destructor);
	if (!w)
		return ENOMEM;
	w->h = h;
	w->arg = arg;
	w->owns = owns_arg;
	if (!t) {
		t = mem_zalloc(sizeof(*t), tts_token_destructor);
		if (!t || str_dup(&t->key, key)) {
			mem_deref(t);
			mem_deref(w);
			return ENOMEM;
		}
		t->tt = tt;
		t->parse = parse;
		list_init(&t->waiters);
		list_append(&tt->entries, &t->le, t);
	}
	list_append(&t->waiters, &w->le, w);
	if (t->fetching)
		return 0;

	hook.url = req->url;
	opts.body = req->body;
	opts.timeout_ms = tt->timeout_ms;
	err = req_send_hdrs(tt->req, tt->root, &hook, &opts, req->hdrs,
			    tts_token_resp, t);
	if (err) {
		list_unlink(&w->le);
		w->owns = false; /* not taken: the caller keeps it */
		mem_deref(w);
		if (!t->token)
			mem_deref(t);
		return err;
	}
	t->fetching = true;
	return 0;
}
