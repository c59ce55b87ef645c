/**
 * @file ws_int.h  Inside the WebSocket API of a call: shared by ws_app.c
 *                 (the socket, messages out, reconnects), ws_in.c
 *                 (messages in) and ws_cmd.c (commands)
 */
#ifndef WS_INT_H
#define WS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <re.h>
#include "call/ws_policy.h"

#define WS_LOG        "ws"
#define WS_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct fs_call;
struct json_object;
struct req_ws_conn;
struct ws_pend;

struct ws_app {
	struct fs_call *call; /* borrowed: the call owns us */
	struct req_ws_conn *conn;
	struct list pending; /* struct ws_pend: ack awaited            */
	struct list queue;   /* struct ws_out: for the (next) socket   */
	struct list side;    /* struct ws_side: config commands running */
	struct ws_policy pol;
	struct tmr tmr_rc;         /* next connect attempt               */
	struct json_object *sdata; /* session:new's data, for
				      session:reconnect                 */
	struct ws_pend *newp;      /* session:new while not acked        */
	uint32_t conns;            /* sockets that came up               */
	uint32_t tries;            /* failed attempts of this connect    */
	uint32_t backoff_ms;       /* next delay; never reset (jambonz)  */
	bool up;                   /* handshake done                     */
	bool counted;              /* in the open-sockets gauge          */
	bool rc_wait;              /* session:reconnect's ack awaited    */
	bool down;                 /* over for good, or closed by us     */
	bool quiet; /* the app closed with 1000: as jambonz, no reconnect,
		       and what we would send is dropped */
};

/** Tell the app a message of its cannot be used (jambonz:error), with a
 * warning that quotes it escaped; never ends the call */
void ws_app_invalid(struct ws_app *w, const char *text, size_t len,
		    const char *details);

/** A whole text message from the socket (ws_in.c; req_ws_msg_h) */
void ws_in_msg(const char *text, size_t len, void *arg);

/** An ack: its data goes to the request's handler (ws_app.c) */
void ws_app_ack(struct ws_app *w, const char *msgid, struct json_object *data);

/** A string member of o, or NULL */
const char *ws_str(const struct json_object *o, const char *k);

/** A command from the app (ws_cmd.c); o is the whole message */
void ws_cmd_run(struct ws_app *w, const char *text, size_t len,
		struct json_object *o, const char *command,
		struct json_object *data);

/** Free the side tasks (the call ends) */
void ws_cmd_flush(struct ws_app *w);

/** The loop's counters of w's call */
struct app_ws_stats *ws_app_stats(const struct ws_app *w);

#define WS_STAT(w, f, n) \
	(void)__atomic_add_fetch(&ws_app_stats(w)->f, (n), __ATOMIC_RELAXED)

#endif
