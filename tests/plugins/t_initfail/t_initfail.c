/** @file t_initfail.c  Test plugin whose init fails: refused */
#include <errno.h>
#include <fs/fs.h>

static int t_init(void)
{
	return EPERM;
}

static int t_validate(const struct json_object *d, char *e, size_t n)
{
	(void)d;
	(void)e;
	(void)n;
	return 0;
}

FS_PLUGIN(.name = "t_initfail", .init = t_init, .validate = t_validate);
