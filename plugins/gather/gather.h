/**
 * @file gather.h  What the files of the gather verb share
 *
 * gather.c         the verb: digits, the prompt, the timer, the end
 * gather_speech.c  speech: the recognizer's results, barge-in,
 *                  partialResultHook, minConfidence
 */
#ifndef PLUGIN_GATHER_H
#define PLUGIN_GATHER_H

#include <stdbool.h>
#include <stdint.h>

#define GATHER_MAX_DIGITS 64

struct fs_task;
struct fs_scope;
struct fs_stt;
struct json_object;

struct gather {
	struct fs_task *t;
	char digits[GATHER_MAX_DIGITS + 1];
	size_t n;
	char finish;  /* finishOnKey (one key), 0 = none */
	uint32_t num; /* numDigits, 0 = none */
	uint32_t min; /* minDigits, if has_min */
	bool has_min; /* jambonz has no default: without it, neither
			 interDigitTimeout nor a timeout reports digits */
	uint32_t max; /* maxDigits, 0 = none */
	uint32_t timeout_ms;
	uint32_t inter_ms;    /* interDigitTimeout, 0 = none */
	bool wants_digits;    /* input has "digits" */
	bool bargein;         /* dtmfBargein */
	bool digits_prompted; /* listenDuringPrompt: digits count during it */
	bool prompting;
	bool ended;
	struct fs_scope *prompt; /* nested say/play */
	struct fs_scope *timer;  /* the running timeout */
	struct fs_scope *itimer; /* the inter-digit timeout */
	/* gather_speech.c */
	bool speech;               /* input has "speech" */
	bool sp_bargein;           /* bargein: speech stops the prompt */
	bool during_prompt;        /* listenDuringPrompt */
	uint32_t min_words;        /* minBargeinWordCount */
	double min_conf;           /* recognizer.minConfidence, 0 = none */
	bool hearing;              /* interim results came: speech under way */
	char heard[256];           /* the last interim transcript */
	struct json_object *recog; /* merged recognizer */
	struct fs_stt *stt;
	/* continuous ASR (recognizer.asrTimeout) */
	uint32_t asr_ms;
	char asr_digit;           /* asrDtmfTerminationDigit, 0 = none */
	bool asr_listening;       /* for asr_digit */
	bool heard_any;           /* a result came from the vendor */
	bool fell_back;           /* recognizer.fallbackVendor asked */
	struct json_object *asr;  /* the final results so far, an array */
	struct fs_scope *asr_tmr; /* asrTimeout after the last of them */
	/* recognizer.fastRecognitionTimeout: an interim result taken as
	 * final when no other comes in that time */
	uint32_t fast_ms;
	struct fs_scope *fast_tmr;
	struct json_object *fast_evt; /* the last interim result */
};

/* gather.c */

/** End the verb with reason and, for speech, the result (borrowed) */
void gather_end(struct gather *g, const char *reason,
		const struct json_object *speech, const char *details);

/** (Re)start the no-input timer (`timeout`); none while the prompt plays */
void gather_arm(struct gather *g);

/** A number property, def when absent or not a number */
double gather_num(const struct json_object *o, const char *key, double def);

/** Stop the prompt now (barge-in) */
void gather_stop_prompt(struct gather *g);

/* gather_speech.c */

/** Read the speech properties of data into g */
int gather_speech_init(struct gather *g, const struct json_object *data);

/**
 * Start recognising. An error has ended the verb already (no
 * credential: quietly; else reason error) when it returns non-zero.
 */
int gather_speech_start(struct gather *g);

void gather_speech_free(struct gather *g);

/**
 * The no-input timer expired: with continuous ASR and results in, they
 * are the outcome (true); else the caller decides
 */
bool gather_speech_timeout(struct gather *g);

#endif
