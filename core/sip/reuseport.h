/**
 * @file reuseport.h  TCP listeners of every loop share the public port
 */
#ifndef REUSEPORT_H
#define REUSEPORT_H

/**
 * @return 0 when libre.so's own calls reach our net_sockopt_reuse_set()
 *         (the binary exports it), ENOSYS when they would not
 */
int reuseport_check(void);

#endif
