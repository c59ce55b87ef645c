/**
 * @file ws_app.h  A call whose application is a WebSocket server: the
 *                 jambonz WebSocket API (ws.jambonz.org) over one socket
 *
 * The call opens one socket and keeps it for its life. Requests that
 * HTTP would post (session:new, verb:hook) go as messages and their
 * "ack" is handed to the same response handler an HTTP answer would
 * reach, so call_hook.c and session.c treat both alike. Notifications
 * (call:status) expect no ack. Commands from the application
 * (redirect, call:status) may come at any time.
 */
#ifndef WS_APP_H
#define WS_APP_H

#include <stdbool.h>
#include <fs/fs_req.h>

struct fs_call;
struct fs_scope;
struct dir_hook;
struct json_object;
struct ws_app;

/** Whether a call_hook names a WebSocket application (ws://, wss://, or
 * method "WS", as jambonz decides) */
bool ws_app_hook_is_ws(const struct dir_hook *h);

/** Whether url is an absolute http(s) URL: such a hook of a WebSocket
 * application still goes over HTTP, as in jambonz */
bool ws_app_url_is_http(const char *url);

/**
 * Open the call's socket to its call_hook. Messages sent before the
 * handshake completes are queued. A failed handshake ends the call as
 * a failed first webhook does; a socket lost later hangs it up.
 *
 * @return 0, EINVAL (bad URL), EACCES (HTTP_DENY_NETS), ENOMEM
 */
int ws_app_alloc(struct ws_app **wp, struct fs_call *c);

/**
 * Send a message that wants an ack: its data (or an empty array) comes to
 * resph as a 200 application/json answer; the ack timeout
 * (JAMBONES_WS_API_MSG_RESPONSE_TIMEOUT) as ETIME. Bound to scope like
 * an HTTP request; a lost socket ends the call, whose scopes drop the
 * handler.
 *
 * @param type "session:new" or "verb:hook"
 * @param hook The hook's URL for verb:hook, else NULL
 * @param data Payload (borrowed)
 */
int ws_app_request(struct ws_app *w, struct fs_scope *scope, const char *type,
		   const char *hook, const struct json_object *data,
		   fs_resp_h *resph, void *arg);

/** Send a message that wants no ack (call:status) */
int ws_app_notify(struct ws_app *w, const char *type,
		  const struct json_object *data);

/** The socket is up or coming up: a verb list that runs out waits for
 * commands instead of ending the call */
bool ws_app_alive(const struct ws_app *w);


/**
 * A config verb (or command) ran with data: notifyEvents true turns
 * verb:status on for the call. As jambonz's config task, false never
 * turns it off.
 */
void ws_app_config_seen(struct fs_call *c, const struct json_object *data);

/**
 * verb:status {event, id, name} for a verb of the list, when the call
 * has notifyEvents on (jambonz's _notifyTaskStatus)
 *
 * @param event "starting" or "finished"
 * @param data  The verb's properties: its "id", if any, goes along
 */
void ws_app_verb_status(struct fs_call *c, const char *event, const char *name,
			const struct json_object *data);

/** Close the socket normally (the call ended); no handler runs after */
void ws_app_close(struct ws_app *w);

#endif
