/**
 * @file fixture.h  Shared helpers of the unit tests
 *
 * Debian's libre is built without MEM_DEBUG (mem_get_stat() answers
 * ENOSYS), so leaks are proven two ways: the core's own live-object
 * counters must return to zero in every test, and the whole suite runs
 * under LeakSanitizer (make asan) and valgrind (make valgrind).
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

/** libre_init() per test, libre_close() after */
void fixture_re_setup(void);
void fixture_re_teardown(void);

/** Run the re loop until done() returns non-zero or ms elapse */
int fixture_run_until(int (*done)(void *arg), void *arg, unsigned ms);

/** tests/tools/httpsrv.js on 127.0.0.1, one per test case */
struct fixture_srv {
	int pid;
	int in_fd; /* its stdin: closing it stops the server */
	unsigned port;
};

/**
 * Start the HTTP test server; it serves files_dir under /files/ when
 * given. Fails the test when it does not come up.
 */
void fixture_srv_start(struct fixture_srv *s, const char *files_dir);
void fixture_srv_stop(struct fixture_srv *s);

struct json_object;
struct fs_audio;

/** Integer at a dotted path ("connections.created") of a JSON object;
 * fails the test when the path is missing */
int64_t fixture_json_int(struct json_object *o, const char *path);

/** What an fs_audio_h handler delivered */
struct fixture_audio {
	int calls;
	int err;
	struct fs_audio *audio; /* reference */
};

/** fs_audio_h recording into the struct fixture_audio given as arg */
void fixture_audio_h(int err, struct fs_audio *audio, void *arg);
void fixture_audio_reset(struct fixture_audio *r);

/** fixture_run_until() condition: the handler ran */
int fixture_audio_done(void *arg);

/** Env var or a fallback */
const char *fixture_env(const char *name, const char *def);

/** Test case timeout, longer under valgrind */
unsigned fixture_timeout(unsigned secs);

#endif
