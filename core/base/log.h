/**
 * @file log.h  Core side of logging: level and sink
 */
#ifndef LOG_H
#define LOG_H

#include <fs/fs_log.h>

/** Parse "error", "warn", "info", "debug" (also "warning", "trace") */
int log_level_parse(const char *s, enum fs_log_level *lvlp);
/** Set the level, for our lines and libre's (which then come through
 * fs_log as module "re", escaped like ours) */
void log_set_level(enum fs_log_level lvl);
enum fs_log_level log_get_level(void);

enum log_format { LOG_FORMAT_PLAIN = 0, LOG_FORMAT_JSON };

/** Parse "plain" or "json" (fmtp may be NULL: a check only) */
int log_format_parse(const char *s, enum log_format *fmtp);
/** plain: "time LEVEL module: msg"; json: one pino-shaped object a line */
void log_set_format(enum log_format fmt);
enum log_format log_get_format(void);

/** Level and format from a configuration's strings (unparsable: kept) */
void log_configure(const char *level, const char *format);

/**
 * Copy src into dst with control characters escaped: CR, LF and TAB as
 * \r \n \t, other C0 bytes, DEL, C1 controls (U+0080-U+009F) and bytes
 * that are not UTF-8 as \xNN. Always NUL-terminates; stops before an
 * escape that does not fit.
 *
 * @return length written
 */
size_t log_escape(char *dst, size_t dstsz, const char *src);

/**
 * What a log line becomes: URL credentials ("://user:pass@") redacted
 * in line (modified), then escaped into dst as log_escape does.
 *
 * @return length written
 */
size_t log_sanitize(char *dst, size_t dstsz, char *line);

#endif
