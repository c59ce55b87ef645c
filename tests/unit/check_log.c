/**
 * @file check_log.c  Log lines: control characters escaped, URL
 *                    credentials redacted, one line per message
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#define DEBUG_MODULE "check_log"
#define DEBUG_LEVEL  0
#include <re_dbg.h>
#include "fixture.h"
#include "base/log.h"

Suite *log_suite(void);

START_TEST(log_escape_controls)
{
	char out[256];

	ck_assert_uint_eq(log_escape(out, sizeof(out), "plain text"), 10);
	ck_assert_str_eq(out, "plain text");
	log_escape(out, sizeof(out),
		   "Call-ID x\r\n2026-01-01T00:00:00.000Z ERROR forged");
	ck_assert_str_eq(
		out, "Call-ID x\\r\\n2026-01-01T00:00:00.000Z ERROR forged");
	log_escape(out, sizeof(out), "\x1b[2J\x07\x01\t\x7f");
	ck_assert_str_eq(out, "\\x1b[2J\\x07\\x01\\t\\x7f");
	/* UTF-8 stays; C1 controls and stray bytes do not */
	log_escape(out, sizeof(out), "caf\xc3\xa9 \xe2\x82\xac");
	ck_assert_str_eq(out, "caf\xc3\xa9 \xe2\x82\xac");
	log_escape(out, sizeof(out),
		   "a\xc2\x9b"
		   "b\x9b"
		   "c\xff\xc3");
	ck_assert_str_eq(out, "a\\xc2\\x9bb\\x9bc\\xff\\xc3");
	log_escape(out, sizeof(out), "\xc0\xaf\xed\xa0\x80");
	ck_assert_str_eq(out, "\\xc0\\xaf\\xed\\xa0\\x80");
	/* an escape that does not fit is left out whole */
	ck_assert_uint_eq(log_escape(out, 6, "abc\r\n"), 5);
	ck_assert_str_eq(out, "abc\\r");
}
END_TEST

START_TEST(log_redacts_credentials)
{
	char line[256], out[256];

	strcpy(line, "fetch https://user:s3cret@hooks.example.com/x?a=b@c");
	log_sanitize(out, sizeof(out), line);
	ck_assert_str_eq(out, "fetch https://***@hooks.example.com/x?a=b@c");
	strcpy(line, "a http://tok@h/ and http://u:p@h2:80/p, ftp://h/@x");
	log_sanitize(out, sizeof(out), line);
	ck_assert_str_eq(out, "a http://***@h/ and http://***@h2:80/p, "
			      "ftp://h/@x");
	strcpy(line, "'http://a:b@h'\r\n");
	log_sanitize(out, sizeof(out), line);
	ck_assert_str_eq(out, "'http://***@h'\\r\\n");
	strcpy(line, "http://h/no-credentials");
	log_sanitize(out, sizeof(out), line);
	ck_assert_str_eq(out, "http://h/no-credentials");
}
END_TEST

/* stderr into a temporary file while a test writes log lines */
struct log_capture {
	char path[32];
	int fd, saved;
};

static void log_capture_start(struct log_capture *c)
{
	strcpy(c->path, "/tmp/fs-log.XXXXXX");
	c->fd = mkstemp(c->path);
	ck_assert_int_ge(c->fd, 0);
	fflush(stderr);
	c->saved = dup(2);
	ck_assert_int_ge(c->saved, 0);
	ck_assert_int_ge(dup2(c->fd, 2), 0);
}

/* @return the length of what was written, in buf */
static size_t log_capture_end(struct log_capture *c, char *buf, size_t size)
{
	FILE *f;
	size_t n;

	fflush(stderr);
	ck_assert_int_ge(dup2(c->saved, 2), 0);
	close(c->saved);
	f = fdopen(c->fd, "r");
	ck_assert_ptr_nonnull(f);
	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(c->path);
	return n;
}

/* What fs_log writes: one line, escaped, no password */
START_TEST(log_line_written)
{
	struct log_capture cap;
	char buf[1024];
	enum fs_log_level lvl = log_get_level();
	size_t n;

	log_capture_start(&cap);
	log_set_level(FS_LOG_INFO);
	fs_info("test", "from %s url %s", "x\r\nFAKE ERROR line\x1b[31m",
		"http://u:pw@h/x");
	/* libre's own messages come through the same sanitizer */
	dbg_printf(DBG_WARNING, "sip: bad %s\n", "a\r\nFORGED\x1b[0m");
	dbg_printf(DBG_DEBUG, "not at info\n");
	n = log_capture_end(&cap, buf, sizeof(buf));
	log_set_level(lvl);
	ck_assert_ptr_nonnull(strstr(buf,
				     "INFO  test: from "
				     "x\\r\\nFAKE ERROR line\\x1b[31m url "
				     "http://***@h/x\n"));
	ck_assert_ptr_nonnull(
		strstr(buf, "WARN  re: sip: bad a\\r\\nFORGED\\x1b[0m\n"));
	ck_assert_ptr_null(strstr(buf, "not at info"));
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_ptr_eq(strchr(strchr(buf, '\n') + 1, '\n'), buf + n - 1);
	ck_assert_ptr_null(strchr(buf, '\r'));
	ck_assert_ptr_null(strchr(buf, '\x1b'));
	ck_assert_ptr_null(strstr(buf, "pw"));
}
END_TEST

/* LOG_FORMAT=json: pino's fields, the call_sid lifted out of the text,
 * outside text escaped twice over (as in plain, then for JSON) */
START_TEST(log_line_json)
{
	struct log_capture cap;
	char buf[2048];
	enum fs_log_level lvl = log_get_level();
	enum log_format fmt;

	ck_assert_int_eq(log_format_parse("JSON", &fmt), 0);
	ck_assert_int_eq(fmt, LOG_FORMAT_JSON);
	ck_assert_int_eq(log_format_parse("plain", NULL), 0);
	ck_assert_int_eq(log_format_parse("xml", &fmt), EINVAL);
	ck_assert_int_eq(log_format_parse(NULL, &fmt), EINVAL);

	log_capture_start(&cap);
	log_configure("warn", "json");
	fs_warn("call", "%s: said \"%s\"",
		"0f8fad5b-d9cb-469f-a165-70867728950e", "a\\b\r\n{\"x\":1}");
	fs_error("mod\"x", "no call here: 0f8fad5b");
	fs_info("test", "not at warn");
	/* a bad level or format leaves the setting as it was */
	log_configure("loud", "xml");
	fs_warn("test", "still json");
	log_configure("info", "plain");
	fs_info("test", "plain again");
	(void)log_capture_end(&cap, buf, sizeof(buf));
	log_set_level(lvl);
	log_set_format(LOG_FORMAT_PLAIN);
	ck_assert_ptr_nonnull(strstr(buf, "{\"level\":40,\"time\":"));
	ck_assert_ptr_nonnull(strstr(
		buf,
		",\"module\":\"call\","
		"\"callSid\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
		"\"msg\":\"said \\\"a\\\\b\\\\r\\\\n{\\\"x\\\":1}\\\"\"}\n"));
	ck_assert_ptr_nonnull(strstr(buf, "{\"level\":50,\"time\":"));
	ck_assert_ptr_nonnull(strstr(buf,
				     ",\"module\":\"mod\\\"x\","
				     "\"msg\":\"no call here: 0f8fad5b\"}\n"));
	ck_assert_ptr_null(strstr(buf, "not at warn"));
	ck_assert_ptr_nonnull(strstr(buf, "\"msg\":\"still json\"}\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Z INFO  test: plain again\n"));
	ck_assert_ptr_null(strchr(buf, '\r'));
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, log_escape_controls);
	tcase_add_test(tc, log_redacts_credentials);
	tcase_add_test(tc, log_line_written);
	tcase_add_test(tc, log_line_json);
	suite_add_tcase(s, tc);
	return s;
}
