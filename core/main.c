/**
 * @file main.c  Process entry: options, configuration, start, run, stop
 */
#define _GNU_SOURCE /* sched_getaffinity */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <re.h>
#include "app.h"
#include "base/uuid.h"
#include "base/cfg.h"
#include "dir/dbpool.h"
#include "loop/life.h"
#include "verb/loader.h"
#include "base/log.h"
#include "base/notify.h"
#include "loop/loop.h"
#include "http/req.h"
#include "loop/registry.h"
#include "cluster/cluster.h"
#include "api/rest.h"
#include "loop/shard.h"
#include "loop/update.h"
#include "loop/loopstat.h"
#include "sip/sipcheck.h"
#include "base/worker.h"
#include "base/timer.h"
#include "sip/reuseport.h"
#include "base/memz.h"

_Static_assert(sizeof(((struct app *)0)->fs_uuid) == UUID_STR_LEN,
	       "app.h keeps the FS UUID in a buffer of UUID_STR_LEN");

/* fds for SIP, RTP (2 per leg), webhooks and HTTP clients */
#define MAIN_MAX_FDS 65536

static void main_usage(FILE *f)
{
	fprintf(f,
		"usage: feature-server [-c FILE] [--check-config] [--version] "
		"[--help]\n\n"
		"  -c, --config FILE  read settings from FILE (NAME=value "
		"lines)\n"
		"      --check-config load and check the configuration, then "
		"exit\n"
		"      --print-config print the effective settings, then "
		"exit\n"
		"  -v, --version      print the version\n"
		"  -h, --help         this text\n\n"
		"Settings (environment variables override the file):\n");
	cfg_print_help(f);
}

static void main_signal(int sig)
{
	fs_info("main", "signal %d: shutting down", sig);
	re_cancel();
}

/* Default plugin folder: "plugins" beside the binary */
static int main_plugin_dir(char **dirp, const struct cfg *cfg)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (cfg->plugin_dir && *cfg->plugin_dir)
		return str_dup(dirp, cfg->plugin_dir);

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return errno ? errno : ENOENT;
	exe[n] = '\0';
	return re_sdprintf(dirp, "%s/plugins", dirname(exe));
}

static void main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur >= MAIN_MAX_FDS)
		return;
	rl.rlim_cur = rl.rlim_max < MAIN_MAX_FDS ? rl.rlim_max : MAIN_MAX_FDS;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		fs_warn("main", "cannot raise open file limit: %m", errno);
}


/* SIP_LOOPS=auto: one loop per CPU this process may run on (taskset and
 * cpusets narrow it; the count of CPUs online would overcommit them) */
static unsigned main_loops(uint32_t want)
{
	unsigned n = want;
	cpu_set_t set;

	if (!n) {
		CPU_ZERO(&set);
		if (!sched_getaffinity(0, sizeof(set), &set))
			n = (unsigned)CPU_COUNT(&set);
		if (!n) {
			long c = sysconf(_SC_NPROCESSORS_ONLN);

			n = c > 0 ? (unsigned)c : 1;
		}
		if (n > APP_MAX_LOOPS)
			n = APP_MAX_LOOPS;
		fs_info("main", "SIP_LOOPS=auto: %u event loops", n);
	}
	return n > APP_MAX_LOOPS ? APP_MAX_LOOPS : n;
}
static int main_start(struct app *app)
{
	char *dir = NULL;
	int err;

	err = main_plugin_dir(&dir, app->cfg);
	if (err)
		return err;
	err = loader_alloc(&app->loader, dir, app->cfg->task_cache_size);
	if (!err)
		fs_info("main", "plugin folder %s", dir);
	mem_deref(dir);
	if (err)
		return err;

	/* a plugin that fails to preload is logged; the server still runs
	 * and the verb fails cleanly when used */
	if (app->cfg->preload_common)
		(void)loader_preload(app->loader, app->cfg->preload_tasks);
	else
		fs_info("main", "preloading off");

	app->sipstats = mem_zalloc(sizeof(*app->sipstats), NULL);
	if (!app->sipstats)
		return ENOMEM;

	/* before any thread starts: they inherit the blocked signals */
	err = life_alloc(&app->life, app);
	if (err) {
		fs_error("main", "signals: %m", err);
		return err;
	}

	/* blocking work (speech, decoding) runs on these threads */
	err = worker_alloc(&app->workers, 2);
	if (err)
		return err;
	if (*app->cfg->mysql_host) {
		const struct cfg *cfg = app->cfg;
		struct dbpool_conf dc = {
			.host = cfg->mysql_host,
			.port = (uint16_t)cfg->mysql_port,
			.user = cfg->mysql_user,
			.password = cfg->mysql_password,
			.database = cfg->mysql_database,
			.limit = cfg->mysql_conn_limit,
			.idle_timeout_ms = cfg->mysql_idle_timeout_ms,
			.acquire_timeout_ms = cfg->mysql_acquire_timeout_ms,
			.query_timeout_ms = cfg->mysql_query_timeout_ms,
		};

		err = dbpool_alloc(&app->dbpool, app->workers, &dc);
		if (err) {
			fs_error("main", "MySQL directory: %m", err);
			return err;
		}
	}
	err = cluster_alloc(&app->cluster, app);
	if (!err)
		err = registry_alloc(&app->registry, app->cluster);
	if (!err)
		err = update_alloc(&app->update);
	if (!err)
		err = loopstat_alloc(&app->loopstat);
	if (err)
		return err;
	app->nloops = main_loops(app->cfg->sip_loops);
	err = loop_alloc(&app->loop, app, 0);
	if (err) {
		fs_error("main", "cannot start: %m", err);
		return err;
	}
	for (unsigned i = 1; i < app->nloops; i++) {
		err = shard_start(&app->shards[i], app, i);
		if (err) {
			fs_error("main", "cannot start loop %u: %m", i, err);
			return err;
		}
	}
	err = cluster_start(app->cluster, &app->loop->stk);
	if (err)
		return err;
	/* the listener reads the first loop's figures */
	app->req = app->loop->env.req;
	app->scopes = app->loop->env.scopes;

	err = rest_alloc(&app->rest, app, app->cfg->http_addr,
			 (uint16_t)app->cfg->http_port);
	if (err) {
		fs_error("main", "HTTP listener on %s:%u: %m",
			 app->cfg->http_addr, app->cfg->http_port, err);
		return err;
	}
	str_ncpy(app->http_addr, app->cfg->http_addr, sizeof(app->http_addr));
	/* cfg_load refused this unless the operator asked for it */
	if (cfg_api_exposed(app->cfg, NULL))
		fs_warn("main",
			"HTTP_API_INSECURE: the REST API on %s:%u needs no "
			"key; anyone who reaches it can place calls and stop "
			"the server",
			app->cfg->http_addr, app->cfg->http_port);
	return 0;
}

static void main_stop(struct app *app)
{
	(void)notify_send("STOPPING=1");
	app->rest = mem_deref(app->rest);
	app->req = NULL;
	app->scopes = NULL;
	/* its pings use the first loop's SIP stack */
	cluster_stop(app->cluster);
	for (unsigned i = 1; i < APP_MAX_LOOPS; i++)
		app->shards[i] = mem_deref(app->shards[i]);
	app->loop = mem_deref(app->loop);
	/* lookups waiting for a connection give up, so workers join fast */
	dbpool_stop(app->dbpool);
	app->workers = mem_deref(app->workers);
	/* after the workers: their threads use the pool until joined */
	app->dbpool = mem_deref(app->dbpool);
	/* after the loops: jobs still travelling are freed here */
	app->update = mem_deref(app->update);
	app->loopstat = mem_deref(app->loopstat);
	app->registry = mem_deref(app->registry);
	/* after the worker pool: its threads talk to Redis until joined */
	app->cluster = mem_deref(app->cluster);
	app->life = mem_deref(app->life);
	app->loader = mem_deref(app->loader);
	app->cfg = mem_deref(app->cfg);
	app->sipstats = mem_deref(app->sipstats);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 'C'},
		{"print-config", no_argument, NULL, 'P'},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct app app = {0};
	const char *path = NULL;
	bool check = false, print = false;
	char err_msg[1024];
	int c, err;

	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'P':
			print = true;
			break;
		case 'v':
			printf("feature-server %s (plugin ABI %d.%d)\n",
			       FS_VERSION, FS_ABI_MAJOR, FS_ABI_MINOR);
			return 0;
		case 'h':
			main_usage(stdout);
			return 0;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "feature-server: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}

	/* the installed configuration, when no other is named */
	if (!path)
		path = cfg_default_path();
	app.cfg_path = path;
	uuid_v4(app.fs_uuid);
	err = cfg_load(&app.cfg, path, err_msg, sizeof(err_msg));
	if (err) {
		fprintf(stderr, "feature-server: configuration error: %s\n",
			err_msg);
		return 1;
	}
	if (check || print) {
		if (print)
			cfg_print(app.cfg, stdout);
		if (check)
			printf("configuration OK%s%s\n", path ? ": " : "",
			       path ? path : "");
		mem_deref(app.cfg);
		return 0;
	}
	log_configure(app.cfg->loglevel, app.cfg->logformat);

	/* without the override re_main() would poll libre's own list, so
	 * the timers started here would never fire, and libre's would go
	 * on walking its sorted list */
	if (timer_check() || reuseport_check() || memz_check()) {
		fprintf(stderr,
			"feature-server: libre's tmr_*, "
			"net_sockopt_reuse_set or mem_zalloc are not "
			"overridden (binary linked without its dynamic "
			"list?)\n");
		mem_deref(app.cfg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	main_raise_nofile();
	err = libre_init();
	if (err) {
		fprintf(stderr, "feature-server: libre_init: %s\n",
			strerror(err));
		mem_deref(app.cfg);
		return 1;
	}
	(void)fd_setsize(MAIN_MAX_FDS);
	timer_gauge_set(&app.loops[0].timers);
	app.loops[0].tid = (int)gettid();
	err = req_global_init();
	if (err)
		goto out;

	app.started_ms = tmr_jiffies();
	err = main_start(&app);
	if (err)
		goto out;

	fs_info("main", "feature-server %s ready (http %s:%u)", FS_VERSION,
		app.cfg->http_addr, app.cfg->http_port);
	life_ready(app.life);
	err = re_main(main_signal);

out:
	main_stop(&app);
	timer_gauge_set(NULL);
	req_global_close();
	libre_close();
	return err ? 1 : 0;
}
