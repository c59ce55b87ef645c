/**
 * @file stt_vad.c  An energy voice detector for recognizer.vad
 *
 * jambonz starts the recognizer on its VAD's first detection; this one
 * measures each 20 ms frame's RMS against a level set by the mode (0 the
 * most sensitive, 3 the least, as WebRTC's modes go) and detects speech
 * once voiceMs of loud frames came without silenceMs of quiet ones
 * between them.
 */
#include <math.h>
#include <json-c/json.h>
#include "speech/stt_vad.h"

static uint32_t vad_num(const struct json_object *o, const char *k,
			uint32_t def, uint32_t max)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	      json_object_is_type(v, json_type_double)))
		return def;
	n = json_object_get_int64(v);
	return n < 0 ? def : n > max ? max : (uint32_t)n;
}

bool stt_vad_init(struct stt_vad *v, const struct json_object *vad)
{
	static const uint32_t levels[] = {200, 400, 600, 900};
	struct json_object *e;

	*v = (struct stt_vad){0};
	if (!vad || !json_object_is_type(vad, json_type_object) ||
	    !json_object_object_get_ex(vad, "enable", &e) ||
	    !json_object_get_boolean(e))
		return false;
	v->voice_ms = vad_num(vad, "voiceMs", 250, 10000);
	v->silence_ms = vad_num(vad, "silenceMs", 150, 10000);
	v->pad_ms = vad_num(vad, "speechPadMs", 30, 1000);
	v->level = levels[vad_num(vad, "mode", 2, 3)];
	return true;
}

bool stt_vad_frame(struct stt_vad *v, const int16_t *pcm, size_t n,
		   uint32_t ms)
{
	double sum = 0;

	if (v->detected || !n)
		return false;
	for (size_t i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];
	if (sqrt(sum / (double)n) >= v->level) {
		v->voiced += ms;
		v->quiet = 0;
	} else if ((v->quiet += ms) >= v->silence_ms) {
		v->voiced = 0;
	}
	if (v->voiced < v->voice_ms)
		return false;
	v->detected = true;
	return true;
}
