/**
 * @file fuzz.h  Shared glue of the libFuzzer targets (not part of the core)
 *
 * Every target runs the real core code in-process. Whatever a mutated
 * input makes the core send (a SIP response to a Via address, a BYE to a
 * Contact, a webhook to a hook URL) stays in this process: the glue
 * replaces sendto(), sendmsg() and connect() and lets through only
 * destinations registered with fuzz_net_allow(); the rest is dropped as
 * if sent (datagrams) or refused (connections). HTTP goes through a
 * proxy address that is never allowed, so libcurl never resolves names.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <re.h>

struct app;

/** libre, quiet logging, the network guard; once per process */
void fuzz_init(void);

/** Let datagrams and connections to this address through */
void fuzz_net_allow(const struct sa *sa);

/** The plugin folder next to the binary (build/fuzz/plugins) */
const char *fuzz_plugin_dir(void);

/**
 * Write data to an anonymous in-memory file.
 *
 * @return a path that opens it ("/proc/self/fd/N"), valid until the next
 *         call
 */
const char *fuzz_memfile(const uint8_t *data, size_t size);

/** Run the event loop rounds times without waiting */
void fuzz_spin(unsigned rounds);

/** Run the event loop for ms milliseconds */
void fuzz_wait(unsigned ms);

/**
 * A running server in-process: configuration (defaults plus cfg_text,
 * "NAME=value" lines), plugin loader, workers, registry and event loop
 * 0 with its SIP stack on 127.0.0.1 and a directory file (numbers 1000:
 * gather, 2000: sip:decline 486, 3000: a call hook that fails, 4000:
 * tag and hangup). Calls placed go to the client socket, the "SBC".
 * With SIP_LOOPS=2 in cfg_text, loop 0 forwards the calls of "loop 1"
 * to the client socket.
 */
struct fuzz_srv {
	struct app *app;
	struct sa sip; /* the loop's SIP UDP address */
	struct sa cli; /* our client socket's address */
	int fd;        /* client socket (UDP, non-blocking) */
	char tag[64];  /* last To tag the server answered with */
	unsigned iter; /* runs so far: $ID, unique Call-IDs and branches */
	char rbuf[65536];
	char inv[65536]; /* last INVITE the server sent us */
	size_t ninv;
};

int fuzz_srv_start(struct fuzz_srv *s, const char *cfg_text);

/** Send one datagram from the client socket to the SIP port */
void fuzz_srv_send(struct fuzz_srv *s, const uint8_t *msg, size_t len);

/** Read and drop every pending response, noting the last To tag */
void fuzz_srv_drain(struct fuzz_srv *s);

/** Answer the last INVITE the server sent (180, 183, 200 with SDP, ...) */
void fuzz_srv_answer(struct fuzz_srv *s, uint16_t scode);

/**
 * Send up to max datagrams separated by lines "%%%" (each expanded as
 * fuzz_srv_expand() says), running the loop after each; then reset.
 */
void fuzz_srv_feed(struct fuzz_srv *s, const uint8_t *data, size_t size,
		   unsigned max);

/** End every live call and let deferred frees run; next $ID */
void fuzz_srv_reset(struct fuzz_srv *s);

/**
 * Replace every "$TAG" in msg by the server's last To tag, "$CLI" by
 * the client address, "$SRV" by the SIP address and "$ID" by the run
 * number (so that Call-IDs and branches of runs differ).
 *
 * @return a new mbuf (mem_deref it)
 */
struct mbuf *fuzz_srv_expand(const struct fuzz_srv *s, const uint8_t *msg,
			     size_t len);

#endif
