/**
 * @file glue.c  Shared glue of the libFuzzer targets
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <re.h>
#define DEBUG_MODULE "fuzz"
#define DEBUG_LEVEL  0
#include <re_dbg.h>
#include <fs/fs_log.h>
#include "app.h"
#include "base/cfg.h"
#include "verb/loader.h"
#include "base/log.h"
#include "loop/loop.h"
#include "loop/registry.h"
#include "http/req.h"
#include "base/worker.h"
#include "fuzz.h"

/* network guard ---------------------------------------------------------- */

#define FUZZ_MAX_ALLOW 16

static struct sa fuzz_allow[FUZZ_MAX_ALLOW];
static unsigned fuzz_nallow;

void fuzz_net_allow(const struct sa *sa)
{
	if (fuzz_nallow < FUZZ_MAX_ALLOW)
		fuzz_allow[fuzz_nallow++] = *sa;
}

/* Netlink, UNIX and the like stay untouched: only IP is guarded */
static bool fuzz_net_ok(const struct sockaddr *addr, socklen_t len)
{
	struct sa sa;

	if (!addr || len < sizeof(sa_family_t))
		return true;
	if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
		return true;
	if (sa_set_sa(&sa, addr))
		return false;
	for (unsigned i = 0; i < fuzz_nallow; i++) {
		if (sa_cmp(&sa, &fuzz_allow[i], SA_ALL))
			return true;
	}
	return false;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *addr, socklen_t alen)
{
	static ssize_t (*real)(int, const void *, size_t, int,
			       const struct sockaddr *, socklen_t);

	if (!fuzz_net_ok(addr, alen))
		return (ssize_t)len; /* dropped on the way, as UDP may */
	if (!real)
		real = (ssize_t(*)(int, const void *, size_t, int,
				   const struct sockaddr *,
				   socklen_t))dlsym(RTLD_NEXT, "sendto");
	return real(fd, buf, len, flags, addr, alen);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);

	if (msg && !fuzz_net_ok(msg->msg_name, msg->msg_namelen)) {
		size_t n = 0;

		for (size_t i = 0; i < msg->msg_iovlen; i++)
			n += msg->msg_iov[i].iov_len;
		return (ssize_t)n;
	}
	if (!real)
		real = (ssize_t(*)(int, const struct msghdr *, int))dlsym(
			RTLD_NEXT, "sendmsg");
	return real(fd, msg, flags);
}

int connect(int fd, const struct sockaddr *addr, socklen_t alen)
{
	static int (*real)(int, const struct sockaddr *, socklen_t);

	if (!fuzz_net_ok(addr, alen)) {
		errno = ECONNREFUSED;
		return -1;
	}
	if (!real)
		real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(
			RTLD_NEXT, "connect");
	return real(fd, addr, alen);
}

/* process ---------------------------------------------------------------- */

void fuzz_init(void)
{
	static bool done;
	/* every log line is formatted (that code runs on outside text
	 * too); run.sh closes the target's stderr (-close_fd_mask=2) */
	enum fs_log_level lvl = FS_LOG_DEBUG;
	const char *env = getenv("FUZZ_LOG");

	if (done)
		return;
	done = true;
	/* webhooks and audio go to a proxy that is never let through */
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	setenv("https_proxy", "http://127.0.0.1:9", 1);
	setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:9", 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	if (env)
		(void)log_level_parse(env, &lvl);
	log_set_level(lvl);
	if (libre_init())
		abort();
	dbg_init(DBG_EMERG, 0);
	(void)fd_setsize(4096);
	if (req_global_init())
		abort();
}

const char *fuzz_plugin_dir(void)
{
	static char dir[1100];
	char exe[1024];
	ssize_t n;

	if (*dir)
		return dir;
	if (getenv("FUZZ_PLUGIN_DIR")) {
		str_ncpy(dir, getenv("FUZZ_PLUGIN_DIR"), sizeof(dir));
		return dir;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		abort();
	exe[n] = '\0';
	re_snprintf(dir, sizeof(dir), "%s/plugins", dirname(exe));
	return dir;
}

const char *fuzz_memfile(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("fuzz", 0);
		if (fd < 0)
			abort();
		re_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	return path;
}

static void fuzz_ready_h(int flags, void *arg)
{
	(void)flags;
	(void)arg;
	re_cancel();
}

/*
 * re_main() waits at least 1 ms when only a due timer would wake it. An
 * always-readable eventfd makes each round one epoll_wait() that returns
 * at once: the ready sockets are handled, due timers run, and the loop
 * stops.
 */
void fuzz_spin(unsigned rounds)
{
	static int efd = -1;

	if (efd < 0) {
		efd = eventfd(1, EFD_NONBLOCK);
		if (efd < 0)
			abort();
	}
	if (fd_listen(efd, FD_READ, fuzz_ready_h, NULL))
		abort();
	while (rounds--)
		(void)re_main(NULL);
	fd_close(efd);
}

static void fuzz_stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}

void fuzz_wait(unsigned ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, fuzz_stop_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&t);
}

/* in-process server ------------------------------------------------------ */

static const char fuzz_directory[] =
	"{\"accounts\":[{\"account_sid\":\"acct-1\","
	"\"webhook_secret\":\"s3cret\"},"
	"{\"account_sid\":\"acct-off\",\"is_active\":false}],"
	"\"applications\":["
	"{\"application_sid\":\"app-gather\",\"account_sid\":\"acct-1\","
	"\"call_status_hook\":\"http://127.0.0.1:9/status\","
	"\"app_json\":[{\"verb\":\"gather\",\"input\":[\"digits\"],"
	"\"numDigits\":2,\"timeout\":30,\"actionHook\":\"/action\"}]},"
	"{\"application_sid\":\"app-decline\",\"account_sid\":\"acct-1\","
	"\"app_json\":[{\"verb\":\"sip:decline\",\"status\":486,"
	"\"reason\":\"Busy\"}]},"
	"{\"application_sid\":\"app-hook\",\"account_sid\":\"acct-1\","
	"\"call_hook\":\"http://127.0.0.1:9/hook\"},"
	"{\"application_sid\":\"app-tag\",\"account_sid\":\"acct-1\","
	"\"app_json\":[{\"verb\":\"tag\",\"data\":{\"a\":1}},"
	"{\"verb\":\"hangup\"}]}],"
	"\"phone_numbers\":["
	"{\"number\":\"1000\",\"application_sid\":\"app-gather\"},"
	"{\"number\":\"2000\",\"application_sid\":\"app-decline\"},"
	"{\"number\":\"3000\",\"application_sid\":\"app-hook\"},"
	"{\"number\":\"+4000\",\"application_sid\":\"app-tag\"}]}";

static int fuzz_srv_client(struct fuzz_srv *s)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t slen = sizeof(sin);

	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(s->fd, (struct sockaddr *)&sin, &slen))
		return errno;
	sa_set_sa(&s->cli, (struct sockaddr *)&sin);
	fuzz_net_allow(&s->cli);
	return 0;
}

int fuzz_srv_start(struct fuzz_srv *s, const char *cfg_text)
{
	static char dirpath[] = "/tmp/fuzz-directory-XXXXXX";
	struct app *app;
	char err[512];
	int fd, e;

	fuzz_init();
	memset(s, 0, sizeof(*s));
	app = mem_zalloc(sizeof(*app), NULL);
	if (!app)
		return ENOMEM;
	s->app = app;
	e = fuzz_srv_client(s);
	if (e)
		return e;

	/* the directory is read once, at start: a real file is simplest */
	fd = mkstemp(dirpath);
	if (fd < 0 || write(fd, fuzz_directory, strlen(fuzz_directory)) !=
			      (ssize_t)strlen(fuzz_directory))
		return EIO;
	close(fd);

	{
		char *text = NULL;

		/* calls placed go to the client socket (the "SBC") */
		e = re_sdprintf(&text,
				"SIP_LISTEN=127.0.0.1:0\n"
				"RTP_PORT_MIN=62000\nRTP_PORT_MAX=62999\n"
				"HTTP_ADDR=127.0.0.1\n"
				"SIP_OUTBOUND_PROXY=sip:%J\n"
				"DIRECTORY_FILE=%s\n%s\n",
				&s->cli, dirpath, cfg_text ? cfg_text : "");
		if (e)
			return e;
		e = cfg_load(&app->cfg,
			     fuzz_memfile((uint8_t *)text, strlen(text)), err,
			     sizeof(err));
		mem_deref(text);
	}
	if (e) {
		fprintf(stderr, "fuzz: configuration: %s\n", err);
		return e;
	}
	e = loader_alloc(&app->loader, fuzz_plugin_dir(), 0);
	if (!e)
		e = loader_preload(app->loader, "say,play,gather,dial,hangup,"
						"pause,redirect,tag,config,"
						"sip:decline");
	if (e) {
		fprintf(stderr, "fuzz: plugins from %s: %s\n",
			fuzz_plugin_dir(), strerror(e));
		return e;
	}
	e = worker_alloc(&app->workers, 1);
	if (!e)
		e = registry_alloc(&app->registry, NULL);
	if (e)
		return e;
	/* with SIP_LOOPS > 1 the other loops are the client socket: what
	 * loop 0 forwards to them comes to the harness */
	app->nloops = app->cfg->sip_loops > 1 ? 2 : 1;
	app->loop_addr[1] = s->cli;
	e = loop_alloc(&app->loop, app, 0);
	unlink(dirpath);
	if (e)
		return e;
	app->req = app->loop->env.req;
	app->scopes = app->loop->env.scopes;
	e = sip_transp_laddr(app->loop->stk.sip, &s->sip, SIP_TRANSP_UDP,
			     NULL);
	if (e)
		return e;
	fuzz_net_allow(&s->sip);
	return 0;
}

void fuzz_srv_send(struct fuzz_srv *s, const uint8_t *msg, size_t len)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(sa_port(&s->sip));
	(void)sendto(s->fd, msg, len, 0, (struct sockaddr *)&sin, sizeof(sin));
}

/* The To tag of a response, so that later messages can be in-dialog */
static void fuzz_srv_note_tag(struct fuzz_srv *s, const char *p, size_t n)
{
	const char *end = p + n, *q;

	if (n < 8 || memcmp(p, "SIP/2.0 ", 8))
		return;
	for (q = p; q + 4 < end; q++) {
		const char *t, *te;

		if (q[0] != '\n' || (strncasecmp(q + 1, "To:", 3) &&
				     strncasecmp(q + 1, "t:", 2)))
			continue;
		te = memchr(q + 1, '\n', (size_t)(end - q - 1));
		if (!te)
			te = end;
		t = memmem(q, (size_t)(te - q), ";tag=", 5);
		if (!t)
			return;
		t += 5;
		n = strcspn(t, ";\r\n> ");
		if (t + n > te)
			n = (size_t)(te - t);
		if (n >= sizeof(s->tag))
			n = sizeof(s->tag) - 1;
		memcpy(s->tag, t, n);
		s->tag[n] = '\0';
		return;
	}
}

void fuzz_srv_drain(struct fuzz_srv *s)
{
	ssize_t n;

	while ((n = recv(s->fd, s->rbuf, sizeof(s->rbuf) - 1, 0)) > 0) {
		s->rbuf[n] = '\0';
		fuzz_srv_note_tag(s, s->rbuf, (size_t)n);
		if (!strncmp(s->rbuf, "INVITE ", 7)) {
			memcpy(s->inv, s->rbuf, (size_t)n + 1);
			s->ninv = (size_t)n;
		}
	}
}

void fuzz_srv_reset(struct fuzz_srv *s)
{
	/* let what is due (a refused webhook, a deferred free) finish */
	fuzz_wait(1);
	fuzz_spin(2);
	loop_close(s->app->loop);
	fuzz_spin(2);
	fuzz_srv_drain(s);
	s->tag[0] = '\0';
	s->ninv = 0;
	++s->iter;
}

struct mbuf *fuzz_srv_expand(const struct fuzz_srv *s, const uint8_t *msg,
			     size_t len)
{
	struct mbuf *mb = mbuf_alloc(len + 64);
	size_t i = 0;

	if (!mb)
		abort();
	while (i < len) {
		bool four = i + 4 <= len;

		if (msg[i] == '$' && i + 3 <= len) {
			if (four && !memcmp(msg + i + 1, "TAG", 3)) {
				(void)mbuf_write_str(mb, s->tag);
				i += 4;
				continue;
			}
			if (four && !memcmp(msg + i + 1, "CLI", 3)) {
				(void)mbuf_printf(mb, "%J", &s->cli);
				i += 4;
				continue;
			}
			if (!memcmp(msg + i + 1, "ID", 2)) {
				(void)mbuf_printf(mb, "%u", s->iter);
				i += 3;
				continue;
			}
			if (four && !memcmp(msg + i + 1, "SRV", 3)) {
				(void)mbuf_printf(mb, "%J", &s->sip);
				i += 4;
				continue;
			}
		}
		(void)mbuf_write_u8(mb, msg[i++]);
	}
	mb->pos = 0;
	return mb;
}

void fuzz_srv_answer(struct fuzz_srv *s, uint16_t scode)
{
	static const char sdp[] = "v=0\r\n"
				  "o=- 1 1 IN IP4 127.0.0.1\r\n"
				  "s=-\r\n"
				  "c=IN IP4 127.0.0.1\r\n"
				  "t=0 0\r\n"
				  "m=audio 4000 RTP/AVP 0 101\r\n"
				  "a=rtpmap:101 telephone-event/8000\r\n";
	const struct sip_hdr *via, *cseq;
	struct sip_msg *msg = NULL;
	struct mbuf *mb;
	char *resp = NULL;
	bool body = scode == 183 || scode == 200;

	if (!s->ninv)
		return;
	mb = mbuf_alloc(s->ninv);
	if (!mb)
		abort();
	(void)mbuf_write_mem(mb, (uint8_t *)s->inv, s->ninv);
	mb->pos = 0;
	if (sip_msg_decode(&msg, mb))
		goto out;
	via = sip_msg_hdr(msg, SIP_HDR_VIA);
	cseq = sip_msg_hdr(msg, SIP_HDR_CSEQ);
	if (!via || !cseq)
		goto out;
	if (re_sdprintf(&resp,
			"SIP/2.0 %u Fuzz\r\nVia: %r\r\nFrom: %r\r\n"
			"To: %r;tag=fz%u\r\nCall-ID: %r\r\nCSeq: %r\r\n"
			"Contact: <sip:fz@%J>\r\n%s"
			"Content-Length: %zu\r\n\r\n%s",
			scode, &via->val, &msg->from.val, &msg->to.val,
			s->iter, &msg->callid, &cseq->val, &s->cli,
			body ? "Content-Type: application/sdp\r\n" : "",
			body ? strlen(sdp) : (size_t)0, body ? sdp : ""))
		goto out;
	fuzz_srv_send(s, (uint8_t *)resp, strlen(resp));
out:
	mem_deref(resp);
	mem_deref(msg);
	mem_deref(mb);
}

void fuzz_srv_feed(struct fuzz_srv *s, const uint8_t *data, size_t size,
		   unsigned max)
{
	const uint8_t *p = data, *end = data + size;

	for (unsigned n = 0; n < max && p < end; n++) {
		const uint8_t *sep =
			memmem(p, (size_t)(end - p), "\n%%%\n", 5);
		const uint8_t *me = sep ? sep : end;
		struct mbuf *mb = fuzz_srv_expand(s, p, (size_t)(me - p));

		fuzz_srv_send(s, mbuf_buf(mb), mbuf_get_left(mb));
		mem_deref(mb);
		fuzz_spin(4);
		fuzz_srv_drain(s);
		p = sep ? sep + 5 : end;
	}
	fuzz_srv_reset(s);
}
