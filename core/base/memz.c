/**
 * @file memz.c  libre's mem_zalloc(), leaving large blocks untouched
 *
 * libre's mem_zalloc() is mem_alloc() and a memset(), which writes
 * every page of a large block at once: each loop's descriptor tables
 * (fd_setsize(): 1.5 MB and 0.8 MB) and its SIP and session hash tables
 * (about 1.6 MB) were resident from the start, 4 MB per loop before a
 * single call. For a block of several pages this version clears only
 * the partial pages at its ends and gives the whole pages inside back to
 * the kernel (MADV_DONTNEED: a private anonymous page then reads as
 * zero and takes memory only once written). libre.so calls the function
 * through its PLT, so the executable's definition (memz.syms) is the one
 * it reaches, as with the timers.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <re.h>
#include "base/memz.h"

/* below this a memset is cheaper than a system call */
#define MEMZ_MADVISE_MIN (64u * 1024u)

static void memz_clear(uint8_t *p, size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t a, b;

	if (pg <= 0 || size < MEMZ_MADVISE_MIN) {
		memset(p, 0, size);
		return;
	}
	a = ((uintptr_t)p + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	b = ((uintptr_t)p + size) & ~((uintptr_t)pg - 1);
	if (b <= a) {
		memset(p, 0, size);
		return;
	}
	/* the pages inside are ours alone: malloc keeps its own data
	 * outside the block it handed out */
	memset(p, 0, a - (uintptr_t)p);
	memset((void *)b, 0, (uintptr_t)p + size - b);
	if (madvise((void *)a, b - a, MADV_DONTNEED))
		memset((void *)a, 0, b - a);
}

void *mem_zalloc(size_t size, mem_destroy_h *dh)
{
	uint8_t *p = mem_alloc(size, dh);

	if (p)
		memz_clear(p, size);
	return p;
}

int memz_check(void)
{
	return dlsym(RTLD_DEFAULT, "mem_zalloc") == (void *)mem_zalloc
		       ? 0
		       : ENOSYS;
}
