/**
 * @file memz.h  Large zeroed blocks take memory when written, not before
 */
#ifndef MEMZ_H
#define MEMZ_H

/**
 * @return 0 when libre.so's own calls reach our mem_zalloc() (the binary
 *         exports it), ENOSYS when they would not
 */
int memz_check(void);

#endif
