/*
 * firstrtp: a SIP UAC over UDP measuring, per call, the time from sending
 * the INVITE to receiving its 200 OK and to receiving the first RTP
 * datagram on the call's own RTP port.
 *
 *   firstrtp -t IP:PORT [-n CALLS] [-r CPS] [-T SECS] [-H SECS] [-u USER]
 *
 * Places CALLS calls at CPS calls per second to IP:PORT from 127.0.0.1,
 * each offering PCMU (0) and PCMA (8) on an RTP socket of its own. On a
 * 2xx it sends the ACK (a new transaction, to the same address), then
 * waits for the peer's BYE and answers it with 200 OK; a call the peer
 * has not hung up -H seconds (default 10) after its 200 is hung up with a
 * BYE of ours. Provisional responses stop the INVITE retransmissions
 * (Timer A, from 500 ms, doubling); no final response 32 s after the
 * INVITE (Timer B) fails the call, as does a final response >= 300 (which
 * is ACKed). The whole run ends after -T seconds (default CALLS / CPS +
 * 40) whatever state the calls are in.
 *
 * Prints one line of key=value pairs:
 *   calls answered failed timeout bye nobye rtp
 *   inv200_p50 inv200_p99 invrtp_p50 invrtp_p99 (ms; n/a without samples)
 *   wall (s)
 * and exits 0 when every call was answered, 1 otherwise.
 *
 * Plain POSIX sockets and epoll; loopback only by intent, no libre.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define T1_NS      500000000LL
#define TIMER_B_NS (64 * T1_NS)
#define MAXMSG     8192

enum state { ST_NEW, ST_CALLING, ST_PROCEEDING, ST_ANSWERED, ST_DONE };

enum outcome { OC_NONE, OC_BYE, OC_NOBYE, OC_FAILED, OC_TIMEOUT };

struct call {
	enum state st;
	enum outcome oc;
	int rtp_fd;
	uint16_t rtp_port;
	int64_t t_inv;    /* first INVITE sent */
	int64_t t_retx;   /* next INVITE retransmission */
	int64_t retx_ivl; /* current Timer A interval */
	int64_t t_200;    /* 2xx received, 0 = not yet */
	int64_t t_rtp;    /* first RTP datagram, 0 = not yet */
	char *invite;     /* the INVITE as sent, for retransmissions */
	size_t invite_len;
	char *to;                /* To header line of the 2xx (with tag) */
	char *contact;           /* Contact URI of the 2xx */
	struct sockaddr_in peer; /* where ACK and BYE go: the Contact */
};

static struct call *calls;
static int ncalls = 100;
static double cps = 10;
static int sip_fd, ep_fd;
static struct sockaddr_in target, local;
static char local_str[64], target_str[64];
static const char *user = "15550000000";
static long run_tag;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "firstrtp: %s: %s\n", what, strerror(errno));
	exit(2);
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p) {
		fprintf(stderr, "firstrtp: out of memory\n");
		exit(2);
	}
	return p;
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t hl;

	if (!colon || (hl = (size_t)(colon - s)) >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static void send_sip_to(const struct sockaddr_in *to, const char *buf,
			size_t len)
{
	if (sendto(sip_fd, buf, len, 0, (const struct sockaddr *)to,
		   sizeof(*to)) < 0 &&
	    errno != EAGAIN && errno != EWOULDBLOCK)
		perror("firstrtp: sendto");
}

static void send_sip(const char *buf, size_t len)
{
	send_sip_to(&target, buf, len);
}

static int open_rtp(uint16_t *port)
{
	struct sockaddr_in sa = local;
	socklen_t sl = sizeof(sa);
	int rcvbuf = 4096;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sa.sin_port = 0;
	/* after its first datagram the socket is no longer read: a small
	 * buffer lets the rest be dropped quietly (no ICMP to the sender) */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static void close_rtp(struct call *c)
{
	if (c->rtp_fd >= 0) {
		close(c->rtp_fd); /* also leaves the epoll set */
		c->rtp_fd = -1;
	}
}

static void finish(struct call *c, enum outcome oc)
{
	c->st = ST_DONE;
	c->oc = oc;
	close_rtp(c);
	free(c->invite);
	c->invite = NULL;
}

static void start_call(int i)
{
	struct call *c = &calls[i];
	struct epoll_event ev = {.events = EPOLLIN};
	char sdp[512], msg[2048];
	int sl, ml;

	c->rtp_fd = open_rtp(&c->rtp_port);
	c->t_inv = now_ns();
	if (c->rtp_fd < 0) {
		perror("firstrtp: RTP socket");
		finish(c, OC_FAILED);
		return;
	}
	ev.data.u64 = (uint64_t)i + 1;
	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, c->rtp_fd, &ev) < 0)
		die("epoll_ctl");
	sl = snprintf(sdp, sizeof(sdp),
		      "v=0\r\n"
		      "o=- %d 1 IN IP4 %s\r\n"
		      "s=-\r\n"
		      "c=IN IP4 %s\r\n"
		      "t=0 0\r\n"
		      "m=audio %u RTP/AVP 0 8\r\n"
		      "a=rtpmap:0 PCMU/8000\r\n"
		      "a=rtpmap:8 PCMA/8000\r\n"
		      "a=sendrecv\r\n",
		      i + 1, inet_ntoa(local.sin_addr),
		      inet_ntoa(local.sin_addr), c->rtp_port);
	ml = snprintf(msg, sizeof(msg),
		      "INVITE sip:%s@%s SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP %s;branch=z9hG4bK-%lx-%d-i;rport\r\n"
		      "From: <sip:firstrtp@%s>;tag=f%lx-%d\r\n"
		      "To: <sip:%s@%s>\r\n"
		      "Call-ID: fr%lx-%d@%s\r\n"
		      "CSeq: 1 INVITE\r\n"
		      "Contact: <sip:firstrtp@%s>\r\n"
		      "Max-Forwards: 70\r\n"
		      "Content-Type: application/sdp\r\n"
		      "Content-Length: %d\r\n\r\n%s",
		      user, target_str, local_str, run_tag, i, local_str,
		      run_tag, i, user, target_str, run_tag, i,
		      inet_ntoa(local.sin_addr), local_str, sl, sdp);
	c->invite = xstrndup(msg, (size_t)ml);
	c->invite_len = (size_t)ml;
	c->st = ST_CALLING;
	c->retx_ivl = T1_NS;
	c->t_retx = c->t_inv + T1_NS;
	send_sip(c->invite, c->invite_len);
}

/* a header's value (full or compact name), up to the end of its line */
static const char *hdr(const char *msg, const char *name, char compact,
		       size_t *len)
{
	const char *p = msg, *end = strstr(msg, "\r\n\r\n");
	size_t nl = strlen(name);

	if (!end)
		end = msg + strlen(msg);
	while (p && p < end) {
		const char *eol = strstr(p, "\r\n"), *v = NULL;

		if (!eol || eol > end)
			eol = end;
		if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) &&
		    (p[nl] == ':' || p[nl] == ' ' || p[nl] == '\t'))
			v = p + nl;
		else if (compact && eol - p > 1 &&
			 tolower((unsigned char)p[0]) == compact &&
			 (p[1] == ':' || p[1] == ' ' || p[1] == '\t'))
			v = p + 1;
		if (v) {
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if (v < eol && *v == ':')
				v++;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*len = (size_t)(eol - v);
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

/* the call index from our Call-ID "fr<tag>-<index>@..." */
static int call_index(const char *msg)
{
	size_t len;
	const char *v = hdr(msg, "Call-ID", 'i', &len);
	char want[32];
	int n;
	long idx;
	char *end;

	if (!v)
		return -1;
	n = snprintf(want, sizeof(want), "fr%lx-", run_tag);
	if (len <= (size_t)n || strncmp(v, want, (size_t)n))
		return -1;
	idx = strtol(v + n, &end, 10);
	if (end == v + n || *end != '@' || idx < 0 || idx >= ncalls)
		return -1;
	return (int)idx;
}

/* answer a request with a status, echoing Via, From, To, Call-ID, CSeq */
static void respond(const char *msg, const char *status,
		    const struct sockaddr_in *src)
{
	static const struct {
		const char *name;
		char compact;
	} copy[] = {{"From", 'f'}, {"To", 't'}, {"Call-ID", 'i'}, {"CSeq", 0}};
	char out[MAXMSG];
	size_t off = 0;
	const char *p = msg, *end = strstr(msg, "\r\n\r\n");
	off += (size_t)snprintf(out, sizeof(out), "SIP/2.0 %s\r\n", status);
	/* every Via, in order */
	while (end && p < end) {
		const char *eol = strstr(p, "\r\n");

		if (!eol || eol > end)
			eol = end;
		if ((!strncasecmp(p, "Via", 3) &&
		     (p[3] == ':' || p[3] == ' ')) ||
		    ((p[0] == 'v' || p[0] == 'V') &&
		     (p[1] == ':' || p[1] == ' '))) {
			size_t l = (size_t)(eol - p);

			if (off + l + 2 >= sizeof(out))
				return;
			memcpy(out + off, p, l);
			off += l;
			out[off++] = '\r';
			out[off++] = '\n';
		}
		p = eol + 2;
	}
	for (size_t k = 0; k < sizeof(copy) / sizeof(copy[0]); k++) {
		size_t l;
		const char *v = hdr(msg, copy[k].name, copy[k].compact, &l);

		if (!v)
			return;
		if (off + l + strlen(copy[k].name) + 4 >= sizeof(out))
			return;
		off += (size_t)snprintf(out + off, sizeof(out) - off,
					"%s: %.*s\r\n", copy[k].name, (int)l,
					v);
	}
	if (off + 32 >= sizeof(out))
		return;
	off += (size_t)snprintf(out + off, sizeof(out) - off,
				"Content-Length: 0\r\n\r\n");
	/* to the request's source address (with rport, where the top Via
	 * would send it) */
	send_sip_to(src, out, off);
}

/* ACK (2xx: its own transaction; otherwise the INVITE's branch) or BYE */
static void send_in_dialog(int i, const char *method, const char *branch,
			   int cseq)
{
	struct call *c = &calls[i];
	char msg[MAXMSG];
	int ml;

	ml = snprintf(msg, sizeof(msg),
		      "%s %s SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP %s;branch=z9hG4bK-%lx-%d-%s;rport\r\n"
		      "From: <sip:firstrtp@%s>;tag=f%lx-%d\r\n"
		      "To: %s\r\n"
		      "Call-ID: fr%lx-%d@%s\r\n"
		      "CSeq: %d %s\r\n"
		      "Max-Forwards: 70\r\n"
		      "Content-Length: 0\r\n\r\n",
		      method, c->contact, local_str, run_tag, i, branch,
		      local_str, run_tag, i, c->to, run_tag, i,
		      inet_ntoa(local.sin_addr), cseq, method);
	if (ml > 0 && (size_t)ml < sizeof(msg))
		send_sip_to(&c->peer, msg, (size_t)ml);
}

/* the address of a Contact URI "sip:[user@]a.b.c.d[:port][;...]"; the
 * target when it names no usable IPv4 address */
static void contact_addr(const char *uri, struct sockaddr_in *sa)
{
	const char *h = strchr(uri, '@');
	char host[64];
	size_t k = 0;
	unsigned port = 5060;

	*sa = target;
	if (!h)
		h = strchr(uri, ':');
	if (!h)
		return;
	h++;
	while (h[k] && h[k] != ':' && h[k] != ';' && h[k] != '>' &&
	       k + 1 < sizeof(host)) {
		host[k] = h[k];
		k++;
	}
	host[k] = '\0';
	if (h[k] == ':')
		port = (unsigned)atoi(h + k + 1);
	{
		struct sockaddr_in c = {.sin_family = AF_INET};

		if (inet_pton(AF_INET, host, &c.sin_addr) != 1 ||
		    c.sin_addr.s_addr == htonl(INADDR_ANY) || !port ||
		    port > 65535)
			return;
		c.sin_port = htons((uint16_t)port);
		*sa = c;
	}
}

static void keep_dialog(struct call *c, const char *msg)
{
	size_t len;
	const char *v;

	free(c->to);
	free(c->contact);
	v = hdr(msg, "To", 't', &len);
	c->to = v ? xstrndup(v, len) : xstrndup("<sip:x@invalid>", 15);
	c->contact = NULL;
	v = hdr(msg, "Contact", 'm', &len);
	if (v) {
		const char *lt = memchr(v, '<', len), *gt;

		if (lt && (gt = memchr(lt, '>', len - (size_t)(lt - v))))
			c->contact = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		else {
			size_t k = 0;

			while (k < len && v[k] != ';' && v[k] != ' ')
				k++;
			c->contact = xstrndup(v, k);
		}
	}
	if (!c->contact) {
		char uri[160];

		snprintf(uri, sizeof(uri), "sip:%s@%s", user, target_str);
		c->contact = xstrndup(uri, strlen(uri));
	}
	contact_addr(c->contact, &c->peer);
}

static void on_response(const char *msg, int code)
{
	int i = call_index(msg);
	struct call *c;
	size_t len;
	const char *cseq = hdr(msg, "CSeq", 0, &len);

	if (i < 0 || !cseq)
		return;
	c = &calls[i];
	if (!memmem(cseq, len, "INVITE", 6))
		return; /* the answer to our BYE: nothing to do */
	if (code < 200) {
		if (c->st == ST_CALLING)
			c->st = ST_PROCEEDING;
		return;
	}
	if (code < 300) {
		if (c->st == ST_CALLING || c->st == ST_PROCEEDING) {
			c->t_200 = now_ns();
			c->st = ST_ANSWERED;
			free(c->invite);
			c->invite = NULL;
		}
		if (c->st == ST_ANSWERED || c->oc == OC_BYE ||
		    c->oc == OC_NOBYE) {
			/* first 2xx or a retransmission: ACK it */
			keep_dialog(c, msg);
			send_in_dialog(i, "ACK", "a", 1);
		} else if (c->oc == OC_TIMEOUT && !c->to) {
			/* answered after we gave up: take it down (once) */
			keep_dialog(c, msg);
			send_in_dialog(i, "ACK", "a", 1);
			send_in_dialog(i, "BYE", "b", 2);
		}
		return;
	}
	/* a failure: ACK it on the INVITE's transaction */
	if (c->st == ST_CALLING || c->st == ST_PROCEEDING) {
		keep_dialog(c, msg);
		free(c->contact);
		{
			char uri[160];

			snprintf(uri, sizeof(uri), "sip:%s@%s", user,
				 target_str);
			c->contact = xstrndup(uri, strlen(uri));
		}
		c->peer = target;
		send_in_dialog(i, "ACK", "i", 1);
		finish(c, OC_FAILED);
		fprintf(stderr, "firstrtp: call %d: %d\n", i, code);
	}
}

static void on_request(const char *msg, const struct sockaddr_in *src)
{
	int i = call_index(msg);

	if (!strncmp(msg, "ACK ", 4))
		return;
	if (!strncmp(msg, "BYE ", 4)) {
		respond(msg, "200 OK", src);
		if (i >= 0 && calls[i].st == ST_ANSWERED)
			finish(&calls[i], OC_BYE);
		return;
	}
	if (!strncmp(msg, "INVITE ", 7)) {
		respond(msg, "488 Not Acceptable Here", src);
		return;
	}
	respond(msg, "200 OK", src);
}

static void read_sip(void)
{
	char buf[MAXMSG + 1];

	for (;;) {
		struct sockaddr_in src;
		socklen_t sl = sizeof(src);
		ssize_t n = recvfrom(sip_fd, buf, MAXMSG, 0,
				     (struct sockaddr *)&src, &sl);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf[n] = '\0';
		if (n > 12 && !strncmp(buf, "SIP/2.0 ", 8))
			on_response(buf, atoi(buf + 8));
		else if (n > 12)
			on_request(buf, &src);
	}
}

static void read_rtp(int i)
{
	struct call *c = &calls[i];
	char buf[2048];
	ssize_t n = recv(c->rtp_fd, buf, sizeof(buf), 0);

	if (n < 12 || c->t_rtp)
		return;
	c->t_rtp = now_ns();
	/* one datagram is all we measure */
	(void)epoll_ctl(ep_fd, EPOLL_CTL_DEL, c->rtp_fd, NULL);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void pct(const char *key, int64_t *v, int n)
{
	if (!n) {
		printf(" %s_p50=n/a %s_p99=n/a", key, key);
		return;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	/* nearest rank */
	printf(" %s_p50=%.3f %s_p99=%.3f", key,
	       (double)v[(n * 50 + 99) / 100 - 1] / 1e6, key,
	       (double)v[(n * 99 + 99) / 100 - 1] / 1e6);
}

static void usage(void)
{
	fprintf(stderr, "usage: firstrtp -t IP:PORT [-n CALLS] [-r CPS] "
			"[-T SECS] [-H SECS] [-u USER]\n");
	exit(2);
}

int main(int argc, char *argv[])
{
	double total_s = -1, hold_s = 10;
	int64_t t0, deadline, hold_ns, ivl_ns;
	struct rlimit rl;
	socklen_t sl = sizeof(local);
	int opt, next = 0, lo = 0, active;
	int answered = 0, failed = 0, timeout = 0, bye = 0, nobye = 0, rtp = 0,
	    n200 = 0, nrtp = 0;
	int64_t *d200, *drtp;

	target.sin_family = 0;
	while ((opt = getopt(argc, argv, "t:n:r:T:H:u:")) != -1) {
		switch (opt) {
		case 't':
			if (parse_addr(optarg, &target))
				usage();
			break;
		case 'n':
			ncalls = atoi(optarg);
			break;
		case 'r':
			cps = atof(optarg);
			break;
		case 'T':
			total_s = atof(optarg);
			break;
		case 'H':
			hold_s = atof(optarg);
			break;
		case 'u':
			user = optarg;
			break;
		default:
			usage();
		}
	}
	if (!target.sin_family || ncalls < 1 || cps <= 0)
		usage();
	if (total_s <= 0)
		total_s = ncalls / cps + 40;

	/* one RTP socket per call in flight */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	calls = calloc((size_t)ncalls, sizeof(*calls));
	d200 = calloc((size_t)ncalls, sizeof(*d200));
	drtp = calloc((size_t)ncalls, sizeof(*drtp));
	if (!calls || !d200 || !drtp)
		die("calloc");
	for (int i = 0; i < ncalls; i++)
		calls[i].rtp_fd = -1;
	run_tag = (long)getpid() << 16 ^ (long)(now_ns() & 0xffff);

	sip_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sip_fd < 0)
		die("socket");
	{
		int buf = 4 << 20;

		(void)setsockopt(sip_fd, SOL_SOCKET, SO_RCVBUF, &buf,
				 sizeof(buf));
		(void)setsockopt(sip_fd, SOL_SOCKET, SO_SNDBUF, &buf,
				 sizeof(buf));
	}
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(sip_fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    getsockname(sip_fd, (struct sockaddr *)&local, &sl) < 0)
		die("bind");
	snprintf(local_str, sizeof(local_str), "%s:%u",
		 inet_ntoa(local.sin_addr), ntohs(local.sin_port));
	snprintf(target_str, sizeof(target_str), "%s:%u",
		 inet_ntoa(target.sin_addr), ntohs(target.sin_port));

	ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (ep_fd < 0)
		die("epoll_create1");
	{
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};

		if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, sip_fd, &ev) < 0)
			die("epoll_ctl");
	}

	t0 = now_ns();
	deadline = t0 + (int64_t)(total_s * 1e9);
	hold_ns = (int64_t)(hold_s * 1e9);
	ivl_ns = (int64_t)(1e9 / cps);
	for (;;) {
		struct epoll_event evs[256];
		int64_t now = now_ns(), wake = now + 5000000;
		int n, ms;

		/* place the calls due by now */
		while (next < ncalls && now >= t0 + next * ivl_ns)
			start_call(next++);
		if (next < ncalls && t0 + next * ivl_ns < wake)
			wake = t0 + next * ivl_ns;

		/* timers: INVITE retransmissions, Timer B, the hold limit;
		 * calls below lo are all done */
		active = ncalls - next;
		while (lo < next && calls[lo].st == ST_DONE)
			lo++;
		for (int i = lo; i < next; i++) {
			struct call *c = &calls[i];

			if (c->st == ST_DONE)
				continue;
			active++;
			if ((c->st == ST_CALLING || c->st == ST_PROCEEDING) &&
			    now - c->t_inv >= TIMER_B_NS) {
				finish(c, OC_TIMEOUT);
				continue;
			}
			if (c->st == ST_CALLING && now >= c->t_retx) {
				send_sip(c->invite, c->invite_len);
				/* INVITE: doubling, no T2 cap (RFC 3261
				 * 17.1.1.2), until Timer B */
				c->retx_ivl *= 2;
				c->t_retx = now + c->retx_ivl;
			}
			if (c->st == ST_ANSWERED &&
			    now - c->t_200 >= hold_ns) {
				send_in_dialog(i, "BYE", "b", 2);
				finish(c, OC_NOBYE);
			}
		}
		if (!active)
			break;
		if (now >= deadline) {
			/* leave nothing up at the peer */
			for (int i = 0; i < next; i++)
				if (calls[i].st == ST_ANSWERED) {
					send_in_dialog(i, "BYE", "b", 2);
					finish(&calls[i], OC_NOBYE);
				}
			break;
		}

		ms = (int)((wake - now + 999999) / 1000000);
		if (ms < 0)
			ms = 0;
		n = epoll_wait(ep_fd, evs, 256, ms);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int k = 0; k < n; k++) {
			if (evs[k].data.u64 == 0)
				read_sip();
			else
				read_rtp((int)(evs[k].data.u64 - 1));
		}
	}

	for (int i = 0; i < ncalls; i++) {
		struct call *c = &calls[i];

		if (c->t_200) {
			answered++;
			d200[n200++] = c->t_200 - c->t_inv;
		}
		if (c->t_rtp) {
			rtp++;
			drtp[nrtp++] = c->t_rtp - c->t_inv;
		}
		switch (c->oc) {
		case OC_BYE:
			bye++;
			break;
		case OC_NOBYE:
			nobye++;
			break;
		case OC_FAILED:
			failed++;
			break;
		case OC_TIMEOUT:
			timeout++;
			break;
		case OC_NONE:
			/* still in flight at the deadline */
			if (c->st == ST_ANSWERED)
				nobye++;
			else
				timeout++;
			break;
		}
	}
	printf("calls=%d answered=%d failed=%d timeout=%d bye=%d nobye=%d "
	       "rtp=%d",
	       ncalls, answered, failed, timeout, bye, nobye, rtp);
	pct("inv200", d200, n200);
	pct("invrtp", drtp, nrtp);
	printf(" wall=%.2f\n", (double)(now_ns() - t0) / 1e9);
	return answered == ncalls ? 0 : 1;
}
