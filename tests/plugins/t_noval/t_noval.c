/** @file t_noval.c  Test plugin without a validate callback: refused */
#include <fs/fs.h>

FS_PLUGIN(.name = "t_noval");
