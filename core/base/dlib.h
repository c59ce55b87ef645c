/**
 * @file dlib.h  Libraries opened on first use instead of linked
 */
#ifndef BASE_DLIB_H
#define BASE_DLIB_H
#include <stddef.h>

/** One function (or variable) to find, and where its pointer goes */
struct dlib_sym {
	const char *name;
	size_t off; /* offset of the pointer in the caller's table */
};

#define DLIB_NSYMS(a) (sizeof(a) / sizeof((a)[0]))

/**
 * dlopen lib (RTLD_LOCAL, never closed) and fill the caller's table with
 * the address of every symbol, logging under module mod, as what, why
 * it cannot.
 *
 * @return 0, or ENOENT (no library, or a symbol missing)
 */
int dlib_open(const char *lib, const char *mod, const char *what,
	      const struct dlib_sym *syms, size_t n, void *table);

#endif
