/** @file t_abi.c  Test plugin built for a future ABI major: refused */
#include <fs/fs.h>

static int t_validate(const struct json_object *d, char *e, size_t n)
{
	(void)d;
	(void)e;
	(void)n;
	return 0;
}

FS_EXPORT const struct fs_plugin fs_plugin = {
	.abi_major = FS_ABI_MAJOR + 1,
	.abi_minor = 0,
	.size = sizeof(struct fs_plugin),
	.name = "t_abi",
	.validate = t_validate,
};
