/**
 * @file dial.h  What the dial verb's files share
 *
 * dial.c rings the targets and bridges the winner; dial_dtmf.c matches
 * the digits of the bridge against dtmfCapture; dial_say.c plays say
 * and play verbs to one party (whisper, the confirmHook's prompts);
 * dial_confirm.c runs a confirmHook's verbs on an answered target.
 */
#ifndef DIAL_H
#define DIAL_H

#include <stdbool.h>
#include <stdint.h>

struct fs_call;
struct fs_dial_cmd;
struct fs_leg;
struct fs_listener;
struct fs_scope;
struct fs_task;
struct fs_transcribe;
struct json_object;
struct dial;
struct dial_say;
struct dial_confirm;

#define DIAL_MAX_TARGETS 10
#define DIAL_KEYS_MAX    64

struct dial_target {
	struct dial *d;
	struct fs_leg *leg;
	struct json_object *spec;     /* its target entry (own reference) */
	struct dial_confirm *confirm; /* its confirmHook's verbs running */
	bool done;
};

/* Digits of one party, as jambonz's DtmfCollector keeps them */
struct dial_keys {
	const struct json_object *patterns; /* array of strings, or NULL */
	char buf[DIAL_KEYS_MAX + 1];
	size_t n;
	uint64_t last_ms;
};

struct dial {
	struct fs_task *t;
	struct fs_call *call;
	struct dial_target targets[DIAL_MAX_TARGETS];
	size_t n;
	size_t pending;
	struct dial_target *winner;
	struct dial_target *early; /* bridged for early media */
	bool answer_on_bridge;
	bool ended;
	uint32_t time_limit_ms;
	uint16_t last_scode;
	bool any_busy;
	/* jambonz's results follow the legs' last status: a target its
	 * confirmHook declined was last in-progress (200), one that hung
	 * up during it completed; NULL: the last failure decides */
	const char *last_status;
	uint16_t last_status_scode;
	struct fs_listen *listen;         /* nested listen, once bridged */
	struct fs_transcribe *transcribe; /* nested, once bridged */
	struct dial_keys parent_keys, child_keys;
	struct dial_say *whisper; /* a whisper playing, the bridge undone */
	bool held;                /* the bridged target put us on hold  */
	bool hold_play;           /* whisper is the onHoldHook's verbs  */
	bool held_by_caller;      /* held is the caller's hold          */
	const struct json_object *confirm_hook;
	/* the winner's, kept: its leg may go before the actionHook */
	char win_sid[40];
	char win_callid[128];
};

/* dial.c */

/** A target's answer is accepted (its confirmHook, if any, is done) */
void dial_accept(struct dial_target *dt);

/** A target is rejected after its answer (its confirmHook said so) */
void dial_decline(struct dial_target *dt, const char *why);

/** {verb: name, ...} or {name: {...}}: the name and the properties */
const char *dial_verb(const struct json_object *v,
		      const struct json_object **datap);

/** The verb sets key */
bool dial_has(const struct dial *d, const char *key);

/* dial_dtmf.c */

/** Read dtmfCapture: the patterns of each party (dtmfHook set) */
void dial_dtmf_setup(struct dial *d, const struct json_object *data);

/** The bridge is up: listen to both parties' digits */
void dial_dtmf_start(struct dial *d, struct dial_target *dt);

/* dial_say.c */

/** The say and play verbs ended: 0, or why they stopped */
typedef void(dial_say_h)(int err, void *arg);

/**
 * Play say and play verbs, in order, to the leg's far end (leg NULL:
 * the caller). Freed with mem_deref, which stops it (h does not run).
 *
 * @param verbs An array of say and play verbs (the player keeps a
 *              reference)
 * @return 0, EINVAL (another verb, or nothing to play), ENOMEM
 */
int dial_say_start(struct dial_say **sp, struct dial *d, struct fs_leg *leg,
		   const struct json_object *verbs, dial_say_h *h, void *arg);

/** A whisper command (struct fs_dial_cmd) for the bridge */
void dial_whisper(struct dial *d, struct fs_dial_cmd *cmd);

/** The caller's hold or unhold while bridged (FS_EV_CALL_HOLD) */
struct fs_call_hold;
void dial_caller_hold(struct dial *d, const struct fs_call_hold *h);

/** The bridged target's hold or unhold (fs_leg_hold_h, onHoldHook) */
void dial_hold(struct fs_leg *leg, bool held, const char *from, const char *to,
	       void *arg);

/* dial_confirm.c */

/** Run the confirmHook on an answered target; it ends in dial_accept()
 * or dial_decline() */
void dial_confirm_start(struct dial_target *dt);

/** Stop it quietly (the target lost, or the dial ended) */
void dial_confirm_stop(struct dial_target *dt);

#endif
