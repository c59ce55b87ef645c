/**
 * @file check_cfg.c  Configuration: defaults, file, environment, errors
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "base/cfg.h"
#include "fixture.h"

static char cfg_path[64];

static const char *cfg_write(const char *text)
{
	FILE *f;
	int fd;

	strcpy(cfg_path, "/tmp/fs-cfg.XXXXXX");
	fd = mkstemp(cfg_path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return cfg_path;
}

static void cfg_teardown(void)
{
	if (*cfg_path)
		unlink(cfg_path);
	*cfg_path = '\0';
	unsetenv("HTTP_PORT");
	unsetenv("JAMBONES_PRELOAD_COMMON_TASKS");
}

START_TEST(cfg_defaults)
{
	struct cfg *cfg = NULL;
	char err[256];

	ck_assert_int_eq(cfg_load(&cfg, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg->http_port, 3000);
	ck_assert_int_eq(cfg->http_poolsize, 20);
	ck_assert_int_eq(cfg->http_timeout_ms, 10000);
	ck_assert_int_eq(cfg->webhook_error_return, 480);
	ck_assert_int_eq(cfg->max_listeners, 200);
	ck_assert_int_eq(cfg->task_cache_size, 100);
	ck_assert_int_eq(cfg->pool_cleanup_ms, 60000);
	ck_assert(cfg->preload_common);
	ck_assert_str_eq(cfg->preload_tasks, "say,gather,dial,hangup,play");
	ck_assert_str_eq(cfg->http_user_agent, "jambonz");
	ck_assert_str_eq(cfg->loglevel, "info");
	ck_assert_uint_eq(cfg->sip_loops, 0); /* auto */
	mem_deref(cfg);
}
END_TEST

/* SIP_LOOPS: a number in range, or auto (0, resolved at start) */
START_TEST(cfg_loops_auto)
{
	struct cfg *cfg = NULL;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(
		cfg_load(&cfg, cfg_write("SIP_LOOPS=3\n"), err, sizeof(err)),
		0);
	unlink(cfg_path);
	ck_assert_uint_eq(cfg->sip_loops, 3);
	cfg = mem_deref(cfg);
	ck_assert_int_eq(cfg_load(&cfg, cfg_write("SIP_LOOPS=AUTO\n"), err,
				  sizeof(err)),
			 0);
	unlink(cfg_path);
	ck_assert_uint_eq(cfg->sip_loops, 0);
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(cfg_print(cfg, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\nSIP_LOOPS=auto\n"));
	free(buf);
	cfg = mem_deref(cfg);
	ck_assert_int_ne(
		cfg_load(&cfg, cfg_write("SIP_LOOPS=0\n"), err, sizeof(err)),
		0);
	unlink(cfg_path);
	ck_assert_ptr_nonnull(
		strstr(err, "SIP_LOOPS: 0 is out of range 1..64"));
	ck_assert_int_ne(cfg_load(&cfg, cfg_write("SIP_LOOPS=autox\n"), err,
				  sizeof(err)),
			 0);
	ck_assert_ptr_nonnull(
		strstr(err, "SIP_LOOPS: 'autox' is not a number or auto"));
}
END_TEST

START_TEST(cfg_file_and_env)
{
	struct cfg *cfg = NULL;
	char err[256];
	const char *p = cfg_write("# comment\n\n"
				  "HTTP_PORT = 3100\n"
				  "export HTTP_POOLSIZE=5\n"
				  "PRELOAD_TASKS=\"say, play\"\n"
				  "JAMBONES_PRELOAD_COMMON_TASKS=no\r\n"
				  "JAMBONES_LOGLEVEL='debug'\n");

	ck_assert_int_eq(cfg_load(&cfg, p, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg->http_port, 3100);
	ck_assert_int_eq(cfg->http_poolsize, 5);
	ck_assert_str_eq(cfg->preload_tasks, "say, play");
	ck_assert(!cfg->preload_common);
	ck_assert_str_eq(cfg->loglevel, "debug");
	mem_deref(cfg);

	/* the environment wins over the file */
	setenv("HTTP_PORT", "3200", 1);
	setenv("JAMBONES_PRELOAD_COMMON_TASKS", "true", 1);
	ck_assert_int_eq(cfg_load(&cfg, p, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg->http_port, 3200);
	ck_assert(cfg->preload_common);
	mem_deref(cfg);
}
END_TEST

static const struct {
	const char *text;
	const char *msg;
} cfg_bad[] = {
	{"HTTP_PORT=3000\nNO_SUCH=1\n", ":2: unknown setting 'NO_SUCH'"},
	{"\n\nHTTP_PORT=abc\n", ":3: HTTP_PORT: 'abc' is not a number"},
	{"HTTP_PORT=70000\n", ":1: HTTP_PORT: 70000 is out of range 1..65535"},
	{"HTTP_PORT=-1\n", ":1: HTTP_PORT: '-1' is not a number"},
	{"HTTP_PORT=\n", ":1: HTTP_PORT: '' is not a number"},
	{"JAMBONES_PRELOAD_COMMON_TASKS=maybe\n",
	 ":1: JAMBONES_PRELOAD_COMMON_TASKS: 'maybe' is not a boolean"},
	{"JAMBONES_LOGLEVEL=loud\n", ":1: JAMBONES_LOGLEVEL: 'loud' is not"},
	{"just words\n", ":1: expected NAME=value"},
	{"RTP_PORT_MIN=5000\nRTP_PORT_MAX=4000\n",
	 "RTP_PORT_MIN (5000) must be below RTP_PORT_MAX (4000)"},
	{"RTP_SOURCE_CHECK=any\n",
	 "RTP_SOURCE_CHECK: 'any' is not one of latch, sdp, off"},
};

START_TEST(cfg_errors)
{
	struct cfg *cfg = NULL;
	char err[256];
	const char *p = cfg_write(cfg_bad[_i].text);

	ck_assert_int_ne(cfg_load(&cfg, p, err, sizeof(err)), 0);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(err, cfg_bad[_i].msg), "got '%s', want '%s'", err,
		      cfg_bad[_i].msg);
}
END_TEST

START_TEST(cfg_env_error)
{
	struct cfg *cfg = NULL;
	char err[256];

	setenv("HTTP_PORT", "x", 1);
	ck_assert_int_eq(cfg_load(&cfg, NULL, err, sizeof(err)), EINVAL);
	ck_assert_str_eq(err, "environment HTTP_PORT: 'x' is not a number");
	ck_assert_int_eq(
		cfg_load(&cfg, "/nonexistent/fs.conf", err, sizeof(err)),
		ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/fs.conf"));
}
END_TEST

/* The shipped config file documents every setting and parses cleanly */
START_TEST(cfg_shipped_file)
{
	const char *path = fixture_env("FS_CONF", "etc/feature-server.conf");
	struct cfg *cfg = NULL;
	char err[256], line[512];
	FILE *f;

	ck_assert_msg(cfg_load(&cfg, path, err, sizeof(err)) == 0, "%s", err);
	mem_deref(cfg);

	for (size_t i = 0; i < cfg_count(); i++) {
		bool found = false;
		size_t n = strlen(cfg_name(i));

		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, cfg_name(i), n) && line[n] == '=')
				found = true;
		}
		fclose(f);
		ck_assert_msg(found, "%s not documented in %s", cfg_name(i),
			      path);
	}
}
END_TEST

Suite *cfg_suite(void);

Suite *cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("cfg");

	tcase_add_checked_fixture(tc, NULL, cfg_teardown);
	tcase_add_test(tc, cfg_defaults);
	tcase_add_test(tc, cfg_file_and_env);
	tcase_add_loop_test(tc, cfg_errors, 0,
			    sizeof(cfg_bad) / sizeof(cfg_bad[0]));
	tcase_add_test(tc, cfg_loops_auto);
	tcase_add_test(tc, cfg_env_error);
	tcase_add_test(tc, cfg_shipped_file);
	suite_add_tcase(s, tc);
	return s;
}
