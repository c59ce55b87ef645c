/**
 * @file tts_flite.c  flite engine: CMU US voices, resampled to 8 kHz
 *
 * flite reports errors through one process-wide jump buffer (cst_errjmp,
 * else it calls exit()), so every synthesis runs on one thread and arms
 * that buffer around the call. Voices are registered on first use, on
 * that thread, and stay registered for the life of the process (flite
 * offers no safe point to unregister while other loops may still ask).
 */
#include <errno.h>
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
#include "base/log.h"

/* Voice registration functions of the voice libraries (no header) */
cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);

typedef cst_voice *(tts_flite_reg_h)(const char *voxdir);

static const struct {
	const char *name;
	tts_flite_reg_h *reg;
} tts_flite_voices[] = {
	{"kal", register_cmu_us_kal}, {"kal16", register_cmu_us_kal16},
	{"slt", register_cmu_us_slt}, {"awb", register_cmu_us_awb},
	{"rms", register_cmu_us_rms},
};

#define TTS_FLITE_NVOICES \
	(sizeof(tts_flite_voices) / sizeof(tts_flite_voices[0]))

/* The engine's state; touched only by the flite thread */
static struct {
	bool init;
	cst_voice *voice[TTS_FLITE_NVOICES];
} tts_flite;

const char *tts_flite_voice(const char *name)
{
	if (!name)
		return NULL;
	if (!strncasecmp(name, "cmu_us_", 7))
		name += 7;
	for (size_t i = 0; i < TTS_FLITE_NVOICES; i++) {
		if (!strcasecmp(name, tts_flite_voices[i].name))
			return tts_flite_voices[i].name;
	}
	return NULL;
}

static cst_voice *tts_flite_get(const char *name)
{
	for (size_t i = 0; i < TTS_FLITE_NVOICES; i++) {
		if (strcmp(name, tts_flite_voices[i].name))
			continue;
		if (!tts_flite.voice[i])
			tts_flite.voice[i] = tts_flite_voices[i].reg(NULL);
		return tts_flite.voice[i];
	}
	return NULL;
}

int tts_flite_synth(struct fs_audio **ap, const char *voice, const char *text)
{
	cst_wave *volatile w = NULL;
	jmp_buf jb;
	cst_voice *v;
	int err;

	if (!ap || !voice || !text)
		return EINVAL;
	if (!tts_flite.init) {
		flite_init();
		tts_flite.init = true;
	}
	v = tts_flite_get(voice);
	if (!v)
		return ENOTSUP;

	/* flite's errors longjmp here instead of ending the process */
	if (setjmp(jb)) {
		cst_errjmp = NULL;
		fs_error("tts", "flite: synthesis failed (voice %s)", voice);
		return EIO;
	}
	cst_errjmp = &jb;
	w = flite_text_to_wave(text, v);
	cst_errjmp = NULL;
	if (!w)
		return EIO;

	if (w->num_samples < 0 || w->sample_rate <= 0)
		err = EIO;
	else
		err = audio_resample(ap, w->samples, (size_t)w->num_samples,
				     (uint32_t)w->sample_rate);
	delete_wave(w);
	return err;
}
