/**
 * @file dlib.c  Libraries opened on first use instead of linked
 *
 * Linked, a library maps its code and runs its relocations in every
 * server at start, whether a call ever needs it or not; the engines and
 * clients only some deployments use (flite, espeak-ng, libsndfile, the
 * MariaDB client) are opened by their first use instead.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include "base/dlib.h"
#include "base/log.h"

int dlib_open(const char *lib, const char *mod, const char *what,
	      const struct dlib_sym *syms, size_t n, void *table)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		fs_error(mod, "%s: %s", what, dlerror());
		return ENOENT;
	}
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(h, syms[i].name);

		if (!f) {
			fs_error(mod, "%s: no %s in %s", what, syms[i].name,
				 lib);
			return ENOENT;
		}
		/* POSIX: a function pointer and a data pointer convert */
		memcpy((char *)table + syms[i].off, &f, sizeof(f));
	}
	return 0;
}
