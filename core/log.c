/**
 * @file log.c  Log lines to stderr with a timestamp and level
 *
 * The level is the one process-wide setting kept outside the app context:
 * every thread logs, and a plain int read is atomic enough for a filter.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <re.h>
#include "log.h"

static struct {
	volatile int level;
} log_ctx = {FS_LOG_INFO};

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

void log_set_level(enum fs_log_level lvl)
{
	log_ctx.level = lvl;
}

enum fs_log_level log_get_level(void)
{
	return (enum fs_log_level)log_ctx.level;
}

int fs_log_enabled(enum fs_log_level lvl)
{
	return (int)lvl <= log_ctx.level;
}

void fs_log(enum fs_log_level lvl, const char *module, const char *fmt, ...)
{
	char line[2048];
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	int n;

	if (!fs_log_enabled(lvl) || !fmt)
		return;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	va_start(ap, fmt);
	n = re_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;

	/* one write per line so lines from threads do not interleave */
	fprintf(stderr, "%s.%03ldZ %-5s %s: %s\n", ts, now.tv_nsec / 1000000,
		log_names[lvl], module ? module : "-", line);
}
