/** @file t_mismatch.c  Test plugin declaring another verb's name: refused */
#include <fs/fs.h>

static int t_validate(const struct json_object *d, char *e, size_t n)
{
	(void)d;
	(void)e;
	(void)n;
	return 0;
}

FS_PLUGIN(.name = "say", .validate = t_validate);
