/**
 * @file queue_relay.h  The bridge of a dequeued caller and an agent on
 *                      two instances: each instance's two-member room
 *                      ("bridge:<waiter's call sid>") has the call and a
 *                      relay, and the two relays swap the rooms' 20 ms
 *                      frames over UDP
 *
 * A packet is 'F' and 160 samples of 16-bit PCM, 8 kHz, network byte
 * order, or 'B' (the relay stops: its room ended). The relay that was
 * told the other's address sends first; the other learns it from the
 * first packet. A relay leaving its room ends it (the call there gets
 * FS_CONF_ENDED): after a 'B', after 3 s without a packet once packets
 * came, or 20 s without any.
 */
#ifndef QUEUE_RELAY_H
#define QUEUE_RELAY_H

#include <stddef.h>

struct fs_scope;

/**
 * Start a relay on the calling loop in room "bridge:<key>", bound to
 * scope.
 *
 * @param host  Address to bind (the instance's REST host)
 * @param peer  The other relay's "ip:port", or NULL to learn it
 * @param addr  Gets this relay's "ip:port"
 * @param rp    Gets the relay (borrowed, until the scope closes or
 *              queue_relay_close()), may be NULL
 * @return 0, EINVAL, ENOMEM, or the socket's error
 */
struct queue_relay;
int queue_relay_start(struct fs_scope *scope, const char *host,
		      const char *key, const char *peer, char *addr, size_t sz,
		      struct queue_relay **rp);

/** Stop a relay now (a take that failed) and free it */
void queue_relay_close(struct queue_relay *qr);

#endif
