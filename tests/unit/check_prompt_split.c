/**
 * @file check_prompt_split.c  Long say text cut as jambonz's say cuts it
 */
#include <string.h>
#include <re.h>
#include "fixture.h"
#include "call/prompt_split.h"

static void joined(char *buf, size_t sz, const struct pl *pl, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_lt(k + pl[i].l + 1, sz);
		if (i)
			buf[k++] = ' ';
		memcpy(buf + k, pl[i].p, pl[i].l);
		k += pl[i].l;
	}
	buf[k] = '\0';
}

START_TEST(split_sentences)
{
	char text[2048], back[2048];
	struct pl pl[64];
	size_t n, k = 0;

	/* 30 sentences of 40 bytes: 1200 bytes */
	for (int i = 0; i < 30; i++)
		k += (size_t)re_snprintf(
			text + k, sizeof(text) - k,
			"%sThis is sentence number %02d, it ends.",
			i ? " " : "", i);
	n = prompt_split(text, 900, pl, 64);
	ck_assert_uint_gt(n, 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_le(pl[i].l, 885);
		/* each cut after 100 bytes at a mark */
		if (i + 1 < n) {
			ck_assert_uint_ge(pl[i].l, PROMPT_SPLIT_SOFT);
			ck_assert(strchr(".,;!?", pl[i].p[pl[i].l - 1]));
		}
		ck_assert(pl[i].p[0] != ' ');
	}
	joined(back, sizeof(back), pl, n);
	ck_assert_str_eq(back, text);
}
END_TEST

START_TEST(split_short_ssml_words)
{
	char text[3000], back[3000];
	struct pl pl[8];
	size_t n;

	/* short: one piece, the text itself */
	n = prompt_split("Hello there. How are you?", 900, pl, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(pl[0].l, 25);

	/* SSML is never cut */
	memset(text, 'a', sizeof(text));
	memcpy(text, "<speak>", 7);
	text[sizeof(text) - 1] = '\0';
	ck_assert_uint_eq(prompt_split(text, 900, pl, 8), 1);

	/* no marks: cut at spaces, never above the hard limit */
	for (size_t i = 0; i < 2000; i++)
		text[i] = i % 10 == 9 ? ' ' : 'w';
	text[2000] = '\0';
	n = prompt_split(text, 900, pl, 8);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_le(pl[i].l, 885);
		ck_assert(pl[i].p[pl[i].l - 1] == 'w');
	}
	joined(back, sizeof(back), pl, n);
	text[1999] = '\0'; /* the trailing space is trimmed */
	ck_assert_str_eq(back, text);

	/* one long word of 2-byte characters: never cut inside one */
	for (size_t i = 0; i < 2000; i += 2) {
		text[i] = (char)0xc3;
		text[i + 1] = (char)0xa9;
	}
	text[2000] = '\0';
	n = prompt_split(text, 900, pl, 8);
	ck_assert_uint_eq(n, 3);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(pl[i].l % 2, 0);

	/* max reached: the last piece holds the rest */
	n = prompt_split(text, 900, pl, 2);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(pl[0].l + pl[1].l, 2000);
	ck_assert_uint_eq(prompt_split(NULL, 900, pl, 2), 0);
}
END_TEST

/* "extern" keeps this line out of the generated suite list */
extern Suite *prompt_split_suite(void);

Suite *prompt_split_suite(void)
{
	Suite *s = suite_create("prompt_split");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, split_sentences);
	tcase_add_test(tc, split_short_ssml_words);
	suite_add_tcase(s, tc);
	return s;
}
