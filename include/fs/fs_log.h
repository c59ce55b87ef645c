/**
 * @file fs_log.h  Logging for core and plugins
 *
 * Formatting is libre's re_printf: %m prints an errno, %J a struct sa,
 * %r a struct pl.
 */
#ifndef FS_LOG_H
#define FS_LOG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum fs_log_level {
	FS_LOG_ERROR = 0,
	FS_LOG_WARN,
	FS_LOG_INFO,
	FS_LOG_DEBUG,
};

/**
 * Write one log line "LEVEL module: message".
 *
 * @param lvl    Severity; lines above the configured level are dropped
 * @param module Short area name (borrowed), e.g. "loader" or "say"
 * @param fmt    re_printf format
 */
void fs_log(enum fs_log_level lvl, const char *module, const char *fmt, ...);

/** @return true when a line at lvl would be written (skip costly args) */
int fs_log_enabled(enum fs_log_level lvl);

/**
 * Copy outside text for a log line with control characters escaped (CR,
 * LF, TAB as \r \n \t, other controls and bytes that are not UTF-8 as
 * \xNN), as the core quotes input. Always NUL-terminates; truncates to
 * fit. ABI 1.4
 *
 * @return length written
 */
size_t fs_log_escape(char *dst, size_t dstsz, const char *src);

#define fs_error(mod, ...) fs_log(FS_LOG_ERROR, (mod), __VA_ARGS__)
#define fs_warn(mod, ...)  fs_log(FS_LOG_WARN, (mod), __VA_ARGS__)
#define fs_info(mod, ...)  fs_log(FS_LOG_INFO, (mod), __VA_ARGS__)
#define fs_debug(mod, ...) fs_log(FS_LOG_DEBUG, (mod), __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif
