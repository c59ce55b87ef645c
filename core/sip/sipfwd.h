/**
 * @file sipfwd.h  Spreads calls over the event loops behind one SIP port
 *
 * The first loop owns the public SIP port. A call belongs to loop
 * hash(Call-ID) % SIP_LOOPS, except that a request inside a dialog whose
 * Request-URI is a Contact we gave ("fs-<k>@") goes to loop k: the calls
 * a loop places have libre's Call-IDs. Requests for another loop's calls are
 * forwarded to that loop's private UDP port as a stateless proxy would
 * (own Via on top, received/rport on the caller's, replacing any the
 * caller wrote), and responses coming back from a loop's socket are
 * relayed to the caller; a response with our branch from anywhere else
 * is dropped and counted. A response to another loop's own request
 * (its Via names that loop's socket) that reaches the public port is
 * passed on to it. Loops share no memory: they
 * talk SIP over loopback. See docs/design.md.
 */
#ifndef SIPFWD_H
#define SIPFWD_H

#include <re.h>

struct sip_stack;
struct sipfwd;

/**
 * Start forwarding on the first loop. Must run before the loop's
 * session listener is registered, so it sees requests first.
 *
 * @param targets Private UDP address of each loop (borrowed; filled in
 *                before traffic starts); app->loop_addr[0] is set to
 *                the first loop's own UDP address, the source of the
 *                requests it relays
 */
int sipfwd_alloc(struct sipfwd **fp, struct sip_stack *l, unsigned nloops,
		 const struct sa *targets);

/** @return the loop that owns a message's call */
unsigned sipfwd_owner(const struct sip_msg *msg, unsigned nloops);

#endif
