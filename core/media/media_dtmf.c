/**
 * @file media_dtmf.c  DTMF in SIP INFO bodies (application/dtmf-relay,
 *                     application/dtmf), and the RFC 4733 events we send
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "media/media_int.h"

char media_telev_digit(uint8_t event)
{
	static const char map[] = "0123456789*#ABCD";

	return event < 16 ? map[event] : 0;
}

int media_telev_event(char digit)
{
	static const char map[] = "0123456789*#ABCD";
	const char *p;

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	p = digit ? strchr(map, digit) : NULL;
	return p ? (int)(p - map) : -1;
}

void media_telev_encode(uint8_t pay[4], uint8_t event, bool end,
			uint8_t volume, uint16_t duration)
{
	pay[0] = event;
	/* E, then R (reserved, 0), then the 6-bit volume */
	pay[1] = (uint8_t)((end ? 0x80 : 0) | (volume & 0x3f));
	pay[2] = (uint8_t)(duration >> 8);
	pay[3] = (uint8_t)duration;
}

int media_dtx_init(struct media_dtx *d, const char *digits, uint32_t dur)
{
	size_t n = digits ? strlen(digits) : 0;

	if (!d || !n || n > MEDIA_DTMF_MAX || dur < MEDIA_DTMF_DUR_MIN ||
	    dur > MEDIA_DTMF_DUR_MAX)
		return EINVAL;
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < n; i++) {
		int ev = media_telev_event(digits[i]);

		if (ev < 0)
			return EINVAL;
		d->events[i] = (uint8_t)ev;
	}
	d->n = (uint32_t)n;
	d->dur = dur;
	return 0;
}

/*
 * An event's packets all carry its first timestamp; the duration grows
 * by a frame a packet up to the full length, which the end packets
 * repeat (RFC 4733 2.5.1.4: three of them, so one lost does not leave
 * the receiver waiting).
 */
enum media_dtx_out media_dtx_next(struct media_dtx *d, uint32_t now,
				  uint8_t pay[4], uint32_t *ts, bool *marker)
{
	bool end;

	if (d->i >= d->n)
		return MEDIA_DTX_DONE;
	if (d->gap) {
		--d->gap;
		return MEDIA_DTX_AUDIO;
	}
	*marker = false;
	if (!d->elapsed) {
		d->ts = now;
		*marker = true;
	}
	if (d->elapsed < d->dur) {
		d->elapsed += MEDIA_FRAME_SAMPLES;
		if (d->elapsed > d->dur)
			d->elapsed = d->dur;
	}
	end = d->elapsed >= d->dur;
	media_telev_encode(pay, d->events[d->i], end, MEDIA_DTMF_VOLUME,
			   (uint16_t)d->elapsed);
	*ts = d->ts;
	if (end && ++d->ends >= MEDIA_DTMF_ENDS) {
		d->elapsed = 0;
		d->ends = 0;
		++d->i;
		d->gap = d->i < d->n ? MEDIA_DTMF_GAP : 0;
	}
	return MEDIA_DTX_EVENT;
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
