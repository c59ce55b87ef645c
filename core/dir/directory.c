/**
 * @file directory.c  The directory front end: one backend behind its ops
 */
#include <errno.h>
#include <re.h>
#include "dir/backend.h"
#include "dir/dir_file.h"
#include "dir/dirdb.h"
#include "dir/directory.h"

struct directory {
	const struct dir_ops *ops;
	void *be; /* the backend object: a reference */
};

static void directory_destructor(void *data)
{
	struct directory *d = data;

	mem_deref(d->be);
}

int directory_alloc(struct directory **dp, const struct dir_conf *conf,
		    char *err, size_t errsz)
{
	struct directory *d;
	int e;

	if (!dp || !conf || !err)
		return EINVAL;
	d = mem_zalloc(sizeof(*d), directory_destructor);
	if (!d)
		return ENOMEM;
	if (conf->pool) {
		struct dirdb *db = NULL;

		e = dirdb_alloc(&db, conf->pool, conf->cache_ttl_ms,
				conf->enc_secret, conf->legacy_crypto);
		if (e)
			re_snprintf(err, errsz, "MySQL directory: %m", e);
		d->be = db;
		d->ops = &dirdb_ops;
	} else {
		struct dir_file *f = NULL;

		e = dir_file_alloc(&f, conf, err, errsz);
		d->be = f;
		d->ops = &dir_file_ops;
	}
	if (e)
		mem_deref(d);
	else
		*dp = d;
	return e;
}

int directory_lookup(struct directory *d, const struct dir_query *q,
		     dir_lookup_h *h, void *arg)
{
	if (!d || !q || !h)
		return EINVAL;
	return d->ops->lookup(d->be, q, h, arg);
}

void directory_cancel(struct directory *d, const void *arg)
{
	if (d && d->ops->cancel)
		d->ops->cancel(d->be, arg);
}
