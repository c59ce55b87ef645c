/**
 * @file ttsv.c  Cloud synthesis vendors: the table and what they share
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_req.h>
#include "audio/aws_sts.h"
#include "audio/ttsv.h"
#include "audio/audio.h"
#include "base/jsonutil.h"
#include "base/log.h"

const struct ttsv_ops *ttsv_find(const char *vendor)
{
	static const struct {
		const char *name;
		const struct ttsv_ops *ops;
	} names[] = {
		{"microsoft", &ttsv_microsoft},
		{"azure", &ttsv_microsoft},
		{"google", &ttsv_google},
		{"aws", &ttsv_aws},
		{"polly", &ttsv_aws},
		{"deepgram", &ttsv_deepgram},
		{"elevenlabs", &ttsv_elevenlabs},
		{"openai", &ttsv_openai},
		{"whisper", &ttsv_openai},
	};

	if (!vendor)
		return NULL;
	/* jambonz names custom vendors "custom:<name>" */
	if (!strcasecmp(vendor, "custom") ||
	    !strncasecmp(vendor, "custom:", 7))
		return &ttsv_custom;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(vendor, names[i].name))
			return names[i].ops;
	}
	return NULL;
}

void ttsv_http_reset(struct ttsv_http *h)
{
	if (!h)
		return;
	h->url = mem_deref(h->url);
	h->hdrs = mem_deref(h->hdrs);
	h->body = mem_deref(h->body);
}

const char *ttsv_cred(const struct ttsv_ask *a, const char *key,
		      const char *def)
{
	const char *v = jsonutil_str(a->cred, key);

	return v && *v ? v : def;
}

int ttsv_base(char **basep, const struct ttsv_ask *a, const char *alt,
	      const char *def)
{
	const char *b = ttsv_cred(a, "base_url", NULL);
	size_t n;

	if (!b && alt)
		b = ttsv_cred(a, alt, NULL);
	if (!b)
		b = def;
	if (!b)
		return EINVAL;
	n = strlen(b);
	while (n && b[n - 1] == '/')
		--n;
	/* jambonz keeps some hosts without a scheme (api_uri) */
	if (!strstr(b, "://"))
		return re_sdprintf(basep, "https://%b", b, n);
	return re_sdprintf(basep, "%b", b, n);
}

int ttsv_json_str(struct re_printf *pf, const char *s)
{
	struct json_object *o = json_object_new_string(s ? s : "");
	int err;

	if (!o)
		return ENOMEM;
	err = re_hprintf(pf, "%s",
			 json_object_to_json_string_ext(
				 o, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return err;
}

int ttsv_decode_l16(struct fs_audio **ap, const uint8_t *body, size_t len,
		    uint32_t srate)
{
	size_t n = len / 2;
	int16_t *pcm;
	int err;

	if (!n || !srate)
		return EPROTO;
	pcm = malloc(n * sizeof(*pcm));
	if (!pcm)
		return ENOMEM;
	/* little-endian on the wire, whatever this machine is */
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)(body[2 * i] | (body[2 * i + 1] << 8));
	err = audio_resample(ap, pcm, n, srate);
	free(pcm);
	return err;
}

/* "audio/l16;rate=16000" -> 16000; 0 when the type is not raw PCM */
static uint32_t ttsv_l16_rate(const char *ctype)
{
	const char *r;

	if (!ctype || (strncasecmp(ctype, "audio/l16", 9) &&
		       strncasecmp(ctype, "audio/x-raw", 11)))
		return 0;
	r = strstr(ctype, "rate=");
	return r ? (uint32_t)strtoul(r + 5, NULL, 10) : 8000;
}

int ttsv_decode(const struct ttsv_ops *ops, struct fs_audio **ap,
		const char *ctype, const uint8_t *body, size_t len)
{
	if (ops->decode)
		return ops->decode(ap, ctype, body, len);
	return ttsv_decode_l16(ap, body, len, ops->pcm_rate);
}

int ttsv_decode_ctype(struct fs_audio **ap, const char *ctype,
		      const uint8_t *body, size_t len)
{
	uint32_t rate = ttsv_l16_rate(ctype);

	if (rate)
		return ttsv_decode_l16(ap, body, len, rate);
	return audio_decode(ap, body, len);
}

int ttsv_xml_str(struct re_printf *pf, const char *s)
{
	int err = 0;

	for (; s && *s && !err; s++) {
		switch (*s) {
		case '&':
			err = re_hprintf(pf, "&amp;");
			break;
		case '<':
			err = re_hprintf(pf, "&lt;");
			break;
		case '>':
			err = re_hprintf(pf, "&gt;");
			break;
		case '"':
			err = re_hprintf(pf, "&quot;");
			break;
		case '\'':
			err = re_hprintf(pf, "&apos;");
			break;
		default:
			err = re_hprintf(pf, "%c", *s);
			break;
		}
	}
	return err;
}

int ttsv_json_body(char **bodyp, struct json_object *o)
{
	const char *s;

	if (!o)
		return ENOMEM;
	s = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? str_dup(bodyp, s) : ENOMEM;
}

struct json_object *ttsv_options_copy(const struct ttsv_ask *a)
{
	struct json_object *o = NULL;

	if (a->options && json_object_is_type(a->options, json_type_object) &&
	    !json_object_deep_copy((struct json_object *)a->options, &o, NULL))
		return o;
	return json_object_new_object();
}

void ttsv_log_status(const char *who, const struct fs_resp *resp)
{
	char esc[200], snip[120];
	size_t n = resp->len < sizeof(snip) - 1 ? resp->len : sizeof(snip) - 1;

	/* AWS's XML errors: their code and message, not the envelope */
	if (aws_sts_error(snip, sizeof(snip), resp)) {
		memcpy(snip, resp->body, n);
		snip[n] = '\0';
	}
	log_escape(esc, sizeof(esc), snip);
	fs_warn("tts", "%s: HTTP %u: %s", who, (unsigned)resp->status, esc);
}
