/**
 * @file notify.h  The service manager's readiness protocol (sd_notify)
 */
#ifndef BASE_NOTIFY_H
#define BASE_NOTIFY_H

/**
 * Send one state line ("READY=1", "STOPPING=1", ...) to the socket named
 * by $NOTIFY_SOCKET; nothing when it is unset (not run by systemd).
 *
 * @return 0, or errno of the socket or the send
 */
int notify_send(const char *state);

#endif
