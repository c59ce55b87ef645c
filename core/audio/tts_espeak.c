/**
 * @file tts_espeak.c  espeak-ng engine, resampled from 22050 Hz to 8 kHz
 *
 * espeak-ng keeps process-wide state (one engine, one global callback),
 * so it is initialised and used only on the espeak worker thread; the
 * tts_espeak context below is that state's single owner.
 *
 * The library is not linked: it is dlopen()ed by the first synthesis,
 * as the flite voices are. Linked, it mapped itself and its audio output
 * stack (PulseAudio, ALSA, X11 client libraries: 1.5 MB resident) into
 * every server at start, used or not.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <espeak-ng/speak_lib.h>
#include "audio/tts.h"
#include "audio/audio.h"
#include "base/dlib.h"
#include "base/log.h"

/* Samples collected by the synthesis callback */
struct tts_espeak_sink {
	int16_t *pcm; /* mem_alloc'd on the espeak thread */
	size_t n;
	size_t cap;
	int err;
};

#define TTS_ESPEAK_LIB "libespeak-ng.so.1"

/* The library's entry points we use, typed by its own header (only
 * declared, never linked), resolved by tts_espeak_open() */
struct tts_espeak_api {
	__typeof__(espeak_Initialize) *initialize;
	__typeof__(espeak_SetSynthCallback) *set_synth_callback;
	__typeof__(espeak_SetVoiceByName) *set_voice_by_name;
	__typeof__(espeak_SetVoiceByProperties) *set_voice_by_properties;
	__typeof__(espeak_Synth) *synth;
};

/* The engine's state; touched only by the espeak thread */
static struct {
	struct tts_espeak_api api;
	bool init;
	int init_err;
	int srate;
	char sel[160]; /* "lang|voice" currently selected */
	struct tts_espeak_sink *sink;
} tts_espeak;

static int tts_espeak_cb(short *wav, int n, espeak_EVENT *ev)
{
	struct tts_espeak_sink *s = tts_espeak.sink;

	(void)ev;
	if (!s || !wav || n <= 0)
		return 0;
	if (s->n + (size_t)n > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;
		int16_t *p;

		while (cap < s->n + (size_t)n)
			cap *= 2;
		if (s->pcm)
			p = mem_realloc(s->pcm, cap * sizeof(*p));
		else
			p = mem_alloc(cap * sizeof(*p), NULL);
		if (!p) {
			s->err = ENOMEM;
			return 1; /* abort the synthesis */
		}
		s->pcm = p;
		s->cap = cap;
	}
	memcpy(s->pcm + s->n, wav, (size_t)n * sizeof(*wav));
	s->n += (size_t)n;
	return 0;
}

/* Map the library and find what we call; never closed: the engine's
 * state lives in it */
static int tts_espeak_open(struct tts_espeak_api *api)
{
	static const struct dlib_sym syms[] = {
		{"espeak_Initialize",
		 offsetof(struct tts_espeak_api, initialize)},
		{"espeak_SetSynthCallback",
		 offsetof(struct tts_espeak_api, set_synth_callback)},
		{"espeak_SetVoiceByName",
		 offsetof(struct tts_espeak_api, set_voice_by_name)},
		{"espeak_SetVoiceByProperties",
		 offsetof(struct tts_espeak_api, set_voice_by_properties)},
		{"espeak_Synth", offsetof(struct tts_espeak_api, synth)},
	};
	if (dlib_open(TTS_ESPEAK_LIB, "tts", "espeak-ng", syms,
		      DLIB_NSYMS(syms), api))
		return ENOENT;
	fs_info("tts", "espeak-ng: engine loaded (%s)", TTS_ESPEAK_LIB);
	return 0;
}

static int tts_espeak_init(void)
{
	int rate;

	if (tts_espeak.init)
		return tts_espeak.init_err;
	tts_espeak.init = true;
	if (tts_espeak_open(&tts_espeak.api)) {
		tts_espeak.init_err = EIO;
		return EIO;
	}
	rate = tts_espeak.api.initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL,
					 espeakINITIALIZE_DONT_EXIT);
	if (rate <= 0) {
		fs_error("tts", "espeak-ng: initialisation failed (%d)", rate);
		tts_espeak.init_err = EIO;
		return EIO;
	}
	tts_espeak.srate = rate;
	tts_espeak.api.set_synth_callback(tts_espeak_cb);
	return 0;
}

static int tts_espeak_by_lang(const char *lang)
{
	espeak_VOICE spec;

	memset(&spec, 0, sizeof(spec));
	spec.languages = lang;
	return tts_espeak.api.set_voice_by_properties(&spec) == EE_OK
		       ? 0
		       : ENOTSUP;
}

static int tts_espeak_select(const char *lang, const char *voice)
{
	char sel[sizeof(tts_espeak.sel)], base[16];
	const char *dash;
	int err = ENOTSUP;

	snprintf(sel, sizeof(sel), "%s|%s", lang, voice);
	if (!strcmp(sel, tts_espeak.sel))
		return 0;

	if (*voice && tts_espeak.api.set_voice_by_name(voice) == EE_OK)
		err = 0;
	if (err && *lang)
		err = tts_espeak_by_lang(lang);
	/* "pt-pt" with no voice of its own: fall back to "pt" */
	dash = strchr(lang, '-');
	if (err && dash && (size_t)(dash - lang) < sizeof(base)) {
		str_ncpy(base, lang, (size_t)(dash - lang) + 1);
		err = tts_espeak_by_lang(base);
	}
	if (err) {
		tts_espeak.sel[0] = '\0';
		return err;
	}
	str_ncpy(tts_espeak.sel, sel, sizeof(tts_espeak.sel));
	return 0;
}

int tts_espeak_synth(struct fs_audio **ap, const char *lang, const char *voice,
		     const char *text)
{
	struct tts_espeak_sink sink = {0};
	unsigned flags = espeakCHARS_UTF8;
	espeak_ERROR e;
	int err;

	if (!ap || !lang || !voice || !text)
		return EINVAL;
	err = tts_espeak_init();
	if (err)
		return err;
	err = tts_espeak_select(lang, voice);
	if (err)
		return err;

	if (!strncmp(text, "<speak", 6))
		flags |= espeakSSML;
	tts_espeak.sink = &sink;
	e = tts_espeak.api.synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
				 flags, NULL, NULL);
	tts_espeak.sink = NULL;

	if (e != EE_OK)
		err = EIO;
	else if (sink.err)
		err = sink.err;
	else
		err = audio_resample(ap, sink.pcm, sink.n,
				     (uint32_t)tts_espeak.srate);
	mem_deref(sink.pcm);
	return err;
}
