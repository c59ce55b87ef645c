/**
 * @file fs_ws.h  WebSocket client for plugins (ABI 1.3)
 *
 * A connection to a ws:// or wss:// server on the call's event loop,
 * through the requestor's WebSocket client (the one WebSocket
 * applications use: HTTP_DENY_NETS, the handshake deadline, certificate
 * checks for wss://). Text and binary messages both ways. It is bound to
 * a scope: closing the scope closes the connection (1000) and no handler
 * runs afterwards, so a task's socket goes with the task.
 *
 * Handlers run on the loop. Any of them may call fs_ws_close().
 */
#ifndef FS_WS_H
#define FS_WS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct fs_ws;
struct fs_req;
struct fs_scope;
struct fs_hook;

/** Options; zero-initialise. Plugins allocate it: append only with a
 *  major bump (as fs_req.h's structs) */
struct fs_ws_opts {
	const char *subprotocol; /**< Sec-WebSocket-Protocol or NULL    */
	uint32_t handshake_ms;   /**< connect + handshake, 0 = 1500     */
	uint32_t max_payload;    /**< largest message taken, 0 and above
				      131072 = 131072                   */
};

/** The handshake succeeded: the send functions may be used */
typedef void(fs_ws_open_h)(void *arg);

/** A text message (fragments joined, NUL-terminated, borrowed) */
typedef void(fs_ws_text_h)(const char *text, size_t len, void *arg);

/** A binary message (fragments joined, borrowed) */
typedef void(fs_ws_bin_h)(const uint8_t *data, size_t len, void *arg);

/**
 * The connection is over (not after fs_ws_close() or the scope's close):
 * 0 when the peer closed it, EPROTO (refused handshake or protocol
 * error), ETIMEDOUT (handshake deadline), EACCES (a denied address),
 * EFBIG (a message over max_payload), or the socket's errno. The handle
 * stays valid until the handler returns.
 */
typedef void(fs_ws_close_h)(int err, void *arg);

/**
 * Open a connection. Basic auth comes from hook->username/password (else
 * from the URL); hook->method is ignored.
 *
 * @param wp     Returns a handle, valid until fs_ws_close(), the close
 *               handler's return, or the scope's close
 * @param req    Requestor of the loop (fs_call_req())
 * @param scope  Owning scope
 * @param binh   NULL: a binary message ends the connection (1003)
 * @param closeh Required
 * @return 0, EINVAL (bad URL or arguments), EACCES (a denied address),
 *         ESHUTDOWN (scope closed), ENOMEM
 */
int fs_ws_open(struct fs_ws **wp, struct fs_req *req, struct fs_scope *scope,
	       const struct fs_hook *hook, const struct fs_ws_opts *opts,
	       fs_ws_open_h *openh, fs_ws_text_h *texth, fs_ws_bin_h *binh,
	       fs_ws_close_h *closeh, void *arg);

/** Send a text message @return 0, EINVAL, ENOTCONN (not open) */
int fs_ws_send_text(struct fs_ws *w, const char *text);

/** Send a binary message @return 0, EINVAL, ENOTCONN, ENOSPC (the send
 *  queue is full) */
int fs_ws_send_bin(struct fs_ws *w, const void *data, size_t len);

/**
 * @return bytes queued for sending that the kernel did not take yet: a
 *         peer that reads slower than we send makes it grow
 */
size_t fs_ws_queued(const struct fs_ws *w);

/** @return true once the handshake succeeded, until the end */
int fs_ws_is_open(const struct fs_ws *w);

/** Close now (1000); no handler runs afterwards. NULL is ignored */
void fs_ws_close(struct fs_ws *w);

#ifdef __cplusplus
}
#endif

#endif
