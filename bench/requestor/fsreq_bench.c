/**
 * @file fsreq_bench.c  Drive the pooled requestor: N POSTs, C at a time
 *
 * Usage: fsreq_bench URL N C [BODY_BYTES] [SECRET]
 * Keeps C requests in flight over a pool of C connections (poolsize C)
 * until N have completed, then prints one JSON line with the wall time,
 * requests/s and the CPU seconds (user+sys) this process spent in the
 * measured window.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <re.h>
#include <json-c/json.h>
#include "http/req.h"
#include "base/log.h"

struct bench {
	struct fs_req *req;
	struct fs_hook hook;
	struct fs_req_opts opts;
	unsigned n;
	unsigned sent;
	unsigned done;
	unsigned errors;
	unsigned non200;
};

static void bench_send(struct bench *b);

static void on_resp(int err, const struct fs_resp *resp, void *arg)
{
	struct bench *b = arg;

	b->done++;
	if (err)
		b->errors++;
	else if (resp->status != 200)
		b->non200++;
	if (b->done == b->n)
		re_cancel();
	else if (b->sent < b->n)
		bench_send(b);
}

static void bench_send(struct bench *b)
{
	int err = fs_req_send(b->req, NULL, &b->hook, &b->opts, on_resp, b);

	b->sent++;
	if (err) {
		fprintf(stderr, "send: %s\n", strerror(err));
		on_resp(err, NULL, b);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct bench b;
	struct req_conf conf;
	struct json_object *m;
	size_t blen;
	char *body;
	unsigned c;
	double t0, c0, wall, cpu;

	if (argc < 4) {
		fprintf(stderr, "usage: %s URL N C [BODY_BYTES] [SECRET]\n",
			argv[0]);
		return 2;
	}
	memset(&b, 0, sizeof(b));
	b.hook.url = argv[1];
	b.n = (unsigned)strtoul(argv[2], NULL, 10);
	c = (unsigned)strtoul(argv[3], NULL, 10);
	blen = argc > 4 ? strtoul(argv[4], NULL, 10) : 200;
	if (!b.n || !c || blen < 8)
		return 2;

	/* a JSON body of blen bytes: {"d":"xxx..."} */
	body = calloc(1, blen + 1);
	if (!body)
		return 1;
	memset(body, 'x', blen);
	memcpy(body, "{\"d\":\"", 6);
	memcpy(body + blen - 2, "\"}", 2);
	b.opts.body = body;
	b.opts.secret = argc > 5 && *argv[5] ? argv[5] : NULL;

	log_set_level(FS_LOG_WARN);
	if (libre_init() || req_global_init())
		return 1;
	memset(&conf, 0, sizeof(conf));
	conf.poolsize = c;
	conf.timeout_ms = 10000;
	if (req_alloc(&b.req, &conf))
		return 1;

	t0 = now_s();
	c0 = cpu_s();
	for (unsigned i = 0; i < c && b.sent < b.n; i++)
		bench_send(&b);
	if (b.done < b.n)
		re_main(NULL);
	wall = now_s() - t0;
	cpu = cpu_s() - c0;

	m = json_object_new_object();
	req_metrics(b.req, m);
	printf("{\"client\":\"fsreq\",\"n\":%u,\"c\":%u,\"done\":%u,"
	       "\"errors\":%u,\"non200\":%u,\"secs\":%.3f,\"rps\":%.0f,"
	       "\"cpu\":%.3f,\"metrics\":%s}\n",
	       b.n, c, b.done, b.errors, b.non200, wall, b.done / wall, cpu,
	       json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	json_object_put(m);

	b.req = mem_deref(b.req);
	req_global_close();
	libre_close();
	free(body);
	return b.errors ? 1 : 0;
}
