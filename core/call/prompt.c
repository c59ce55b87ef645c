/**
 * @file prompt.c  The audio of a say or play verb: fetch, play in order
 *
 * Items are fetched (or synthesised) AUDIO_MAX_INFLIGHT at a time, and
 * the decoded audio one prompt holds is bounded by AUDIO_MAX_CALL_MB.
 * The first item plays as soon as it is in, while the others are still
 * fetched; playback waits only for an item not yet in. A say text
 * longer than JAMBONES_SAY_CHUNK_SIZE is cut into pieces first
 * (prompt_split.c), so its first sentence is heard after its own
 * synthesis, not the whole text's.
 * `loop` follows jambonz (`loop || 1`, "forever"), with a ceiling on
 * counts; items without samples are skipped in a loop, never by
 * recursion, and a list with nothing to play ends at once whatever the
 * loop count.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs.h>
#include "app.h"
#include "call/call.h"
#include "base/cfg.h"
#include "base/log.h"
#include "call/prompt_split.h"
#include "call/ssml_split.h"
#include "sip/stack.h"

/* Most texts or URLs of one verb */
#define PROMPT_MAX_ITEMS 64
#define PROMPT_MAX_MS    86400000u /* timeoutSecs: a day */
/* Most times a list is played when a count is given ("forever" is not
 * a count: it plays until the verb is stopped or the call ends) */
#define PROMPT_MAX_LOOPS 1000

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
	bool nocache; /* disableTtsCache */
	size_t n;
	const char *items[PROMPT_MAX_ITEMS];
	char *pieces[PROMPT_MAX_ITEMS]; /* say text cut up: ours */
	struct fs_audio *audio[PROMPT_MAX_ITEMS];
	struct prompt_req reqs[PROMPT_MAX_ITEMS]; /* handler arguments */
	size_t ready;
	size_t next;     /* first item not yet requested */
	size_t inflight; /* requests not yet answered    */
	size_t max_inflight;
	size_t bytes; /* decoded audio held */
	size_t max_bytes;
	bool filling; /* prompt_fill() is on the stack */
	size_t idx;
	bool playing;   /* item idx plays; else it is awaited */
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
	for (size_t i = 0; i < PROMPT_MAX_ITEMS; i++) {
		mem_deref(p->audio[i]);
		mem_deref(p->pieces[i]);
	}
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

/* Past the item just played: false when the prompt is over */
static bool prompt_advance(struct prompt *p)
{
	if (p->max_ms && p->started_ms &&
	    tmr_jiffies() - p->started_ms >= p->max_ms) {
		prompt_finish(p, 0);
		return false;
	}
	p->idx++;
	if (p->idx >= p->n) {
		p->idx = 0;
		p->played_loops++;
		if (p->loops && p->played_loops >= p->loops) {
			prompt_finish(p, 0);
			return false;
		}
	}
	return true;
}

static void prompt_played(int err, uint64_t samples, void *arg)
{
	struct prompt *p = arg;

	p->playing = false;
	p->res.samples += samples;
	p->res.last_offset = samples;
	if (err) {
		prompt_finish(p, err);
		return;
	}
	if (prompt_advance(p))
		prompt_play_next(p);
}

static bool prompt_empty(const struct prompt *p, size_t i)
{
	return !p->audio[i] || !p->audio[i]->samples;
}

/* Everything is in and none of it has samples */
static bool prompt_silent(const struct prompt *p)
{
	if (p->ready < p->n)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		if (!prompt_empty(p, i))
			return false;
	}
	return true;
}

/* Play item idx if it is in; an empty one (blank text) just moves on */
static void prompt_play_next(struct prompt *p)
{
	struct fs_play_opts o = {.loops = 1};
	int err;

	if (p->playing || p->finished)
		return;
	for (;;) {
		if (!p->audio[p->idx])
			return; /* its arrival comes back here */
		if (!prompt_empty(p, p->idx))
			break;
		if (prompt_silent(p)) {
			/* even "forever" ends here: looping over silence
			 * would spin the loop thread */
			fs_info("prompt", "%s: %s has no audio to play: ended",
				fs_call_sid(p->call),
				p->is_say ? "say" : "play");
			prompt_finish(p, 0);
			return;
		}
		if (!prompt_advance(p))
			return;
	}
	if (!p->started_ms)
		p->started_ms = tmr_jiffies();
	if (!p->res.samples && !p->played_loops && p->idx == 0)
		o.offset = p->offset;
	if (p->max_ms) {
		uint64_t spent = tmr_jiffies() - p->started_ms;

		o.max_ms =
			spent < p->max_ms ? (uint32_t)(p->max_ms - spent) : 1;
	}
	p->playing = true;
	err = fs_call_play(p->call, p->scope, p->audio[p->idx], &o,
			   prompt_played, p);
	if (err) {
		p->playing = false;
		prompt_finish(p, err);
	}
}

static int prompt_request(struct prompt *p, size_t slot,
			  const struct json_object *synth);

/*
 * Request items until AUDIO_MAX_INFLIGHT are in flight. A cached item
 * answers inside the request, and its handler comes back here: the
 * flag keeps that to one loop on the stack.
 */
static int prompt_fill(struct prompt *p)
{
	const struct json_object *synth = NULL;
	int err = 0;

	if (p->filling)
		return 0;
	p->filling = true;
	/* a handler called from here may finish and release p */
	mem_ref(p);
	(void)json_object_object_get_ex(p->data, "synthesizer",
					(struct json_object **)&synth);
	while (!err && !p->finished && p->next < p->n &&
	       p->inflight < p->max_inflight) {
		p->inflight++;
		err = prompt_request(p, p->next++, synth);
		if (err)
			p->inflight--;
	}
	p->filling = false;
	mem_deref(p);
	return err;
}

static void prompt_item_ready(int err, struct fs_audio *audio, void *arg)
{
	struct prompt_req *r = arg;
	struct prompt *p = r->p;
	size_t slot = r->slot;

	if (p->finished)
		return;
	p->inflight--;
	if (err) {
		fs_warn("prompt", "%s: %s item %zu failed: %m",
			fs_call_sid(p->call), p->is_say ? "say" : "play", slot,
			err);
		prompt_finish(p, err);
		return;
	}
	p->bytes += audio->samples * sizeof(int16_t);
	if (p->bytes > p->max_bytes) {
		fs_warn("prompt",
			"%s: %s audio is over %zu MB (AUDIO_MAX_CALL_MB): "
			"stopped",
			fs_call_sid(p->call), p->is_say ? "say" : "play",
			p->max_bytes >> 20);
		prompt_finish(p, EFBIG);
		return;
	}
	p->audio[slot] = mem_ref(audio);
	if (++p->ready < p->n) {
		/* from inside prompt_fill() (a cached item) the loop there
		 * goes on by itself */
		mem_ref(p);
		err = prompt_fill(p);
		if (err && !p->finished)
			prompt_finish(p, err);
		if (slot == p->idx)
			prompt_play_next(p);
		mem_deref(p);
		return;
	}
	if (slot == p->idx)
		prompt_play_next(p);
}

static int prompt_request(struct prompt *p, size_t slot,
			  const struct json_object *synth)
{
	struct prompt_req *r = &p->reqs[slot];
	int err;

	r->p = p;
	r->slot = slot;
	if (p->is_say) {
		/* SSML goes on: the cloud vendors speak it, the embedded
		 * engines get it stripped (tts.c) */
		err = call_tts(p->call, p->scope, synth, p->items[slot],
			       p->nocache, prompt_item_ready, r);
	} else {
		err = fs_call_audio(p->call, p->scope, p->items[slot],
				    prompt_item_ready, r);
	}
	return err;
}

/* Cut the long say texts into pieces (prompt_split.h), leaving room for
 * every text after them in the items */
static int prompt_cut(struct prompt *p, size_t chunk)
{
	const char *orig[PROMPT_MAX_ITEMS];
	size_t n = p->n, k = 0;
	struct pl pl[PROMPT_MAX_ITEMS];

	memcpy(orig, p->items, sizeof(orig));
	for (size_t i = 0; i < n; i++) {
		size_t room = PROMPT_MAX_ITEMS - k - (n - i - 1);
		size_t m = 0;
		int err = ssml_split(orig[i], chunk, &p->pieces[k], room, &m);

		if (!err) {
			for (size_t j = 0; j < m; j++, k++)
				p->items[k] = p->pieces[k];
			continue;
		}
		if (err != EINVAL) {
			/* jambonz catches the package's error the same way */
			fs_info("prompt", "%s: SSML not cut (%m): said whole",
				fs_call_sid(p->call), err);
			m = 1;
		} else {
			m = prompt_split(orig[i], chunk, pl, room);
		}
		if (m <= 1) {
			p->items[k++] = orig[i];
			continue;
		}
		for (size_t j = 0; j < m; j++) {
			err = pl_strdup(&p->pieces[k], &pl[j]);
			if (err)
				return err;
			p->items[k] = p->pieces[k];
			k++;
		}
	}
	if (k > n)
		fs_debug("prompt", "%s: say text cut into %zu pieces",
			 fs_call_sid(p->call), k);
	p->n = k;
	return 0;
}

/*
 * `loop` as jambonz reads it (`data.loop || 1`, "forever"): absent, 0
 * or not a number is once; a count above PROMPT_MAX_LOOPS is cut to it.
 * A negative count, which jambonz's `loop--` test would run for ever,
 * is once too.
 *
 * @return the count, 0 for forever
 */
static uint32_t prompt_loops(const struct fs_call *c,
			     const struct json_object *data)
{
	struct json_object *v;
	double d;

	if (!json_object_object_get_ex(data, "loop", &v))
		return 1;
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		char *end;

		if (!strcmp(s, "forever"))
			return 0;
		d = strtod(s, &end);
		if (end == s)
			d = 1;
	} else {
		d = json_object_get_double(v);
	}
	/* false for NaN too */
	if (!(d >= 1)) {
		if (d < 0)
			fs_info("prompt", "%s: loop %d: played once",
				fs_call_sid(c), (int)fmax(d, -1e9));
		return 1;
	}
	if (d > PROMPT_MAX_LOOPS) {
		fs_info("prompt", "%s: loop %u cut to %u", fs_call_sid(c),
			(unsigned)fmin(d, 4e9), PROMPT_MAX_LOOPS);
		return PROMPT_MAX_LOOPS;
	}
	return (uint32_t)d;
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
	const struct cfg *cfg;
	struct json_object *items;
	struct prompt *p;
	size_t text = 0, total = 0;
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
	/* the verb's disableTtsCache, else the session's (jambonz's
	 * TtsTask) */
	p->nocache = json_object_object_get_ex(data, "disableTtsCache", &items)
			     ? json_object_get_boolean(items)
			     : c->tts_nocache;
	p->loops = prompt_loops(c, data);
	cfg = c->env->stk->app->cfg;
	p->max_inflight =
		cfg->audio_max_inflight ? cfg->audio_max_inflight : 1;
	p->max_bytes = (size_t)cfg->audio_max_call_mb << 20;
	if (!p->is_say) {
		/* NaN and 1e300 are hostile input, not undefined
		 * behaviour (fs_num.h) */
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

		for (size_t i = 0; i < n; i++) {
			struct json_object *e =
				json_object_array_get_idx(items, i);

			if (!json_object_is_type(e, json_type_string))
				continue;
			if (p->n < PROMPT_MAX_ITEMS)
				p->items[p->n++] = json_object_get_string(e);
			total++;
		}
		if (total > p->n)
			fs_warn("prompt",
				"%s: %s has %zu items: the first %u "
				"are played",
				fs_call_sid(c), verb, total, PROMPT_MAX_ITEMS);
	}
	if (!p->n) {
		mem_deref(p);
		return EINVAL;
	}
	for (size_t i = 0; p->is_say && i < p->n; i++)
		text += strlen(p->items[i]);
	if (p->is_say && text > cfg->tts_max_text) {
		fs_warn("prompt",
			"%s: say text is %zu bytes, more than %u "
			"(TTS_MAX_TEXT): not spoken",
			fs_call_sid(c), text, cfg->tts_max_text);
		mem_deref(p);
		return E2BIG;
	}

	err = p->is_say && cfg->say_chunk_size
		      ? prompt_cut(p, cfg->say_chunk_size)
		      : 0;
	if (!err)
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
	err = prompt_fill(p);
	if (err && !p->finished) {
		fs_listener_cancel(p->bind);
		p->bind = NULL;
		p->finished = true;
		mem_deref(p);
	}
	mem_deref(p);
	return err;
}
