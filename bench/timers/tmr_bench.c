/**
 * @file tmr_bench.c  Timer heap (core/base/timer.c) against libre's own
 *                    sorted list, same operations in the same run
 *
 * Usage: tmr_bench [-r ROUNDS] [-m OPS] [N...]   (default N: 1000 10000
 * 100000)
 *
 * For each N, each implementation runs on a thread of its own with its
 * own libre loop context (re_thread_init), so both use the thread's
 * timer list as in production and pay the same tmrl_get() and
 * tmr_jiffies(). N timers are armed first, spread evenly over 32 s
 * (SIP transaction timers of every age) and started in expiry order,
 * which is cheap for both (libre's list searches from its tail); they
 * sit 10 minutes ahead so that none expires during a slow run. Then:
 *   start   with N pending, start OPS more at random places among them;
 *   restart start those OPS again (armed: moved), at new random places;
 *   cancel  cancel those OPS again, in random order;
 *   expire  with N pending, start OPS timers of 1..20 ms (not measured:
 *           for libre each walks the whole list), wait 25 ms, and one
 *           tmr_poll() runs all OPS handlers.
 * Figures are ns per operation, the median of ROUNDS rounds, then the
 * ratio libre/heap. libre's functions are reached with dlsym(RTLD_NEXT)
 * past the executable's overrides; its tmr_cancel() is not used, because
 * it calls tmr_start() through libre's PLT, which may resolve to ours.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include "base/timer.h"

enum {
	OPS_DEFAULT = 2000,
	ROUNDS_MAX = 15,
	PHASES = 4,
	AHEAD_MS = 600000, /* the pending timers: 10 min ahead ... */
	SPREAD_MS = 32000, /* ... spread over 32 s */
};

static const char *const phase_name[PHASES] = {"start", "restart", "cancel",
					       "expire"};

typedef void(start_fn)(struct tmr *tmr, uint64_t delay, tmr_h *th, void *arg);
typedef void(poll_fn)(struct list *tmrl);

struct impl {
	const char *name;
	start_fn *start;
	poll_fn *poll;
};

struct job {
	const struct impl *im;
	uint32_t n;
	uint32_t ops;
	uint64_t seed;
	double ns[PHASES]; /* per operation */
	uint32_t fired;
	int err;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

static void fired_h(void *arg)
{
	++((struct job *)arg)->fired;
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	const struct impl *im = j->im;
	uint64_t s = j->seed, t0;
	uint32_t total = j->n + j->ops, *perm;
	struct tmr *t;

	j->err = re_thread_init();
	if (j->err)
		return NULL;
	t = calloc(total, sizeof(*t));
	perm = calloc(j->ops, sizeof(*perm));
	if (!t || !perm) {
		j->err = ENOMEM;
		goto out;
	}

	for (uint32_t i = 0; i < j->n; i++)
		im->start(&t[i], AHEAD_MS + (uint64_t)i * SPREAD_MS / j->n,
			  fired_h, j);

	t0 = now_ns();
	for (uint32_t i = 0; i < j->ops; i++)
		im->start(&t[j->n + i], AHEAD_MS + rnd(&s) % SPREAD_MS,
			  fired_h, j);
	j->ns[0] = (double)(now_ns() - t0) / j->ops;

	t0 = now_ns();
	for (uint32_t i = 0; i < j->ops; i++)
		im->start(&t[j->n + i], AHEAD_MS + rnd(&s) % SPREAD_MS,
			  fired_h, j);
	j->ns[1] = (double)(now_ns() - t0) / j->ops;

	for (uint32_t i = 0; i < j->ops; i++)
		perm[i] = j->n + i;
	for (uint32_t i = j->ops - 1; i > 0; i--) {
		uint32_t k = rnd(&s) % (i + 1), x = perm[i];

		perm[i] = perm[k];
		perm[k] = x;
	}
	t0 = now_ns();
	for (uint32_t i = 0; i < j->ops; i++)
		im->start(&t[perm[i]], 0, NULL, NULL); /* = tmr_cancel */
	j->ns[2] = (double)(now_ns() - t0) / j->ops;

	for (uint32_t i = 0; i < j->ops; i++)
		im->start(&t[j->n + i], 1 + rnd(&s) % 20, fired_h, j);
	usleep(25000);
	j->fired = 0;
	t0 = now_ns();
	im->poll(tmrl_get());
	j->ns[3] = (double)(now_ns() - t0) / j->ops;
	if (j->fired != j->ops)
		j->err = EPROTO;

	for (uint32_t i = 0; i < total; i++)
		im->start(&t[i], 0, NULL, NULL);
	/* the heap is gone with its last timer (libre's list is not ours
	 * to read) */
	if (im->poll == tmr_poll && timer_pending(tmrl_get()))
		j->err = EPROTO;
out:
	free(t);
	free(perm);
	re_thread_close();
	return NULL;
}

static int run_job(struct job *j)
{
	pthread_t tid;
	int err;

	err = pthread_create(&tid, NULL, job_main, j);
	if (err)
		return err;
	pthread_join(tid, NULL);
	return j->err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char *argv[])
{
	static uint32_t sizes_default[] = {1000, 10000, 100000};
	uint32_t *sizes = sizes_default, nsizes = 3, ops = OPS_DEFAULT;
	int rounds = 3, c, err;
	struct impl im[2] = {
		{"heap", tmr_start, tmr_poll},
		{"libre", NULL, NULL},
	};

	while ((c = getopt(argc, argv, "r:m:")) != -1) {
		switch (c) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'm':
			ops = (uint32_t)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (rounds < 1 || rounds > ROUNDS_MAX || ops < 1 || ops > 100000) {
		fprintf(stderr, "tmr_bench: bad arguments\n");
		return 2;
	}
	if (optind < argc) {
		nsizes = (uint32_t)(argc - optind);
		sizes = calloc(nsizes, sizeof(*sizes));
		if (!sizes)
			return 1;
		for (uint32_t i = 0; i < nsizes; i++) {
			long v = atol(argv[optind + (int)i]);

			if (v < 1 || v > 1000000) {
				fprintf(stderr, "tmr_bench: N from 1 to "
						"1000000\n");
				return 2;
			}
			sizes[i] = (uint32_t)v;
		}
	}

	im[1].start = (start_fn *)dlsym(RTLD_NEXT, "tmr_start");
	im[1].poll = (poll_fn *)dlsym(RTLD_NEXT, "tmr_poll");
	if (!im[1].start || !im[1].poll || im[1].start == tmr_start) {
		fprintf(stderr, "tmr_bench: libre's tmr_start not found past "
				"the override\n");
		return 1;
	}

	err = libre_init();
	if (err)
		return 1;

	printf("%8s %-7s %12s %12s %10s\n", "pending", "op", "libre ns/op",
	       "heap ns/op", "libre/heap");
	for (uint32_t k = 0; k < nsizes; k++) {
		double v[2][PHASES][ROUNDS_MAX];

		for (int r = 0; r < rounds; r++) {
			/* alternate which goes first */
			for (int x = 0; x < 2; x++) {
				int i = (r + x) % 2;
				struct job j = {.im = &im[i],
						.n = sizes[k],
						.ops = ops,
						.seed = 0x9e3779b97f4a7c15ULL +
							(uint64_t)r};

				err = run_job(&j);
				if (err) {
					fprintf(stderr,
						"tmr_bench: %s, N=%u: %s\n",
						im[i].name, sizes[k],
						strerror(err));
					return 1;
				}
				for (int p = 0; p < PHASES; p++)
					v[i][p][r] = j.ns[p];
			}
		}
		for (int p = 0; p < PHASES; p++) {
			double h = median(v[0][p], rounds);
			double l = median(v[1][p], rounds);

			printf("%8u %-7s %12.1f %12.1f %10.2f\n", sizes[k],
			       phase_name[p], l, h, h > 0 ? l / h : 0);
		}
		fflush(stdout);
	}

	libre_close();
	if (sizes != sizes_default)
		free(sizes);
	return 0;
}
