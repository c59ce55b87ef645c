/** @file t_small.c  Test plugin with a truncated descriptor: refused */
#include <stdint.h>
#include <fs/fs.h>

struct t_small_desc {
	uint32_t abi_major, abi_minor, size;
	const char *name;
};

FS_EXPORT const struct t_small_desc fs_plugin = {
	FS_ABI_MAJOR, FS_ABI_MINOR, sizeof(struct t_small_desc), "t_small"};
