/**
 * @file log.c  Log lines to stderr with a timestamp and level
 *
 * The level is the one process-wide setting kept outside the app context:
 * every thread logs, and a plain int read is atomic enough for a filter.
 *
 * Messages quote outside text (Call-IDs, From users, webhook answers,
 * URLs), so each line is sanitized as it is written: control characters
 * (CR, LF, ESC, the rest of C0, DEL, C1) and bytes that are not UTF-8
 * are escaped, so no input can forge a log line or drive a terminal,
 * and the user:password of URLs is redacted. libre's own messages (its
 * dbg module, which would print raw text to stderr) come through here
 * too, as module "re".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
/* re_dbg.h wants a module name and level of its own */
#define DEBUG_MODULE "log"
#define DEBUG_LEVEL  0
#include <re_dbg.h>
#include "base/log.h"

static struct {
	volatile int level;
	volatile int format;
	char host[256]; /* JSON-escaped, for the json format */
} log_ctx = {FS_LOG_INFO, LOG_FORMAT_PLAIN, ""};

static const char *const log_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

int log_level_parse(const char *s, enum fs_log_level *lvlp)
{
	static const struct {
		const char *name;
		enum fs_log_level lvl;
	} map[] = {
		{"error", FS_LOG_ERROR}, {"fatal", FS_LOG_ERROR},
		{"warn", FS_LOG_WARN},   {"warning", FS_LOG_WARN},
		{"info", FS_LOG_INFO},   {"debug", FS_LOG_DEBUG},
		{"trace", FS_LOG_DEBUG},
	};

	if (!s || !lvlp)
		return EINVAL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcasecmp(s, map[i].name)) {
			*lvlp = map[i].lvl;
			return 0;
		}
	}
	return EINVAL;
}

/* libre's dbg output: one message, formatted, with its newline */
static void log_re_dbg(int level, const char *p, size_t len, void *arg)
{
	enum fs_log_level lvl = level <= DBG_ERR       ? FS_LOG_ERROR
				: level == DBG_WARNING ? FS_LOG_WARN
				: level <= DBG_INFO    ? FS_LOG_INFO
						       : FS_LOG_DEBUG;

	(void)arg;
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		--len;
	if (len)
		fs_log(lvl, "re", "%b", p, len);
}

void log_set_level(enum fs_log_level lvl)
{
	static const int re_level[] = {DBG_ERR, DBG_WARNING, DBG_INFO,
				       DBG_DEBUG};

	log_ctx.level = lvl;
	dbg_init(re_level[lvl], DBG_NONE);
	dbg_handler_set(log_re_dbg, NULL);
}

enum fs_log_level log_get_level(void)
{
	return (enum fs_log_level)log_ctx.level;
}

int log_format_parse(const char *s, enum log_format *fmtp)
{
	enum log_format f;

	if (!s)
		return EINVAL;
	if (!strcasecmp(s, "plain"))
		f = LOG_FORMAT_PLAIN;
	else if (!strcasecmp(s, "json"))
		f = LOG_FORMAT_JSON;
	else
		return EINVAL;
	if (fmtp)
		*fmtp = f;
	return 0;
}

static size_t log_json_escape(char *dst, size_t dstsz, const char *src);

void log_set_format(enum log_format fmt)
{
	char host[128] = "";

	/* the host is written on every line: looked up once, here */
	if (fmt == LOG_FORMAT_JSON && !log_ctx.host[0]) {
		if (gethostname(host, sizeof(host) - 1))
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		(void)log_json_escape(log_ctx.host, sizeof(log_ctx.host),
				      host);
	}
	log_ctx.format = fmt;
}

enum log_format log_get_format(void)
{
	return (enum log_format)log_ctx.format;
}

void log_configure(const char *level, const char *format)
{
	enum fs_log_level lvl;
	enum log_format fmt;

	if (!log_level_parse(level, &lvl))
		log_set_level(lvl);
	if (!log_format_parse(format, &fmt))
		log_set_format(fmt);
}

int fs_log_enabled(enum fs_log_level lvl)
{
	return (int)lvl <= log_ctx.level;
}

static size_t log_utf8_len(const unsigned char *p)
{
	unsigned cp;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	/* overlong, surrogates, beyond U+10FFFF, and C1 controls */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/* The escape of a control byte or a byte that is not UTF-8 */
static void log_esc1(char esc[5], unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	esc[0] = '\\';
	if (c == '\r' || c == '\n' || c == '\t') {
		esc[1] = c == '\r' ? 'r' : c == '\n' ? 'n' : 't';
		esc[2] = '\0';
		return;
	}
	esc[1] = 'x';
	esc[2] = hex[c >> 4];
	esc[3] = hex[c & 0xf];
	esc[4] = '\0';
}

size_t log_escape(char *dst, size_t dstsz, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0;

	if (!dst || !dstsz)
		return 0;
	while (p && *p) {
		char esc[5];
		const char *put = (const char *)p;
		size_t n = 1, len;

		if (*p >= 0x80)
			n = log_utf8_len(p);
		if (*p < 0x20 || *p == 0x7f || !n) {
			log_esc1(esc, *p);
			put = esc;
			n = 1;
		}
		len = put == esc ? strlen(esc) : n;
		if (o + len >= dstsz)
			break;
		memcpy(dst + o, put, len);
		o += len;
		p += n;
	}
	dst[o] = '\0';
	return o;
}

/* Replace the userinfo of "scheme://user:pass@host" with "***" */
static void log_redact(char *s)
{
	char *p = s;

	while ((p = strstr(p, "://"))) {
		char *ui = p + 3, *q = ui;

		while (*q && !strchr("/?#@ \t'\"<>", *q))
			q++;
		if (*q == '@' && q > ui) {
			if (q - ui >= 3) {
				memcpy(ui, "***", 3);
				memmove(ui + 3, q, strlen(q) + 1);
			} else {
				memset(ui, '*', (size_t)(q - ui));
			}
		}
		p = ui;
	}
}

size_t log_sanitize(char *dst, size_t dstsz, char *line)
{
	if (!line)
		return 0;
	log_redact(line);
	return log_escape(dst, dstsz, line);
}

/*
 * JSON string content: the text is sanitized already (no control
 * characters, valid UTF-8), so only the quote and the backslash of its
 * escapes need escaping.
 */
static size_t log_json_escape(char *dst, size_t dstsz, const char *src)
{
	size_t o = 0;

	if (!dst || !dstsz)
		return 0;
	for (; src && *src; src++) {
		bool esc = *src == '"' || *src == '\\';
		unsigned char c = (unsigned char)*src;

		/* not reached after log_sanitize(); kept for the host name */
		if (c < 0x20 || c == 0x7f) {
			if (o + 6 >= dstsz)
				break;
			o += (size_t)snprintf(dst + o, dstsz - o, "\\u%04x",
					      c);
			continue;
		}
		if (o + 1 + esc >= dstsz)
			break;
		if (esc)
			dst[o++] = '\\';
		dst[o++] = *src;
	}
	dst[o] = '\0';
	return o;
}

/* A line about a call starts "<call_sid>: " (a UUID) */
static bool log_call_sid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		char c = s[i];

		if (shape[i] == '-' ? c != '-'
				    : !((c >= '0' && c <= '9') ||
					(c >= 'a' && c <= 'f') ||
					(c >= 'A' && c <= 'F')))
			return false;
	}
	return s[sizeof(shape) - 1] == ':' && s[sizeof(shape)] == ' ';
}

/* pino's shape: level as a number, time in ms, pid, hostname, then the
 * bindings (module, callSid) and msg, as jambonz's logs are */
static void log_json(enum fs_log_level lvl, const char *module,
		     const struct timespec *now, const char *out)
{
	static const int pino_level[] = {50, 40, 30, 20};
	char msg[2 * 4 * 2048 + 1], mod[64], sid[40] = "";
	const size_t sidlen = 36;

	if (log_call_sid(out)) {
		memcpy(sid, out, sidlen);
		sid[sidlen] = '\0';
		out += sidlen + 2;
	}
	(void)log_json_escape(mod, sizeof(mod), module ? module : "-");
	(void)log_json_escape(msg, sizeof(msg), out);
	fprintf(stderr,
		"{\"level\":%d,\"time\":%lld,\"pid\":%d,\"hostname\":\"%s\","
		"\"module\":\"%s\"%s%s%s,\"msg\":\"%s\"}\n",
		pino_level[lvl],
		(long long)now->tv_sec * 1000 + now->tv_nsec / 1000000,
		(int)getpid(), log_ctx.host, mod,
		sid[0] ? ",\"callSid\":\"" : "", sid, sid[0] ? "\"" : "", msg);
}

void fs_log(enum fs_log_level lvl, const char *module, const char *fmt, ...)
{
	char line[2048];
	char out[4 * sizeof(line)];
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	int n;

	if (!fs_log_enabled(lvl) || !fmt)
		return;

	clock_gettime(CLOCK_REALTIME, &now);

	va_start(ap, fmt);
	n = re_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	(void)log_sanitize(out, sizeof(out), line);

	/* one write per line so lines from threads do not interleave */
	if (log_ctx.format == LOG_FORMAT_JSON) {
		log_json(lvl, module, &now, out);
		return;
	}
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %-5s %s: %s\n", ts, now.tv_nsec / 1000000,
		log_names[lvl], module ? module : "-", out);
}
