/** @file t_nosym.c  Test plugin without the fs_plugin symbol: refused */
#include <fs/fs.h>

FS_EXPORT int t_nosym_something(void);

int t_nosym_something(void)
{
	return 1;
}
