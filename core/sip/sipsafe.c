/**
 * @file sipsafe.c  Outside text made safe for SIP headers (see sipsafe.h)
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "base/log.h"
#include "sip/sipsafe.h"

#define SIPSAFE_NAME_MAX 128

static bool sipsafe_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool sipsafe_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

bool sipsafe_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (!sipsafe_alnum(*s) && !strchr("-.!%*_+`'~", *s))
			return false;
	}
	return true;
}

bool sipsafe_value(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++) {
		if (sipsafe_ctl((unsigned char)*s) && *s != '\t')
			return false;
	}
	return true;
}

bool sipsafe_reserved(const char *name)
{
	static const char *const names[] = {
		"Via",
		"From",
		"To",
		"Call-ID",
		"CSeq",
		"Contact",
		"Max-Forwards",
		"Content-Length",
		"Content-Type",
		"Route",
		"Record-Route",
		"i",
		"m",
		"l",
		"c",
		"f",
		"t",
		"v",
	};

	if (!name)
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!str_casecmp(name, names[i]))
			return true;
	}
	return false;
}

void sipsafe_clean(char *dst, size_t dstsz, const char *src)
{
	if (!dst || !dstsz)
		return;
	(void)log_escape(dst, dstsz, src ? src : "");
}

int sipsafe_dname(char **outp, const char *name)
{
	struct mbuf *mb;
	int err = 0;

	if (!outp || !name || !sipsafe_value(name) ||
	    strlen(name) > SIPSAFE_NAME_MAX)
		return EINVAL;
	mb = mbuf_alloc(strlen(name) * 2 + 1);
	if (!mb)
		return ENOMEM;
	for (const char *p = name; *p && !err; p++) {
		if (*p == '"' || *p == '\\')
			err = mbuf_write_u8(mb, '\\');
		if (!err)
			err = mbuf_write_u8(mb, (uint8_t)*p);
	}
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, outp, mb->end);
	}
	mem_deref(mb);
	return err;
}

/* RFC 3261 user: unreserved / escaped / user-unreserved */
static bool sipsafe_userchar(char c)
{
	return sipsafe_alnum(c) || strchr("-_.!~*'()&=+$,;?/", c);
}

static bool sipsafe_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

int sipsafe_user(char **outp, const char *user)
{
	struct mbuf *mb;
	int err = 0;

	if (!outp || !user || !*user || !sipsafe_value(user) ||
	    strchr(user, '\t') || strlen(user) > SIPSAFE_NAME_MAX)
		return EINVAL;
	mb = mbuf_alloc(strlen(user) * 3 + 1);
	if (!mb)
		return ENOMEM;
	for (const char *p = user; *p && !err; p++) {
		if (sipsafe_userchar(*p) ||
		    (*p == '%' && sipsafe_hex(p[1]) && sipsafe_hex(p[2])))
			err = mbuf_write_u8(mb, (uint8_t)*p);
		else
			err = mbuf_printf(mb, "%%%02X", (unsigned char)*p);
	}
	if (!err) {
		mb->pos = 0;
		err = mbuf_strdup(mb, outp, mb->end);
	}
	mem_deref(mb);
	return err;
}

bool sipsafe_uri(const char *uri)
{
	struct pl pl;
	struct uri u;

	if (!uri || (strncmp(uri, "sip:", 4) && strncmp(uri, "sips:", 5)))
		return false;
	for (const char *p = uri; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || strchr("<>\"\\", c))
			return false;
	}
	pl_set_str(&pl, uri);
	return uri_decode(&u, &pl) == 0;
}

bool sipsafe_hostport(const char *s)
{
	const char *p = s;

	if (!s || !*s)
		return false;
	if (*p == '[') {
		for (++p; *p && *p != ']'; p++) {
			if (!sipsafe_hex(*p) && *p != ':' && *p != '.')
				return false;
		}
		if (*p++ != ']' || p == s + 2)
			return false;
	} else {
		const char *h = p;

		while (*p && (sipsafe_alnum(*p) || *p == '-' || *p == '.'))
			p++;
		if (p == h)
			return false;
	}
	if (*p == ':') {
		const char *d = ++p;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p == d || p - d > 5)
			return false;
	}
	if (*p && *p != ';')
		return false;
	for (; *p; p++) {
		if (!sipsafe_alnum(*p) && !strchr(";=-_.!~*'", *p))
			return false;
	}
	return true;
}
