/**
 * @file media_dtmf.c  DTMF in SIP INFO bodies (application/dtmf-relay,
 *                     application/dtmf)
 */
#include <string.h>
#include <re.h>
#include "media/media_int.h"

char media_telev_digit(uint8_t event)
{
	static const char map[] = "0123456789*#ABCD";

	return event < 16 ? map[event] : 0;
}

static char media_dtmf_char(char c)
{
	if ((c >= '0' && c <= '9') || c == '*' || c == '#')
		return c;
	if (c >= 'a' && c <= 'd')
		return (char)(c - 'a' + 'A');
	if (c >= 'A' && c <= 'D')
		return c;
	return 0;
}

/* One digit, or an event code 10..15 ("Signal=11" from some gateways) */
static char media_dtmf_value(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		++p;
	if (p >= end)
		return 0;

	if (p + 1 < end && p[0] == '1' && p[1] >= '0' && p[1] <= '5' &&
	    (p + 2 == end || !(p[2] >= '0' && p[2] <= '9')))
		return media_telev_digit((uint8_t)(10 + p[1] - '0'));

	if (p + 1 < end && p[1] != '\r' && p[1] != '\n' && p[1] != ' ' &&
	    p[1] != '\t')
		return 0;

	return media_dtmf_char(*p);
}

/**
 * Parse a SIP INFO DTMF body: application/dtmf-relay ("Signal=5\r\n
 * Duration=160", spaces allowed around '=', key case-insensitive) or
 * application/dtmf ("5"). A body with a Signal line is read as
 * dtmf-relay whatever the content type says.
 *
 * @return '0'-'9', '*', '#', 'A'-'D', or 0 when the body carries none
 */
char media_dtmf_info_parse(const char *ctype, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	const char *line;

	if (!body || !len)
		return 0;

	for (line = p; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *q = line;

		if (!eol)
			eol = end;
		while (q < eol && (*q == ' ' || *q == '\t'))
			++q;
		if ((size_t)(eol - q) > 6 && !strncasecmp(q, "signal", 6)) {
			q += 6;
			while (q < eol && (*q == ' ' || *q == '\t'))
				++q;
			if (q < eol && *q == '=')
				return media_dtmf_value(q + 1, eol);
		}
		line = eol + 1;
	}

	if (ctype && !strncasecmp(ctype, "application/dtmf-relay", 22))
		return 0;

	/* application/dtmf: the body is the digit */
	end = body + len;
	while (end > p && (end[-1] == '\r' || end[-1] == '\n' ||
			   end[-1] == ' ' || end[-1] == '\t'))
		--end;
	return media_dtmf_value(p, end);
}
