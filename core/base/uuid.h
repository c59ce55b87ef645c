/**
 * @file uuid.h  Random (version 4) UUIDs for call sids
 */
#ifndef UUID_H
#define UUID_H

#define UUID_STR_LEN 37 /* 36 characters and the NUL */

/** Write a new random UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" */
void uuid_v4(char out[UUID_STR_LEN]);

#endif
