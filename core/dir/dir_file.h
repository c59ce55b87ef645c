/**
 * @file dir_file.h  The embedded file directory and the built-in demo
 *
 * The file is shaped like the jambonz tables (docs/directory.md). With
 * no file and no default hook, calls run the built-in demo application.
 */
#ifndef DIR_FILE_H
#define DIR_FILE_H

#include <stddef.h>

struct dir_conf;
struct dir_file;
struct dir_ops;

/** @param err Receives "file: reason" on failure */
int dir_file_alloc(struct dir_file **dp, const struct dir_conf *conf,
		   char *err, size_t errsz);

/** Its operations for the front end (directory.c) */
extern const struct dir_ops dir_file_ops;

#endif
