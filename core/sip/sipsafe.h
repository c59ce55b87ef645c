/**
 * @file sipsafe.h  Outside text (webhooks, REST) made safe for SIP headers
 *
 * Every header built from outside text goes through here. The rule:
 * text a webhook gives AS a header part (a header name or value, a
 * reason phrase, a display name, a user, a URI) is refused when it
 * carries control characters, with a log line from the caller; text we
 * compose that quotes outside input (X-Reason of an error) has them
 * escaped instead, since the header is ours and worth sending.
 */
#ifndef SIPSAFE_H
#define SIPSAFE_H

#include <stdbool.h>
#include <stddef.h>

/** @return true when s is a non-empty RFC 3261 token (header names) */
bool sipsafe_token(const char *s);

/**
 * @return true when s may be a header value or reason phrase: no
 * control character (CR, LF, NUL, other C0, DEL) but horizontal tab
 */
bool sipsafe_value(const char *s);

/**
 * @return true for headers the SIP stack writes itself (Via, From, To,
 * Call-ID, CSeq, Contact, Content-Length, ...): a second copy would
 * break the message, so webhooks may not add them
 */
bool sipsafe_reserved(const char *name);

/**
 * Copy src into dst with control characters escaped (as log lines
 * escape them): for values we compose from outside text. Always
 * NUL-terminates; truncates to fit.
 */
void sipsafe_clean(char *dst, size_t dstsz, const char *src);

/**
 * A display name for a quoted-string: '"' and '\' escaped (the quotes
 * around it are the SIP stack's).
 *
 * @return 0, EINVAL (control characters, or longer than 128), ENOMEM
 */
int sipsafe_dname(char **outp, const char *name);

/**
 * A URI user part: characters RFC 3261 does not allow in a user are
 * percent-encoded ("%XX" already encoded stays).
 *
 * @return 0, EINVAL (empty, control characters, longer than 128),
 *         ENOMEM
 */
int sipsafe_user(char **outp, const char *user);

/**
 * @return true when uri is a sip: or sips: URI of printable characters
 * (no space, '<', '>', '"', '\') that libre can parse
 */
bool sipsafe_uri(const char *uri);

/**
 * @return true when s is host[:port][;params] (a proxy), host a name,
 * an IPv4 address or a bracketed IPv6 address
 */
bool sipsafe_hostport(const char *s);

#endif
