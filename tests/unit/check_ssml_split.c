/**
 * @file check_ssml_split.c  Long SSML cut as jambonz's say cuts it
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "call/ssml_split.h"

#define HARD 885 /* JAMBONES_SAY_CHUNK_SIZE 900 less 15 */

static char *pieces[2048];

static void pieces_free(size_t n)
{
	for (size_t i = 0; i < n; i++)
		pieces[i] = mem_deref(pieces[i]);
}

/* the piece's tags balanced (a '>' in a quoted value is no tag end);
 * returns its text bytes */
static size_t well_formed(const char *s)
{
	char stack[SSML_SPLIT_DEPTH + 1][32];
	size_t depth = 0, text = 0, len = strlen(s);

	ck_assert_msg(!strncmp(s, "<speak", 6), "no <speak>: %s", s);
	ck_assert_msg(len > 8 && !strcmp(s + len - 8, "</speak>"),
		      "no </speak>: %s", s);
	for (size_t i = 0; i < len; i++) {
		size_t j = i + 1, n = 0;
		char q = 0;

		if (s[i] != '<') {
			text++;
			continue;
		}
		for (; j < len && (q || s[j] != '>'); j++) {
			if (q && s[j] == q)
				q = 0;
			else if (!q && (s[j] == '"' || s[j] == '\''))
				q = s[j];
		}
		ck_assert_msg(j < len, "unended tag: %s", s + i);
		if (s[i + 1] == '/') {
			ck_assert_msg(depth, "closes nothing: %s", s);
			depth--;
			n = strlen(stack[depth]);
			ck_assert_msg(!strncmp(s + i + 2, stack[depth], n) &&
					      s[i + 2 + n] == '>',
				      "</%s> expected at %s", stack[depth],
				      s + i);
		} else if (s[j - 1] != '/') {
			while (n < 31 && s[i + 1 + n] != ' ' &&
			       s[i + 1 + n] != '>')
				n++;
			ck_assert_uint_le(depth, SSML_SPLIT_DEPTH);
			memcpy(stack[depth], s + i + 1, n);
			stack[depth++][n] = '\0';
		}
		i = j;
	}
	ck_assert_msg(!depth, "left open: %s", s);
	return text;
}

/* the contents of the pieces, one after the other */
static void joined(char *buf, size_t sz, size_t n, size_t head)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(pieces[i]) - head - 8;

		ck_assert_uint_lt(k + l, sz);
		memcpy(buf + k, pieces[i] + head, l);
		k += l;
	}
	buf[k] = '\0';
}

static size_t sentences(char *buf, size_t sz, size_t k, int count)
{
	for (int i = 0; i < count; i++)
		k += (size_t)re_snprintf(buf + k, sz - k,
					 "Sentence %02d is here, it ends. ",
					 i);
	return k;
}

START_TEST(ssml_nested)
{
	static const char elem[] =
		"<prosody rate=\"slow\"><emphasis level=\"strong\">Nested"
		" <say-as interpret-as=\"digits\">12345</say-as> once."
		"</emphasis> And more, in the prosody.</prosody>";
	char text[4096], back[4096];
	size_t k = 0, n, i;
	bool seen = false;

	k = re_snprintf(text, sizeof(text), "<speak>");
	k = sentences(text, sizeof(text), k, 12);
	k += re_snprintf(text + k, sizeof(text) - k, "%s", elem);
	k = sentences(text, sizeof(text), k, 20);
	re_snprintf(text + k, sizeof(text) - k, "</speak>");

	ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n), 0);
	ck_assert_uint_ge(n, 2);
	for (i = 0; i < n; i++) {
		size_t t = well_formed(pieces[i]);

		ck_assert_uint_le(t, HARD);
		if (strstr(pieces[i], elem))
			seen = true;
		if (i + 1 < n)
			ck_assert_uint_ge(t, 100);
	}
	ck_assert_msg(seen, "the element was cut apart");
	joined(back, sizeof(back), n, 7);
	text[k] = '\0';
	ck_assert_str_eq(back, text + 7);
	pieces_free(n);
}
END_TEST

/* polly-ssml-split cuts between the children of <speak> only: a long
 * text inside <prosody> is not cut inside it, and one holding more than
 * the hard limit makes the whole text go as it is */
START_TEST(ssml_prosody)
{
	char text[8192];
	size_t k, n = 99, i;

	k = re_snprintf(text, sizeof(text),
			"<speak>Intro sentence. "
			"<prosody volume=\"loud\">");
	k = sentences(text, sizeof(text), k, 12);
	k += re_snprintf(text + k, sizeof(text) - k, "</prosody> ");
	k = sentences(text, sizeof(text), k, 40);
	re_snprintf(text + k, sizeof(text) - k, "</speak>");
	ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n), 0);
	for (i = 0; i < n; i++) {
		char *p = strstr(pieces[i], "<prosody");

		well_formed(pieces[i]);
		if (p)
			ck_assert_ptr_nonnull(strstr(p, "Sentence 11"));
	}
	pieces_free(n);

	k = re_snprintf(text, sizeof(text),
			"<speak>Intro. <prosody "
			"rate=\"fast\">");
	k = sentences(text, sizeof(text), k, 40);
	re_snprintf(text + k, sizeof(text) - k, "</prosody> End.</speak>");
	n = 99;
	ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n), E2BIG);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(ssml_quoted_gt)
{
	char text[4096];
	size_t k, n, i;
	bool seen = false;

	k = re_snprintf(text, sizeof(text),
			"<speak version=\"1.0\" xml:lang=\"en-US\">");
	k = sentences(text, sizeof(text), k, 14);
	k += re_snprintf(text + k, sizeof(text) - k,
			 "<say-as interpret-as='a>b' format=\"x>y\">"
			 "42</say-as> ");
	k = sentences(text, sizeof(text), k, 14);
	re_snprintf(text + k, sizeof(text) - k, "</speak>");
	ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n), 0);
	ck_assert_uint_ge(n, 2);
	for (i = 0; i < n; i++) {
		/* the document's own <speak ...> tag on every piece */
		ck_assert(!strncmp(
			pieces[i],
			"<speak version=\"1.0\" xml:lang=\"en-US\">", 38));
		ck_assert_uint_le(well_formed(pieces[i]), HARD);
		if (strstr(pieces[i], "format=\"x>y\">42</say-as>"))
			seen = true;
	}
	ck_assert(seen);
	pieces_free(n);
}
END_TEST

/* a hard cut (one long word) never falls inside an entity or a UTF-8
 * character */
START_TEST(ssml_entities)
{
	char text[4096];
	size_t k, n, i;

	k = re_snprintf(text, sizeof(text), "<speak>");
	/* 1200 bytes of one word: a hard cut, then entities */
	for (i = 0; i < 800; i++)
		k += re_snprintf(text + k, sizeof(text) - k, "%s",
				 i < 600 ? "\xc3\xa9" : "x&amp;");
	re_snprintf(text + k, sizeof(text) - k, "</speak>");
	ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n), 0);
	ck_assert_uint_ge(n, 2);
	for (i = 0; i < n; i++) {
		const char *in = pieces[i] + 7;
		size_t l = strlen(in) - 8;
		const char *amp = memchr(in, '&', l);

		well_formed(pieces[i]);
		ck_assert(((unsigned char)in[0] & 0xc0) != 0x80);
		ck_assert(((unsigned char)in[l - 1] & 0xe0) != 0xc0);
		ck_assert(in[0] != 'a' && in[0] != 'm' && in[0] != 'p' &&
			  in[0] != ';');
		if (amp)
			ck_assert(in[l - 1] == ';' || in[l - 1] == 'x' ||
				  ((unsigned char)in[l - 1] & 0x80));
	}
	pieces_free(n);
}
END_TEST

START_TEST(ssml_hostile)
{
	char text[4096];
	size_t k, n = 0, i, base;

	k = re_snprintf(text, sizeof(text), "<speak>");
	base = sentences(text, sizeof(text), k, 30);

	/* unclosed: closed as polly-ssml-split closes them */
	re_snprintf(text + base, sizeof(text) - base,
		    "<p><prosody rate=\"slow\">Still open");
	ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n), 0);
	for (i = 0; i < n; i++)
		well_formed(pieces[i]);
	ck_assert_ptr_nonnull(
		strstr(pieces[n - 1], "Still open</prosody></p></speak>"));
	pieces_free(n);

	static const char *const bad[] = {
		"<break time=\"1s\"", /* no '>' */
		"<p>text</s></p>",    /* closes what is not open */
		"</p>",
		"</speak> after",
		"<say-as interpret-as=\"x>",
		"< >",
	};
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		re_snprintf(text + base, sizeof(text) - base, "%s", bad[i]);
		ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n),
				 EBADMSG);
		ck_assert_uint_eq(n, 0);
	}
	k = base;
	for (i = 0; i < SSML_SPLIT_DEPTH + 1; i++)
		k += re_snprintf(text + k, sizeof(text) - k, "<s>");
	text[k] = '\0';
	ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n), EBADMSG);

	/* nothing to cut */
	ck_assert_int_eq(ssml_split("<speak>Hi.</speak>", 900, pieces, 64, &n),
			 EINVAL);
	memcpy(text, "<speaker", 8);
	ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n), EINVAL);
	ck_assert_int_eq(ssml_split(NULL, 900, pieces, 64, &n), EINVAL);
}
END_TEST

/* 100 KB: every piece within the limit, and with fewer slots than
 * pieces the last holds the rest */
START_TEST(ssml_large)
{
	static char text[110000], back[110000];
	size_t k, n, i;

	k = re_snprintf(text, sizeof(text), "<speak>");
	while (k < 100000) {
		k = sentences(text, sizeof(text), k, 10);
		k += re_snprintf(
			text + k, sizeof(text) - k,
			"<break time=\"200ms\"/><prosody pitch=\"low\">"
			"Low &amp; slow.</prosody> ");
	}
	re_snprintf(text + k, sizeof(text) - k, "</speak>");
	ck_assert_int_eq(ssml_split(text, 900, pieces, ARRAY_SIZE(pieces), &n),
			 0);
	ck_assert_uint_gt(n, 100);
	for (i = 0; i < n; i++)
		ck_assert_uint_le(well_formed(pieces[i]), HARD);
	joined(back, sizeof(back), n, 7);
	text[k] = '\0';
	ck_assert_str_eq(back, text + 7);
	pieces_free(n);

	text[k] = '<';
	ck_assert_int_eq(ssml_split(text, 900, pieces, 64, &n), 0);
	ck_assert_uint_eq(n, 64);
	for (i = 0; i < n; i++)
		well_formed(pieces[i]);
	ck_assert_uint_gt(strlen(pieces[63]), 50000);
	pieces_free(n);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *ssml_split_suite(void);

Suite *ssml_split_suite(void)
{
	Suite *s = suite_create("ssml_split");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, ssml_nested);
	tcase_add_test(tc, ssml_prosody);
	tcase_add_test(tc, ssml_quoted_gt);
	tcase_add_test(tc, ssml_entities);
	tcase_add_test(tc, ssml_hostile);
	tcase_add_test(tc, ssml_large);
	suite_add_tcase(s, tc);
	return s;
}
