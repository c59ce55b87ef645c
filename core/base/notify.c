/**
 * @file notify.c  The service manager's readiness protocol
 *
 * systemd documents this protocol as stable and meant to be spoken
 * without libsystemd (sd_notify(3), "Notes"): one datagram with the state
 * lines to the AF_UNIX socket in $NOTIFY_SOCKET, a path, or an abstract
 * name written with a leading '@'. Speaking it here drops libsystemd and
 * the compression libraries it links (about 0.6 MB of resident code in
 * every server) for the one call we made.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "base/notify.h"

int notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t slen;
	size_t plen;
	ssize_t n;
	int fd, err = 0;

	if (!state)
		return EINVAL;
	if (!path || !*path)
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sun.sun_path))
		return EAFNOSUPPORT;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
			   (path[0] == '/'));

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sun, slen);
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}
