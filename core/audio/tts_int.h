/**
 * @file tts_int.h  The synthesiser's insides, shared by tts.c (the front
 *                  and the embedded engines) and tts_cloud.c (vendors
 *                  over HTTP)
 */
#ifndef TTS_INT_H
#define TTS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <re.h>
#include "audio/tts.h"
#include "audio/audio.h"
#include "audio/ttsv.h"

struct speechcred;
struct scopemgr;
struct tts_tokens;

#define TTS_WARNED_MAX 16
#define TTS_VENDOR_MAX 32

/* Largest audio a cloud vendor may answer with (raw PCM: minutes) */
#define TTS_CLOUD_MAX_BODY (16u << 20)

enum tts_vendor {
	TTS_FLITE,
	TTS_ESPEAK,
	TTS_CLOUD, /* over HTTP: the job's ops say which */
};


struct tts {
	struct worker *wp; /* borrowed */
	uint32_t qid[2];   /* worker queue per engine */
	enum tts_vendor def_vendor;
	char *def_cloud; /* TTS_VENDOR names a cloud vendor; NULL: embedded */
	char *def_voice;
	char *def_lang;
	bool strict;
	uint32_t max_queue;
	struct audio_lru *cache;
	struct fs_req *req; /* borrowed; NULL: no cloud vendors */
	struct speechcred *creds;
	struct scopemgr *mgr;
	struct fs_scope *root; /* owns the vendor requests in flight */
	struct tts_tokens *tokens;
	uint32_t cloud_timeout_ms;
	struct list pending;    /* audio_pend by key, shared syntheses */
	struct list nc_pending; /* nocache requests, never shared */
	struct list jobs;       /* in flight */
	char warned[TTS_WARNED_MAX][TTS_VENDOR_MAX];
	uint32_t nwarned;
	struct {
		uint64_t hits, misses, coalesced, errors, fallbacks;
		struct audio_timing synth;
	} st;
};

struct tts_job {
	struct le le;            /* in tts->jobs */
	struct tts *tts;         /* weak: NULL once the tts is gone */
	struct audio_pend *pend; /* weak: owned by a tts list */
	enum tts_vendor vendor;
	const struct ttsv_ops *ops; /* TTS_CLOUD */
	bool fetching;              /* TTS_CLOUD: the request in flight */
	uint8_t *body;              /* TTS_CLOUD: the answer, for the worker */
	size_t len;
	char *ctype;
	uint64_t t0;
	struct ttsv_ask va; /* TTS_CLOUD: what is asked, its strings owned */
	char *vendor_s, *label, *engine, *model, *lang_s;
	struct json_object *options; /* a reference */
	struct json_object *cred;    /* a reference */
	char *voice;
	char *lang;
	char *text;
	bool nocache;
	struct fs_audio *audio; /* made on the worker, handed over once */
	uint32_t us;
};

/* Cloud vendors (tts_cloud.c) */

/**
 * The vendor for ask, when it is one spoken over HTTP.
 *
 * @return 0 (*opsp set), ENOENT (not a cloud vendor: *opsp NULL), ENOKEY
 *         (no credential: logged)
 */
int tts_cloud_resolve(struct tts *tts, const struct tts_ask *ask,
		      const struct ttsv_ops **opsp);

/** Send a cloud job's request(s); on error the caller frees the job */
int tts_cloud_start(struct tts *tts, struct tts_job *job,
		    const struct tts_ask *ask);

/* tts.c */
int tts_job_work(void *arg);
void tts_job_done(int err, void *arg);

#endif
