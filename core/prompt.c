/**
 * @file prompt.c  The audio of a say or play verb: fetch all, play in order
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "log.h"

/* Longest text accepted for one synthesis, characters */
#define PROMPT_MAX_ITEMS 64
#define PROMPT_MAX_MS    86400000u /* timeoutSecs: a day */

struct prompt;

struct prompt_req {
	struct prompt *p;
	size_t slot;
};

struct prompt {
	struct fs_call *call;
	struct fs_scope *scope; /* own child scope: closing stops all */
	struct fs_listener *bind;
	const struct json_object *data;
	bool is_say;
	size_t n;
	const char *items[PROMPT_MAX_ITEMS];
	struct fs_audio *audio[PROMPT_MAX_ITEMS];
	struct prompt_req reqs[PROMPT_MAX_ITEMS]; /* handler arguments */
	size_t ready;
	size_t idx;
	uint32_t loops; /* 0 = forever */
	uint32_t played_loops;
	uint64_t offset; /* seekOffset, first play only */
	uint32_t max_ms; /* timeoutSecs */
	uint64_t started_ms;
	struct fs_prompt_result res;
	fs_prompt_h *h;
	void *arg;
	bool finished;
};

static void prompt_destructor(void *data)
{
	struct prompt *p = data;

	if (p->scope)
		fs_scope_close(p->scope);
	p->scope = mem_deref(p->scope);
	for (size_t i = 0; i < p->n; i++)
		mem_deref(p->audio[i]);
}

/* Owner's scope closed: stop quietly */
static void prompt_release(void *arg)
{
	struct prompt *p = arg;

	p->bind = NULL;
	p->finished = true;
	mem_deref(p);
}

static void prompt_finish(struct prompt *p, int err)
{
	fs_prompt_h *h = p->h;
	void *harg = p->arg;
	struct fs_prompt_result res = p->res;

	if (p->finished)
		return;
	p->finished = true;
	if (p->bind) {
		fs_listener_cancel(p->bind);
		p->bind = NULL;
	}
	/* stop what plays before the owner hears back */
	if (p->scope)
		fs_scope_close(p->scope);
	mem_deref(p);
	if (h)
		h(err, &res, harg);
}

static void prompt_play_next(struct prompt *p);

static void prompt_played(int err, uint64_t samples, void *arg)
{
	struct prompt *p = arg;

	p->res.samples += samples;
	p->res.last_offset = samples;
	if (err) {
		prompt_finish(p, err);
		return;
	}
	if (p->max_ms && tmr_jiffies() - p->started_ms >= p->max_ms) {
		prompt_finish(p, 0);
		return;
	}
	p->idx++;
	if (p->idx >= p->n) {
		p->idx = 0;
		p->played_loops++;
		if (p->loops && p->played_loops >= p->loops) {
			prompt_finish(p, 0);
			return;
		}
	}
	prompt_play_next(p);
}

static void prompt_play_next(struct prompt *p)
{
	struct fs_play_opts o = {.loops = 1};
	int err;

	if (!p->audio[p->idx] || !p->audio[p->idx]->samples) {
		/* an empty item (blank text) just moves on */
		prompt_played(0, 0, p);
		return;
	}
	if (!p->res.samples && !p->played_loops && p->idx == 0)
		o.offset = p->offset;
	if (p->max_ms) {
		uint64_t spent = tmr_jiffies() - p->started_ms;

		o.max_ms =
			spent < p->max_ms ? (uint32_t)(p->max_ms - spent) : 1;
	}
	err = fs_call_play(p->call, p->scope, p->audio[p->idx], &o,
			   prompt_played, p);
	if (err)
		prompt_finish(p, err);
}

static void prompt_item_ready(int err, struct fs_audio *audio, void *arg)
{
	struct prompt_req *r = arg;
	struct prompt *p = r->p;
	size_t slot = r->slot;

	if (p->finished)
		return;
	if (err) {
		fs_warn("prompt", "%s: %s item %zu failed: %m",
			fs_call_sid(p->call), p->is_say ? "say" : "play", slot,
			err);
		prompt_finish(p, err);
		return;
	}
	p->audio[slot] = mem_ref(audio);
	if (++p->ready < p->n)
		return;
	p->started_ms = tmr_jiffies();
	prompt_play_next(p);
}

/* Strip SSML markup: the embedded engines speak plain text */
static void prompt_plain(char *s)
{
	char *w = s;
	bool tag = false;

	for (char *r = s; *r; r++) {
		if (*r == '<')
			tag = true;
		else if (*r == '>' && tag)
			tag = false, *w++ = ' ';
		else if (!tag)
			*w++ = *r;
	}
	*w = '\0';
}

static int prompt_request(struct prompt *p, size_t slot,
			  const struct json_object *synth)
{
	struct prompt_req *r = &p->reqs[slot];
	char *text = NULL;
	int err;

	r->p = p;
	r->slot = slot;
	if (p->is_say) {
		err = str_dup(&text, p->items[slot]);
		if (err)
			return err;
		prompt_plain(text);
		err = fs_call_tts(p->call, p->scope, synth, text,
				  prompt_item_ready, r);
		mem_deref(text);
	} else {
		err = fs_call_audio(p->call, p->scope, p->items[slot],
				    prompt_item_ready, r);
	}
	return err;
}

static uint32_t prompt_loops(const struct json_object *data)
{
	struct json_object *v;

	if (!json_object_object_get_ex(data, "loop", &v))
		return 1;
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);

		if (!strcmp(s, "forever"))
			return 0;
		return (uint32_t)strtoul(s, NULL, 10);
	}
	if (json_object_get_double(v) <= 0)
		return 0;
	return (uint32_t)json_object_get_int(v);
}

static double prompt_num(const struct json_object *data, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(data, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strtod(json_object_get_string(v), NULL);
	return json_object_get_double(v);
}

int fs_prompt_run(struct fs_call *c, struct fs_scope *scope, const char *verb,
		  const struct json_object *data, fs_prompt_h *h, void *arg)
{
	struct json_object *items, *synth = NULL;
	struct prompt *p;
	double secs;
	int err;

	if (!c || !scope || !verb || !data)
		return EINVAL;
	p = mem_zalloc(sizeof(*p), prompt_destructor);
	if (!p)
		return ENOMEM;
	p->call = c;
	p->data = data;
	p->h = h;
	p->arg = arg;
	p->is_say = !strcmp(verb, "say");
	p->loops = prompt_loops(data);
	if (!p->is_say) {
		secs = prompt_num(data, "seekOffset");
		p->offset = fs_num_u32(secs, UINT32_MAX);
		secs = prompt_num(data, "timeoutSecs");
		p->max_ms = fs_secs_ms(secs, 0, PROMPT_MAX_MS);
	}

	if (!json_object_object_get_ex(data, p->is_say ? "text" : "url",
				       &items)) {
		mem_deref(p);
		return EINVAL;
	}
	if (json_object_is_type(items, json_type_string)) {
		p->items[0] = json_object_get_string(items);
		p->n = 1;
	} else if (json_object_is_type(items, json_type_array)) {
		size_t n = json_object_array_length(items);

		for (size_t i = 0; i < n && p->n < PROMPT_MAX_ITEMS; i++) {
			struct json_object *e =
				json_object_array_get_idx(items, i);

			if (json_object_is_type(e, json_type_string))
				p->items[p->n++] = json_object_get_string(e);
		}
	}
	if (!p->n) {
		mem_deref(p);
		return EINVAL;
	}
	(void)json_object_object_get_ex(data, "synthesizer", &synth);

	err = fs_scope_alloc(&p->scope, scope, verb);
	if (!err)
		err = fs_scope_bind(scope, prompt_release, p, &p->bind);
	if (err) {
		mem_deref(p);
		return err;
	}
	/* cached items answer at once and may even end the prompt: keep
	 * it alive until the loop is over */
	mem_ref(p);
	for (size_t i = 0; !err && !p->finished && i < p->n; i++)
		err = prompt_request(p, i, synth);
	if (err && !p->finished) {
		fs_listener_cancel(p->bind);
		p->bind = NULL;
		p->finished = true;
		mem_deref(p);
	}
	mem_deref(p);
	return err;
}
