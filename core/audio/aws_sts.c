/**
 * @file aws_sts.c  AWS credentials by STS AssumeRole (aws_sts.h)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include <fs/fs_req.h>
#include "audio/aws_sts.h"
#include "audio/ttsv.h"
#include "base/jsonutil.h"
#include "http/sigv4.h"

#define AWS_STS_SESSION "Jambonz_Speech"

static const char *aws_sts_str(const struct json_object *cred, const char *a,
			       const char *b)
{
	const char *v = jsonutil_str(cred, a);

	if (!v || !*v)
		v = jsonutil_str(cred, b);
	return v && *v ? v : NULL;
}

static const char *aws_sts_role(const struct json_object *cred)
{
	return aws_sts_str(cred, "role_arn", "roleArn");
}

bool aws_sts_wanted(const struct json_object *cred, bool stt)
{
	if (!aws_sts_role(cred))
		return false;
	/* synthesis: the keys first (synth-audio.js); recognition: the
	 * role whenever there is one (stt-task.js) */
	return stt || !aws_sts_str(cred, "access_key_id", "accessKeyId") ||
	       !aws_sts_str(cred, "secret_access_key", "secretAccessKey");
}

/* A setting of the environment, in range, else the default */
static uint32_t aws_sts_env_u32(const char *name, uint32_t def, uint32_t min,
				uint32_t max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 10);
	return *end || n < min || n > max ? def : (uint32_t)n;
}

static uint32_t aws_sts_duration(void)
{
	return aws_sts_env_u32("AWS_STS_SESSION_DURATION", 3600, 900, 43200);
}

int aws_sts_request(struct ttsv_http *h, const struct json_object *cred,
		    char *key, size_t keysz, char *why, size_t whysz)
{
	const char *region = aws_sts_str(cred, "aws_region", "region");
	const char *role = aws_sts_role(cred);
	const char *id = getenv("AWS_ACCESS_KEY_ID");
	const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *token = getenv("AWS_SESSION_TOKEN");
	const char *ep = getenv("AWS_ENDPOINT_URL_STS");
	uint32_t dur = aws_sts_duration();
	struct sigv4_req sr;
	int err;

	if (!region || !role) {
		re_snprintf(why, whysz, "aws roleArn needs aws_region");
		return EINVAL;
	}
	if (!id || !*id || !secret || !*secret) {
		re_snprintf(why, whysz,
			    "aws roleArn: no AWS_ACCESS_KEY_ID and "
			    "AWS_SECRET_ACCESS_KEY to ask STS with");
		return EINVAL;
	}
	re_snprintf(key, keysz, "aws-sts\n%s\n%s\n%u", region, role, dur);
	if (ep && *ep)
		err = re_sdprintf(&h->url, "%s%s", ep,
				  ep[strlen(ep) - 1] == '/' ? "" : "/");
	else
		err = re_sdprintf(&h->url, "https://sts.%s.amazonaws.com/",
				  region);
	if (!err)
		err = re_sdprintf(&h->body,
				  "Action=AssumeRole&DurationSeconds=%u"
				  "&RoleArn=%H&RoleSessionName=%s"
				  "&Version=2011-06-15",
				  dur, sigv4_enc, role, AWS_STS_SESSION);
	if (err)
		return ENOMEM;
	sr = (struct sigv4_req){
		.method = "POST",
		.url = h->url,
		.ctype = "application/x-www-form-urlencoded; charset=utf-8",
		.body = h->body,
		.body_len = strlen(h->body),
		.region = region,
		.service = "sts",
		.key_id = id,
		.secret = secret,
		.token = token && *token ? token : NULL,
		.now = time(NULL),
	};
	return sigv4_headers(&h->hdrs, &sr);
}

/* The text of <tag>...</tag> after from, entities decoded, into dst */
static int aws_sts_tag(struct mbuf *dst, const char *from, const char *end,
		       const char *tag)
{
	char open[40], close[40];
	const char *a, *b;
	size_t ol;

	re_snprintf(open, sizeof(open), "<%s>", tag);
	re_snprintf(close, sizeof(close), "</%s>", tag);
	ol = strlen(open);
	a = strstr(from, open);
	if (!a || a >= end)
		return EPROTO;
	a += ol;
	b = strstr(a, close);
	if (!b || b > end || b == a)
		return EPROTO;
	while (a < b) {
		static const struct {
			const char *ent;
			char c;
		} ents[] = {{"&amp;", '&'},
			    {"&lt;", '<'},
			    {"&gt;", '>'},
			    {"&quot;", '"'},
			    {"&apos;", '\''}};
		size_t i;

		/* a value is one line of printable text */
		if ((unsigned char)*a < 0x20 || *a == '<')
			return EPROTO;
		for (i = 0; *a == '&' && i < ARRAY_SIZE(ents); i++) {
			size_t n = strlen(ents[i].ent);

			if ((size_t)(b - a) >= n &&
			    !strncmp(a, ents[i].ent, n))
				break;
		}
		if (*a == '&' && i == ARRAY_SIZE(ents))
			return EPROTO;
		if (*a == '&') {
			(void)mbuf_write_u8(dst, (uint8_t)ents[i].c);
			a += strlen(ents[i].ent);
		} else {
			(void)mbuf_write_u8(dst, (uint8_t)*a++);
		}
	}
	return 0;
}

/* "2026-12-02T01:20:00Z" (or with fractions of seconds) */
static int aws_sts_time(time_t *tp, const char *s)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, sec;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) !=
	    6)
		return EPROTO;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*tp = timegm(&tm);
	return *tp == (time_t)-1 ? EPROTO : 0;
}

int aws_sts_parse(char **tokenp, int64_t *secsp, const struct fs_resp *resp)
{
	const char *c, *end = resp->body + resp->len;
	struct mbuf *mb = mbuf_alloc(1024);
	char exp[40];
	time_t at;
	int64_t secs, reset, dur = aws_sts_duration();
	int err;

	if (!mb)
		return ENOMEM;
	c = strstr(resp->body, "<AssumeRoleResult>");
	c = c ? strstr(c, "<Credentials>") : NULL;
	err = c ? 0 : EPROTO;
	if (!err)
		err = aws_sts_tag(mb, c, end, "AccessKeyId");
	if (!err && !(err = mbuf_write_u8(mb, '\n')))
		err = aws_sts_tag(mb, c, end, "SecretAccessKey");
	if (!err && !(err = mbuf_write_u8(mb, '\n')))
		err = aws_sts_tag(mb, c, end, "SessionToken");
	if (!err) {
		struct mbuf *e = mbuf_alloc(64);

		err = e ? aws_sts_tag(e, c, end, "Expiration") : ENOMEM;
		if (!err)
			str_ncpy(exp, (char *)e->buf,
				 e->end + 1 < sizeof(exp) ? e->end + 1
							  : sizeof(exp));
		mem_deref(e);
	}
	if (!err)
		err = aws_sts_time(&at, exp);
	if (!err) {
		/* renewed AWS_STS_SESSION_RESET_EXPIRY after it came (the
		 * duration less 10 minutes), and a minute before it ends
		 * at the latest */
		reset = aws_sts_env_u32(
			"AWS_STS_SESSION_RESET_EXPIRY",
			(uint32_t)(dur > 1200 ? dur - 600 : dur / 2), 1,
			43200);
		secs = (int64_t)(at - time(NULL)) - 60;
		*secsp = secs < reset ? (secs < 1 ? 1 : secs) : reset;
		mb->pos = 0;
		err = mbuf_strdup(mb, tokenp, mb->end);
	}
	if (mb->buf)
		explicit_bzero(mb->buf, mb->size);
	mem_deref(mb);
	return err;
}

int aws_sts_error(char *dst, size_t dstsz, const struct fs_resp *resp)
{
	const char *e = strstr(resp->body, "<Error>");
	const char *end = resp->body + resp->len;
	struct mbuf *mb;
	int err;

	if (!e)
		return ENOENT;
	mb = mbuf_alloc(256);
	if (!mb)
		return ENOENT;
	err = aws_sts_tag(mb, e, end, "Code");
	if (!err && !(err = mbuf_write_str(mb, ": ")))
		err = aws_sts_tag(mb, e, end, "Message");
	if (!err)
		str_ncpy(dst, (const char *)mb->buf,
			 mb->end + 1 < dstsz ? mb->end + 1 : dstsz);
	mem_deref(mb);
	return err ? ENOENT : 0;
}

int aws_sts_split(struct aws_sts_keys *k, char *buf, size_t bufsz,
		  const char *token)
{
	char *a, *b;

	if (!token || strlen(token) >= bufsz)
		return EINVAL;
	str_ncpy(buf, token, bufsz);
	a = strchr(buf, '\n');
	b = a ? strchr(a + 1, '\n') : NULL;
	if (!b)
		return EINVAL;
	*a++ = '\0';
	*b++ = '\0';
	k->id = buf;
	k->secret = a;
	k->session = b;
	return 0;
}

struct json_object *aws_sts_cred(const struct json_object *cred,
				 const char *token)
{
	struct json_object *o = NULL;
	struct aws_sts_keys k;
	char buf[4096];

	if (aws_sts_split(&k, buf, sizeof(buf), token) ||
	    json_object_deep_copy((struct json_object *)cred, &o, NULL))
		return NULL;
	json_object_object_add(o, "access_key_id",
			       json_object_new_string(k.id));
	json_object_object_add(o, "secret_access_key",
			       json_object_new_string(k.secret));
	json_object_object_add(o, "session_token",
			       json_object_new_string(k.session));
	/* the other spellings would be read first by some */
	json_object_object_del(o, "accessKeyId");
	json_object_object_del(o, "secretAccessKey");
	json_object_object_del(o, "sessionToken");
	json_object_object_del(o, "securityToken");
	explicit_bzero(buf, sizeof(buf));
	return o;
}
