/**
 * @file tts_token.h  OAuth2 access tokens of speech vendors, per loop
 *
 * A vendor whose credential is a service account (google) first trades
 * a signed assertion for an access token. Tokens are cached by the
 * vendor's key (the account) until a minute before they expire;
 * syntheses that need one while it is being fetched wait for that fetch.
 */
#ifndef TTS_TOKEN_H
#define TTS_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

struct fs_req;
struct fs_scope;
struct ttsv_http;
struct tts_tokens;

/**
 * @param token The access token (borrowed, valid in the handler), or
 *              NULL with err: EACCES (the token endpoint refused),
 *              EPROTO (not a token answer), ETIMEDOUT, ...
 */
typedef void(tts_token_h)(int err, const char *token, void *arg);

/**
 * @param root Scope the token requests belong to (borrowed; closing it
 *             before freeing tt aborts them)
 */
int tts_tokens_alloc(struct tts_tokens **ttp, struct fs_req *req,
		     struct fs_scope *root, uint32_t timeout_ms);

/**
 * The token for key: the cached one (h runs before returning), else the
 * request (built by the vendor) is sent, or joined if already in flight.
 * Freeing tt drops the waiters without calling them.
 *
 * @return 0 (h runs once), or ENOMEM or a requestor error: h does not run
 */
int tts_token_get(struct tts_tokens *tt, const char *key,
		  const struct ttsv_http *req, tts_token_h *h, void *arg);

struct fs_resp;

/**
 * A token endpoint's answer: the token (allocated) and how long it may
 * be used before it is asked for again.
 *
 * @return 0, EPROTO (not a token answer), ENOMEM
 */
typedef int(tts_token_parse_h)(char **tokenp, int64_t *secsp,
			       const struct fs_resp *resp);

/**
 * tts_token_get() for a token that is not OAuth2's (parse: NULL is
 * OAuth2's {access_token, expires_in}). With owns_arg, arg is a mem
 * reference the handler frees; when the cache is freed first, the
 * waiter frees it instead (on an error return the caller keeps it).
 */
int tts_token_get_as(struct tts_tokens *tt, const char *key,
		     const struct ttsv_http *req, tts_token_parse_h *parse,
		     bool owns_arg, tts_token_h *h, void *arg);

#endif
