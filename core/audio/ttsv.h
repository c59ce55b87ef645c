/**
 * @file ttsv.h  Cloud speech synthesis vendors over their HTTP APIs
 *
 * A vendor is a pair of functions: build() turns one synthesis into the
 * HTTP request the vendor's public API documents (on the loop thread),
 * decode() turns the answer's body into 8 kHz audio (on a worker
 * thread). tts.c sends the request through the loop's pooled requestor
 * and caches the result as for the embedded engines. Each asks for raw
 * 16-bit PCM at the lowest rate the vendor offers (8 kHz where it can),
 * so no compressed audio is decoded on the hot path.
 *
 * Every vendor's URL can be changed by the credential's "base_url" (an
 * on-premise endpoint, a simulator in the tests), besides the jambonz
 * fields some vendors have for it (api_uri, deepgram_tts_uri,
 * custom_tts_url, custom_tts_endpoint_url).
 */
#ifndef TTSV_H
#define TTSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <fs/fs_audio.h>

struct json_object;
struct re_printf;
struct fs_resp;

/** One synthesis, everything borrowed */
struct ttsv_ask {
	const char *vendor; /* as the app wrote it ("custom:acme") */
	const char *voice;  /* "" when none */
	const char *lang;   /* "en-US" */
	const char *text;   /* text, or SSML when ssml */
	bool ssml;
	const char *engine;                /* synthesizer.engine or ""  */
	const char *model;                 /* synthesizer.model or ""   */
	const struct json_object *cred;    /* the credential's fields  */
	const struct json_object *options; /* synthesizer.options, NULL */
	const char *token; /* token_build()'s token, for build() */
};

/** The request a vendor wants; every string allocated with mem_* */
struct ttsv_http {
	char *url;
	char *hdrs; /* "Name: value" lines separated by '\n' */
	char *body;
};

struct ttsv_ops {
	const char *name; /* canonical: "microsoft", "aws", ... */
	/**
	 * @return 0, or EINVAL with why in err (a credential field or the
	 *         voice missing), ENOMEM
	 */
	int (*build)(struct ttsv_http *h, const struct ttsv_ask *a, char *err,
		     size_t errsz);
	/** Worker thread. @return 0, EPROTO (not the audio asked for).
	 *  NULL: the answer is raw little-endian PCM at pcm_rate */
	int (*decode)(struct fs_audio **ap, const char *ctype,
		      const uint8_t *body, size_t len);
	uint32_t pcm_rate;
	/**
	 * OAuth2: the token request this credential needs first, and the
	 * key it is cached by (NULL: the vendor never needs one).
	 *
	 * @return 0, ENOENT (this credential needs no token: build() at
	 *         once), EINVAL with why in err, ENOMEM
	 */
	int (*token_build)(struct ttsv_http *h, const struct ttsv_ask *a,
			   char *key, size_t keysz, char *err, size_t errsz);
	/** The token request's answer (tts_token_parse_h); NULL:
	 *  OAuth2's */
	int (*token_parse)(char **tokenp, int64_t *secsp,
			   const struct fs_resp *resp);
};

/** Decode a vendor's answer on a worker thread, as its ops say */
int ttsv_decode(const struct ttsv_ops *ops, struct fs_audio **ap,
		const char *ctype, const uint8_t *body, size_t len);

/** @return the vendor named (aliases included: polly, azure, whisper,
 *  custom:<name>), or NULL */
const struct ttsv_ops *ttsv_find(const char *vendor);

void ttsv_http_reset(struct ttsv_http *h);

/* ---- shared by the vendors ---- */

/** The credential's string field, or def */
const char *ttsv_cred(const struct ttsv_ask *a, const char *key,
		      const char *def);

/** The base URL: the credential's base_url, else the field named alt
 *  (may be NULL), else def; without a trailing '/' */
int ttsv_base(char **basep, const struct ttsv_ask *a, const char *alt,
	      const char *def);

/** JSON-escaped copy of s in quotes, for request bodies (%H) */
int ttsv_json_str(struct re_printf *pf, const char *s);

/** One log line: who, the HTTP status and the start of the body,
 *  escaped (a vendor's error message) */
void ttsv_log_status(const char *who, const struct fs_resp *resp);

/** XML-escaped s, for SSML (%H) */
int ttsv_xml_str(struct re_printf *pf, const char *s);

/** Serialise o (plain, slashes unescaped) into a new string */
int ttsv_json_body(char **bodyp, struct json_object *o);

/** A deep copy of synthesizer.options (an object), or a new empty
 *  object; NULL when out of memory */
struct json_object *ttsv_options_copy(const struct ttsv_ask *a);

/** Raw little-endian 16-bit mono PCM at srate to 8 kHz */
int ttsv_decode_l16(struct fs_audio **ap, const uint8_t *body, size_t len,
		    uint32_t srate);

/** By the answer's Content-Type: audio/l16;rate=N (or audio/x-raw),
 *  else a file (WAV, MP3, ...) */
int ttsv_decode_ctype(struct fs_audio **ap, const char *ctype,
		      const uint8_t *body, size_t len);

extern const struct ttsv_ops ttsv_microsoft;
extern const struct ttsv_ops ttsv_google;
extern const struct ttsv_ops ttsv_aws;
extern const struct ttsv_ops ttsv_deepgram;
extern const struct ttsv_ops ttsv_elevenlabs;
extern const struct ttsv_ops ttsv_openai;
extern const struct ttsv_ops ttsv_custom;

#endif
