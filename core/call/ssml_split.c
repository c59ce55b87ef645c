/**
 * @file ssml_split.c  Long SSML cut into pieces (ssml_split.h)
 *
 * The document is read once into its <speak> children ("units": a text
 * run, or an element with all it holds); polly-ssml-split's walk over
 * those children then decides where pieces start. Pieces are
 * consecutive spans of the document, so a piece is its span wrapped in
 * the <speak ...> tag again.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <re.h>
#include "call/prompt_split.h"
#include "call/ssml_split.h"

struct ssml_unit {
	size_t off, end; /* span in the document */
	size_t tlen;     /* text bytes in it */
	bool text;       /* a text run, cut inside if need be */
};

struct ssml_doc {
	char *buf; /* the document, new lines made spaces, trimmed */
	size_t len;
	size_t head;       /* bytes of the <speak ...> tag */
	size_t cend;       /* where the <speak> content ends */
	char closers[256]; /* end tags of elements left open at the end */
	struct ssml_unit *units;
	size_t nu, cap;
};

struct ssml_cut {
	size_t soft, hard;
	size_t *starts; /* where each piece starts */
	size_t n, cap;
	size_t tlen; /* text bytes of the piece being gathered */
};

static void doc_destructor(void *arg)
{
	struct ssml_doc *d = arg;

	mem_deref(d->buf);
	mem_deref(d->units);
}

static bool ssml_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	       ch == '\v' || ch == '\f';
}

/* the '>' ending the tag at i; one inside a quoted attribute value does
 * not end it */
static size_t ssml_tag_end(const char *b, size_t i, size_t len)
{
	char quote = 0;

	if (len - i >= 4 && !strncmp(b + i, "<!--", 4)) {
		for (i += 4; i + 2 < len; i++) {
			if (!strncmp(b + i, "-->", 3))
				return i + 2;
		}
		return len;
	}
	for (i++; i < len; i++) {
		if (quote) {
			if (b[i] == quote)
				quote = 0;
		} else if (b[i] == '"' || b[i] == '\'') {
			quote = b[i];
		} else if (b[i] == '>') {
			return i;
		} else if (b[i] == '<') {
			return len; /* a tag inside a tag */
		}
	}
	return len;
}

static size_t ssml_name(const char *b, size_t i, size_t j)
{
	size_t n = 0;

	while (i + n < j && !ssml_space(b[i + n]) && b[i + n] != '/' &&
	       b[i + n] != '>')
		n++;
	return n;
}

/* mem_realloc() takes no NULL */
static void *ssml_grow(void *p, size_t size)
{
	return p ? mem_realloc(p, size) : mem_alloc(size, NULL);
}

static int doc_unit(struct ssml_doc *d, size_t off, size_t end, size_t tlen,
		    bool text)
{
	if (d->nu == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		void *u = ssml_grow(d->units, cap * sizeof(*d->units));

		if (!u)
			return ENOMEM;
		d->units = u;
		d->cap = cap;
	}
	d->units[d->nu++] = (struct ssml_unit){off, end, tlen, text};
	return 0;
}

/* the end tags, innermost first, of the elements still open */
static int doc_closers(struct ssml_doc *d, const struct pl *stack,
		       size_t depth)
{
	size_t o = 0;

	while (depth--) {
		int n = re_snprintf(d->closers + o, sizeof(d->closers) - o,
				    "</%r>", &stack[depth]);

		if (n < 0 || (size_t)n >= sizeof(d->closers) - o)
			return EBADMSG;
		o += n;
	}
	return 0;
}

static int doc_parse(struct ssml_doc *d)
{
	struct pl stack[SSML_SPLIT_DEPTH];
	size_t depth = 0, ustart = 0, utlen = 0, i;
	bool intext = false;
	const char *b = d->buf;
	int err;

	d->head = ssml_tag_end(b, 0, d->len);
	if (d->head >= d->len || b[d->head - 1] == '/')
		return EBADMSG;
	d->head++;
	d->cend = d->len;
	for (i = d->head; i < d->len;) {
		size_t j, n;

		if (b[i] != '<') {
			if (!depth && !intext) {
				intext = true;
				ustart = i;
				utlen = 0;
			}
			utlen++;
			i++;
			continue;
		}
		if (intext) {
			intext = false;
			err = doc_unit(d, ustart, i, utlen, true);
			if (err)
				return err;
		}
		j = ssml_tag_end(b, i, d->len);
		if (j >= d->len)
			return EBADMSG;
		if (b[i + 1] == '/') {
			n = ssml_name(b, i + 2, j);
			if (!depth) {
				/* only </speak>, and nothing after it */
				if (n != 5 || strncmp(b + i + 2, "speak", 5) ||
				    j + 1 != d->len)
					return EBADMSG;
				d->cend = i;
				return 0;
			}
			if (stack[depth - 1].l != n ||
			    memcmp(stack[depth - 1].p, b + i + 2, n))
				return EBADMSG;
			if (!--depth) {
				err = doc_unit(d, ustart, j + 1, utlen, false);
				if (err)
					return err;
			}
		} else if (b[i + 1] == '!' || b[i + 1] == '?' ||
			   b[j - 1] == '/') {
			if (!depth) {
				err = doc_unit(d, i, j + 1, 0, false);
				if (err)
					return err;
			}
		} else {
			n = ssml_name(b, i + 1, j);
			if (!n || depth == SSML_SPLIT_DEPTH)
				return EBADMSG;
			if (!depth) {
				ustart = i;
				utlen = 0;
			}
			stack[depth].p = b + i + 1;
			stack[depth++].l = n;
		}
		i = j + 1;
	}
	/* no </speak>: what is open is closed, as polly-ssml-split does */
	if (intext || depth) {
		err = doc_unit(d, ustart, d->len, utlen, intext);
		if (err)
			return err;
	}
	return doc_closers(d, stack, depth);
}

static int cut_start(struct ssml_cut *c, size_t at)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		void *s = ssml_grow(c->starts, cap * sizeof(*c->starts));

		if (!s)
			return ENOMEM;
		c->starts = s;
		c->cap = cap;
	}
	c->starts[c->n++] = at;
	c->tlen = 0;
	return 0;
}

/* polly-text-split's last index of a piece of t: a '.' else one of
 * , ; ! ? else white space between soft and hard, else a hard cut at
 * soft (here never inside a UTF-8 character or an entity) */
static size_t cut_index(const char *t, size_t len, size_t soft, size_t hard)
{
	static const char *const marks[] = {".", ",;!?", " \t\n\r\v"};
	size_t i, a;

	if (len < hard)
		return len - 1;
	for (size_t m = 0; m < ARRAY_SIZE(marks); m++) {
		for (i = hard; i > soft; i--) {
			if (i < len && strchr(marks[m], t[i]))
				return i;
		}
	}
	i = soft;
	while (i > 0 && ((unsigned char)t[i + 1] & 0xc0) == 0x80)
		i--;
	for (a = i + 1; a > 0 && i + 1 - a < 16; a--) {
		if (t[a - 1] == ';')
			break;
		if (t[a - 1] == '&') {
			if (a > 1)
				i = a - 2;
			break;
		}
	}
	return i;
}

/* polly-ssml-split's _splitTextNode */
static int cut_text(struct ssml_cut *c, const char *b,
		    const struct ssml_unit *u)
{
	size_t soft = c->tlen ? c->soft - c->tlen : c->soft;
	size_t len = u->end - u->off;
	size_t p = u->off +
		   cut_index(b + u->off, len, soft, soft + c->hard - c->soft) +
		   1;
	int err = cut_start(c, p);

	if (err)
		return err;
	c->tlen = u->end - p;
	if (c->tlen <= c->soft)
		return 0;
	while (u->end - p > 0) {
		p += cut_index(b + p, u->end - p, c->soft, c->hard) + 1;
		err = cut_start(c, p);
		if (err)
			return err;
	}
	return 0;
}

/* polly-ssml-split's walk over the children of <speak> */
static int cut_walk(struct ssml_cut *c, const struct ssml_doc *d)
{
	int err = cut_start(c, d->head);

	for (size_t k = 0; !err && k < d->nu; k++) {
		const struct ssml_unit *u = &d->units[k];

		if (c->tlen < c->soft) {
			if (u->text && c->tlen + u->tlen > c->soft) {
				err = cut_text(c, d->buf, u);
				continue;
			}
		} else if (c->tlen < c->hard) {
			err = cut_start(c, u->off);
			if (err)
				return err;
			if (u->text && u->tlen > c->soft) {
				err = cut_text(c, d->buf, u);
				continue;
			}
		} else {
			return E2BIG;
		}
		c->tlen += u->tlen;
	}
	if (err)
		return err;
	if (c->tlen >= c->hard)
		return E2BIG;
	/* a last piece without text (a <break/>, a <mark/>) goes with the
	 * one before it, not dropped as polly-ssml-split drops it */
	if (!c->tlen && c->n > 1)
		c->n--;
	return 0;
}

static int doc_read(struct ssml_doc *d, const char *ssml)
{
	const char *s = ssml;
	size_t len = strlen(ssml);

	while (len && ssml_space(*s)) {
		s++;
		len--;
	}
	while (len && ssml_space(s[len - 1]))
		len--;
	if (len < 7 || strncmp(s, "<speak", 6) ||
	    (s[6] != '>' && !ssml_space(s[6])))
		return EINVAL;
	d->buf = mem_alloc(len + 1, NULL);
	if (!d->buf)
		return ENOMEM;
	for (size_t i = 0; i < len; i++)
		d->buf[i] = s[i] == '\n' ? ' ' : s[i];
	d->buf[len] = '\0';
	d->len = len;
	return doc_parse(d);
}

int ssml_split(const char *ssml, size_t chunk, char **pieces, size_t max,
	       size_t *np)
{
	struct ssml_cut c = {.soft = PROMPT_SPLIT_SOFT};
	struct ssml_doc *d;
	size_t n = 0;
	int err;

	if (!ssml || !pieces || !max || !np)
		return EINVAL;
	if (strlen(ssml) <= chunk)
		return EINVAL;
	c.hard = chunk > c.soft + 15 ? chunk - 15 : c.soft + 1;
	d = mem_zalloc(sizeof(*d), doc_destructor);
	if (!d)
		return ENOMEM;
	err = doc_read(d, ssml);
	if (!err)
		err = cut_walk(&c, d);
	if (err)
		goto out;
	if (c.n > max)
		c.n = max;
	for (n = 0; n < c.n; n++) {
		size_t s = c.starts[n];
		size_t e = n + 1 < c.n ? c.starts[n + 1] : d->cend;

		err = re_sdprintf(&pieces[n], "%b%b%s</speak>", d->buf,
				  d->head, d->buf + s, e - s,
				  e == d->cend ? d->closers : "");
		if (err)
			break;
	}
	if (err) {
		while (n) {
			n--;
			pieces[n] = mem_deref(pieces[n]);
		}
	}
out:
	*np = n;
	mem_deref(c.starts);
	mem_deref(d);
	return err;
}
