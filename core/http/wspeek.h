/**
 * @file wspeek.h  The close code a WebSocket peer sent
 *
 * libre answers the peer's close frame itself and reports it as err 0,
 * without its code; jambonz treats 1000 from the application as "closed
 * on purpose" and anything else as a drop. A TCP helper above TLS reads
 * the headers of the frames as they pass to find the close frame.
 */
#ifndef HTTP_WSPEEK_H
#define HTTP_WSPEEK_H

#include <stddef.h>
#include <stdint.h>

struct tcp_conn;
struct wspeek;

/** Watch the frames arriving on tc from now on (a frame boundary) */
int wspeek_attach(struct wspeek **pp, struct tcp_conn *tc);

/** Follow bytes as they arrive (what the helper calls; for the tests) */
void wspeek_feed(struct wspeek *p, const uint8_t *b, size_t n);

/** A watcher on no connection, fed by wspeek_feed() */
int wspeek_alloc(struct wspeek **pp);

/**
 * @return the peer's close code: 0 while no close frame came (or the
 * frames could not be followed), 1005 for a close frame without one
 */
uint16_t wspeek_close_code(const struct wspeek *p);

#endif
