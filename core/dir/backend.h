/**
 * @file backend.h  What the directory front end asks of a backend
 *
 * The front end (directory.c) holds one backend and its ops; backends
 * know nothing of the front end or of each other.
 */
#ifndef DIR_BACKEND_H
#define DIR_BACKEND_H

#include "dir/dir_app.h"

struct dir_ops {
	const char *name;
	/** As directory_lookup(); be is the backend object */
	int (*lookup)(void *be, const struct dir_query *q, dir_lookup_h *h,
		      void *arg);
	/** As directory_cancel(); NULL when nothing is ever pending */
	void (*cancel)(void *be, const void *arg);
};

#endif
