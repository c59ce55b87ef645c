/**
 * @file prompt_split.c  Long say text cut into pieces (prompt_split.h)
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include "call/prompt_split.h"

static bool split_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool split_mark(char ch)
{
	return ch == '.' || ch == ',' || ch == ';' || ch == '!' || ch == '?';
}

static size_t split_skip(const char *t, size_t i, size_t len)
{
	while (i < len && split_space(t[i]))
		i++;
	return i;
}

/* where the piece starting at pos ends (exclusive), hard bytes at most */
static size_t split_cut(const char *t, size_t pos, size_t len, size_t hard)
{
	size_t end = pos + hard < len ? pos + hard : len;
	size_t i;

	for (i = pos + PROMPT_SPLIT_SOFT; i < end; i++) {
		if (split_mark(t[i]) &&
		    (i + 1 == len || split_space(t[i + 1])))
			return i + 1;
	}
	if (end == len)
		return len;
	for (i = end; i > pos; i--) {
		if (split_space(t[i - 1]))
			return i - 1 > pos ? i - 1 : i;
	}
	/* one long word: never inside a UTF-8 sequence */
	for (i = end; i > pos + 1 && ((unsigned char)t[i] & 0xc0) == 0x80; i--)
		;
	return i;
}

size_t prompt_split(const char *text, size_t chunk, struct pl *out, size_t max)
{
	size_t len, pos, n = 0;
	size_t hard = chunk > PROMPT_SPLIT_SOFT + 15 ? chunk - 15
						     : PROMPT_SPLIT_SOFT + 1;

	if (!text || !out || !max)
		return 0;
	len = strlen(text);
	pos = split_skip(text, 0, len);
	if (len <= chunk || !strncmp(text + pos, "<speak", 6)) {
		pl_set_str(&out[0], text);
		return 1;
	}
	while (pos < len && n < max) {
		size_t end =
			n + 1 == max ? len : split_cut(text, pos, len, hard);
		size_t e = end;

		while (e > pos && split_space(text[e - 1]))
			e--;
		if (e > pos) {
			out[n].p = text + pos;
			out[n].l = e - pos;
			n++;
		}
		pos = split_skip(text, end, len);
	}
	return n;
}
