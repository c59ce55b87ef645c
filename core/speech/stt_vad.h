/**
 * @file stt_vad.h  The energy voice detector that holds a recognition
 *                  back until the caller speaks (recognizer.vad)
 */
#ifndef STT_VAD_H
#define STT_VAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

struct stt_vad {
	uint32_t voice_ms;   /* voice that counts as speech (voiceMs)     */
	uint32_t silence_ms; /* silence that resets it (silenceMs)        */
	uint32_t pad_ms;     /* audio kept from before it (speechPadMs)   */
	uint32_t level;      /* RMS a frame needs to be voice (mode)      */
	uint32_t voiced, quiet;
	bool detected;
};

/**
 * Read recognizer.vad with jambonz's defaults (voiceMs 250, silenceMs
 * 150, mode 2, speechPadMs 30).
 * @return whether it is enabled
 */
bool stt_vad_init(struct stt_vad *v, const struct json_object *vad);

/**
 * One frame of ms milliseconds: voice once voice_ms of frames louder
 * than the level came, no silence of silence_ms between them.
 * @return true from the frame that makes it speech on
 */
bool stt_vad_frame(struct stt_vad *v, const int16_t *pcm, size_t n,
		   uint32_t ms);

#endif
