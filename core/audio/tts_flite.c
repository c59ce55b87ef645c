/**
 * @file tts_flite.c  flite engine: CMU US voices, resampled to 8 kHz
 *
 * flite reports errors through one process-wide jump buffer (cst_errjmp,
 * else it calls exit()), so every synthesis runs on one thread and arms
 * that buffer around the call. Voices are registered on first use, on
 * that thread, and stay registered for the life of the process (flite
 * offers no safe point to unregister while other loops may still ask).
 *
 * Each voice is a shared library of 1.5 to 4 MB that the server is not
 * linked with: it is dlopen()ed when a call first asks for the voice, so
 * a server that never speaks with flite (or with that voice) does not
 * map it. The engine itself (libflite, and the ALSA client it links) is
 * not linked either: it is dlopen()ed by the first synthesis, so a server
 * that never speaks with flite maps none of it. The voices name libflite
 * as a dependency and find the copy already loaded.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <flite/flite.h>
#pragma GCC diagnostic pop
#include "audio/tts.h"
#include "audio/audio.h"
#include "base/dlib.h"
#include "base/log.h"

/* The registration function each voice library exports (no header) */
typedef cst_voice *(tts_flite_reg_h)(const char *voxdir);

/* name, and the library's soname: libflite_cmu_us_<name>.so.1 */
static const char *const tts_flite_voices[] = {"kal", "kal16", "slt", "awb",
					       "rms"};

#define TTS_FLITE_NVOICES \
	(sizeof(tts_flite_voices) / sizeof(tts_flite_voices[0]))

#define TTS_FLITE_LIB "libflite.so.1"

/* What we call in libflite, found by dlsym */
struct tts_flite_api {
	int (*init)(void);
	cst_wave *(*text_to_wave)(const char *text, cst_voice *voice);
	void (*delete_wave)(cst_wave *w);
	jmp_buf **errjmp; /* libflite's cst_errjmp */
};

/* The engine's state; touched only by the flite thread */
static struct {
	bool init;
	int init_err;
	struct tts_flite_api api;
	cst_voice *voice[TTS_FLITE_NVOICES];
	bool failed[TTS_FLITE_NVOICES]; /* said once, not retried */
} tts_flite;

const char *tts_flite_voice(const char *name)
{
	if (!name)
		return NULL;
	if (!strncasecmp(name, "cmu_us_", 7))
		name += 7;
	for (size_t i = 0; i < TTS_FLITE_NVOICES; i++) {
		if (!strcasecmp(name, tts_flite_voices[i]))
			return tts_flite_voices[i];
	}
	return NULL;
}

/* Map the voice's library and register the voice (once per process) */
static cst_voice *tts_flite_load(const char *name)
{
	char lib[64], sym[64];
	tts_flite_reg_h *reg;
	void *h;

	re_snprintf(lib, sizeof(lib), "libflite_cmu_us_%s.so.1", name);
	re_snprintf(sym, sizeof(sym), "register_cmu_us_%s", name);
	/* never closed: the registered voice points into the library */
	h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fs_error("tts", "flite: voice %s: %s", name, dlerror());
		return NULL;
	}
	*(void **)(&reg) = dlsym(h, sym);
	if (!reg) {
		fs_error("tts", "flite: voice %s: no %s in %s", name, sym,
			 lib);
		return NULL;
	}
	fs_info("tts", "flite: voice %s loaded (%s)", name, lib);
	return reg(NULL);
}

static cst_voice *tts_flite_get(const char *name)
{
	for (size_t i = 0; i < TTS_FLITE_NVOICES; i++) {
		if (strcmp(name, tts_flite_voices[i]))
			continue;
		if (!tts_flite.voice[i] && !tts_flite.failed[i]) {
			tts_flite.voice[i] = tts_flite_load(name);
			tts_flite.failed[i] = !tts_flite.voice[i];
		}
		return tts_flite.voice[i];
	}
	return NULL;
}

/* Map the engine and find what we call; never closed: the voices
 * registered stay in it */
static int tts_flite_open(struct tts_flite_api *api)
{
	static const struct dlib_sym syms[] = {
		{"flite_init", offsetof(struct tts_flite_api, init)},
		{"flite_text_to_wave",
		 offsetof(struct tts_flite_api, text_to_wave)},
		{"delete_wave", offsetof(struct tts_flite_api, delete_wave)},
		{"cst_errjmp", offsetof(struct tts_flite_api, errjmp)},
	};
	if (dlib_open(TTS_FLITE_LIB, "tts", "flite", syms, DLIB_NSYMS(syms),
		      api))
		return ENOENT;
	fs_info("tts", "flite: engine loaded (%s)", TTS_FLITE_LIB);
	return 0;
}

static int tts_flite_init(void)
{
	if (tts_flite.init)
		return tts_flite.init_err;
	tts_flite.init = true;
	if (tts_flite_open(&tts_flite.api)) {
		tts_flite.init_err = EIO;
		return EIO;
	}
	tts_flite.api.init();
	return 0;
}

int tts_flite_synth(struct fs_audio **ap, const char *voice, const char *text)
{
	cst_wave *volatile w = NULL;
	jmp_buf jb;
	cst_voice *v;
	int err;

	if (!ap || !voice || !text)
		return EINVAL;
	err = tts_flite_init();
	if (err)
		return err;
	v = tts_flite_get(voice);
	if (!v)
		return ENOTSUP;

	/* flite's errors longjmp here instead of ending the process */
	if (setjmp(jb)) {
		*tts_flite.api.errjmp = NULL;
		fs_error("tts", "flite: synthesis failed (voice %s)", voice);
		return EIO;
	}
	*tts_flite.api.errjmp = &jb;
	w = tts_flite.api.text_to_wave(text, v);
	*tts_flite.api.errjmp = NULL;
	if (!w)
		return EIO;

	if (w->num_samples < 0 || w->sample_rate <= 0)
		err = EIO;
	else
		err = audio_resample(ap, w->samples, (size_t)w->num_samples,
				     (uint32_t)w->sample_rate);
	tts_flite.api.delete_wave(w);
	return err;
}
