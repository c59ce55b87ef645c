/**
 * @file check_main.c  Runs every suite found in tests/unit/check_*.c
 *
 * The list of suites is generated at build time (suites.h) from the
 * "Suite *x_suite(void)" definitions, so adding a test file needs no edit
 * here. Set CK_RUN_SUITE to run one suite.
 */
#include <re.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <fs/fs_audio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fixture.h"
#include "base/log.h"

#define X(name) Suite *name(void);
#include "suites.h"
#undef X

static int fixture_loop_done;

static void fixture_tick(void *arg)
{
	struct {
		int (*done)(void *);
		void *arg;
		struct tmr *tmr;
	} *w = arg;

	if (w->done && w->done(w->arg)) {
		fixture_loop_done = 1;
		re_cancel();
		return;
	}
	tmr_start(w->tmr, 2, fixture_tick, w);
}

static void fixture_deadline(void *arg)
{
	(void)arg;
	re_cancel();
}

int fixture_run_until(int (*done)(void *arg), void *arg, unsigned ms)
{
	/* per thread, not on the stack: a failed check inside a callback
	 * longjmps out of re_main() (CK_FORK=no), which would leave these
	 * in the loop's timer heap pointing at a dead frame; here they are
	 * taken out again by the next run */
	static _Thread_local struct tmr poll, deadline;
	static _Thread_local struct {
		int (*done)(void *);
		void *arg;
		struct tmr *tmr;
	} w;

	tmr_cancel(&poll);
	tmr_cancel(&deadline);
	w.done = done;
	w.arg = arg;
	w.tmr = &poll;
	fixture_loop_done = 0;
	if (done && done(arg))
		return 0;
	tmr_start(&poll, 1, fixture_tick, &w);
	tmr_start(&deadline, ms, fixture_deadline, NULL);
	re_main(NULL);
	tmr_cancel(&poll);
	tmr_cancel(&deadline);
	return fixture_loop_done ? 0 : ETIMEDOUT;
}

void fixture_re_setup(void)
{
	ck_assert_int_eq(libre_init(), 0);
}

void fixture_re_teardown(void)
{
	libre_close();
}

void fixture_srv_start(struct fixture_srv *s, const char *files_dir)
{
	const char *dir = fixture_env("FS_SRCDIR", ".");
	char script[512], line[64];
	int in[2], out[2];
	FILE *f;

	snprintf(script, sizeof(script), "%s/tests/tools/httpsrv.js", dir);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execlp("node", "node", script, "0", files_dir, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->in_fd = in[1];
	fcntl(s->in_fd, F_SETFD, FD_CLOEXEC);
	f = fdopen(out[0], "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	ck_assert_int_eq(sscanf(line, "PORT %u", &s->port), 1);
}

void fixture_srv_stop(struct fixture_srv *s)
{
	if (s->pid > 0) {
		close(s->in_fd);
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = -1;
	s->in_fd = -1;
}

int64_t fixture_json_int(struct json_object *o, const char *path)
{
	struct json_object *cur = o;
	char buf[64], *tok, *save = NULL;

	str_ncpy(buf, path, sizeof(buf));
	for (tok = strtok_r(buf, ".", &save); tok;
	     tok = strtok_r(NULL, ".", &save)) {
		ck_assert_msg(json_object_object_get_ex(cur, tok, &cur),
			      "no metric %s", path);
	}
	return json_object_get_int64(cur);
}

void fixture_audio_h(int err, struct fs_audio *audio, void *arg)
{
	struct fixture_audio *r = arg;

	r->calls++;
	r->err = err;
	if (audio) {
		mem_deref(r->audio);
		r->audio = mem_ref(audio);
	}
}

void fixture_audio_reset(struct fixture_audio *r)
{
	r->audio = mem_deref(r->audio);
	memset(r, 0, sizeof(*r));
}

int fixture_audio_done(void *arg)
{
	return ((struct fixture_audio *)arg)->calls > 0;
}

const char *fixture_env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

unsigned fixture_timeout(unsigned secs)
{
	return getenv("FS_VALGRIND") ? secs * 10 : secs;
}

int main(void)
{
	SRunner *sr = NULL;
	const char *only = getenv("CK_RUN_SUITE");
	int failed;

	log_set_level(getenv("FS_TEST_DEBUG") ? FS_LOG_DEBUG : FS_LOG_ERROR);

#define X(name)                                        \
	do {                                           \
		if (!sr)                               \
			sr = srunner_create(name());   \
		else                                   \
			srunner_add_suite(sr, name()); \
	} while (0);
#include "suites.h"
#undef X
	(void)only;
	if (!sr) {
		fprintf(stderr, "no test suites\n");
		return 1;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
