/**
 * @file reuseport.c  libre's net_sockopt_reuse_set(), with SO_REUSEPORT
 *
 * libre calls net_sockopt_reuse_set() on every TCP socket it listens on,
 * and upstream sets SO_REUSEPORT there as well as SO_REUSEADDR wherever
 * the platform has it. Debian's libre 1.1.0 sets only SO_REUSEADDR
 * (strace shows it), so a second loop's TCP listener on the public SIP
 * port failed with EADDRINUSE. libre.so calls the function through its
 * PLT, so the executable's definition (exported by reuseport.syms, as
 * the timers are) is the one it reaches. UDP sockets never come here:
 * the public UDP port stays exclusive, which is also what stops a second
 * instance from starting on a port in use.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
#include <re.h>
#include "sip/reuseport.h"

int net_sockopt_reuse_set(int fd, bool reuse)
{
	int r = reuse;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &r, sizeof(r)) == -1)
		return errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &r, sizeof(r)) == -1)
		return errno;
	return 0;
}

int reuseport_check(void)
{
	return dlsym(RTLD_DEFAULT, "net_sockopt_reuse_set") ==
			       (void *)net_sockopt_reuse_set
		       ? 0
		       : ENOSYS;
}
