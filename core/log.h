/**
 * @file log.h  Core side of logging: level and sink
 */
#ifndef LOG_H
#define LOG_H

#include <fs/fs_log.h>

/** Parse "error", "warn", "info", "debug" (also "warning", "trace") */
int log_level_parse(const char *s, enum fs_log_level *lvlp);
void log_set_level(enum fs_log_level lvl);
enum fs_log_level log_get_level(void);

#endif
