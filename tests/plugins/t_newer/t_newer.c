/** @file t_newer.c  Test plugin built for a newer ABI minor: refused */
#include <fs/fs.h>

static int t_validate(const struct json_object *d, char *e, size_t n)
{
	(void)d;
	(void)e;
	(void)n;
	return 0;
}

FS_EXPORT const struct fs_plugin fs_plugin = {
	.abi_major = FS_ABI_MAJOR,
	.abi_minor = FS_ABI_MINOR + 1,
	.size = sizeof(struct fs_plugin),
	.name = "t_newer",
	.validate = t_validate,
};
