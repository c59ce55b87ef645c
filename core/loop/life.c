/**
 * @file life.c  Lifecycle: reload, drain, readiness (signals, REST, systemd)
 *
 * Signals arrive through a signalfd watched by the first loop, so the
 * work they trigger runs on the loop like any other event; the signals
 * are blocked in every thread (set before the other threads start).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include "base/cfg.h"
#include "verb/loader.h"
#include "base/log.h"
#include "base/notify.h"
#include "loop/loop.h"
#include "loop/life.h"
#include "http/req.h"
#include "base/scope.h"
#include "loop/shard.h"

#define LIFE_IDLE_POLL_MS   200
#define LIFE_RETIRE_POLL_MS 100

struct life {
	struct app *app;
	int sfd;
	struct tmr idle;
	struct tmr retire;    /* frees old_cfgs once no loop reads them */
	struct list old_cfgs; /* replaced, until every shard moved on */
	uint64_t cfg_gen;     /* reloads applied so far */
	bool exit_when_idle;
};

struct life_cfg {
	struct le le;
	struct cfg *cfg;
	uint64_t gen; /* the reload that replaced it */
};

static void life_cfg_destructor(void *data)
{
	struct life_cfg *lc = data;

	list_unlink(&lc->le);
	mem_deref(lc->cfg);
}

static void life_destructor(void *data)
{
	struct life *lf = data;

	tmr_cancel(&lf->idle);
	tmr_cancel(&lf->retire);
	if (lf->sfd >= 0) {
		fd_close(lf->sfd);
		close(lf->sfd);
	}
	list_flush(&lf->old_cfgs);
}

static void life_idle_check(void *arg)
{
	struct life *lf = arg;
	uint32_t active =
		__atomic_load_n(&lf->app->calls_active, __ATOMIC_RELAXED);

	if (active) {
		tmr_start(&lf->idle, LIFE_IDLE_POLL_MS, life_idle_check, lf);
		return;
	}
	fs_info("life", "drained: no calls left, exiting");
	(void)notify_send("STOPPING=1");
	re_cancel();
}

void life_drain(struct life *lf, bool exit_when_idle)
{
	if (!lf)
		return;
	if (!__atomic_exchange_n(&lf->app->draining, true, __ATOMIC_RELAXED))
		fs_info("life", "draining: new calls are refused (%u running)",
			lf->app->calls_active);
	if (exit_when_idle && !lf->exit_when_idle) {
		lf->exit_when_idle = true;
		fs_info("life", "will exit when the last call ends");
		tmr_start(&lf->idle, 0, life_idle_check, lf);
	}
}

/* Settings read only at start: name the ones a reload cannot apply */
static void life_restart_needed(const struct cfg *a, const struct cfg *b)
{
	static const struct {
		const char *name;
		size_t off;
		bool str;
	} fields[] = {
		{"SIP_LISTEN", offsetof(struct cfg, sip_listen), true},
		{"SIP_LOOPS", offsetof(struct cfg, sip_loops), false},
		{"RTP_PORT_MIN", offsetof(struct cfg, rtp_port_min), false},
		{"RTP_PORT_MAX", offsetof(struct cfg, rtp_port_max), false},
		{"HTTP_ADDR", offsetof(struct cfg, http_addr), true},
		{"HTTP_PORT", offsetof(struct cfg, http_port), false},
		{"PLUGIN_DIR", offsetof(struct cfg, plugin_dir), true},
		{"DIRECTORY_FILE", offsetof(struct cfg, directory_file), true},
		{"DEFAULT_CALL_HOOK", offsetof(struct cfg, default_call_hook),
		 true},
		{"JAMBONES_MYSQL_HOST", offsetof(struct cfg, mysql_host),
		 true},
		{"TTS_VENDOR", offsetof(struct cfg, tts_vendor), true},
		{"RTP_SOURCE_CHECK", offsetof(struct cfg, rtp_source_check),
		 true},
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *pa = (const char *)a + fields[i].off;
		const char *pb = (const char *)b + fields[i].off;
		bool diff;

		if (fields[i].str)
			diff = strcmp(*(char *const *)(const void *)pa,
				      *(char *const *)(const void *)pb);
		else
			diff = *(const uint32_t *)(const void *)pa !=
			       *(const uint32_t *)(const void *)pb;
		if (diff)
			fs_warn("life", "%s changed: needs a restart to apply",
				fields[i].name);
	}
}

/*
 * Free the configurations every shard has moved past. A shard reads
 * app->cfg afresh in each event, so once it has handled the reload's
 * message it holds no pointer into an older one.
 */
static void life_retire(void *arg)
{
	struct life *lf = arg;
	const struct app *app = lf->app;
	uint64_t seen = lf->cfg_gen;
	struct le *le;

	for (unsigned i = 1; i < app->nloops; i++) {
		uint64_t g = shard_cfg_gen(app->shards[i]);

		if (g < seen)
			seen = g;
	}
	le = lf->old_cfgs.head;
	while (le) {
		struct life_cfg *lc = le->data;

		le = le->next;
		if (lc->gen <= seen)
			mem_deref(lc);
	}
	if (lf->old_cfgs.head)
		tmr_start(&lf->retire, LIFE_RETIRE_POLL_MS, life_retire, lf);
}

int life_reload(struct life *lf, char *msg, size_t msgsz)
{
	struct app *app = lf ? lf->app : NULL;
	struct cfg *cfg = NULL, *old = app ? app->cfg : NULL;
	struct loader_rescan rs;
	struct life_cfg *lc;
	char err[512];
	int e;

	if (!lf)
		return EINVAL;
	(void)notify_send("RELOADING=1");
	e = cfg_load(&cfg, app->cfg_path, err, sizeof(err));
	if (e) {
		fs_error("life", "reload refused, configuration unchanged: %s",
			 err);
		re_snprintf(msg, msgsz, "refused: %s", err);
		(void)notify_send("READY=1");
		return EINVAL;
	}
	/* the listener stays where it was bound: judge the key there */
	if (cfg_api_exposed(cfg, app->http_addr[0] ? app->http_addr : NULL) &&
	    !cfg->http_api_insecure) {
		fs_error("life",
			 "reload refused, configuration unchanged: the REST "
			 "API on %s would need no key (HTTP_API_KEY empty)",
			 app->http_addr);
		re_snprintf(msg, msgsz,
			    "refused: HTTP_API_KEY may not be emptied while "
			    "the REST API listens on %s",
			    app->http_addr);
		mem_deref(cfg);
		(void)notify_send("READY=1");
		return EINVAL;
	}
	lc = mem_zalloc(sizeof(*lc), life_cfg_destructor);
	if (!lc) {
		mem_deref(cfg);
		(void)notify_send("READY=1");
		return ENOMEM;
	}
	life_restart_needed(old, cfg);

	/* level and format: the next line is written the new way */
	log_configure(cfg->loglevel, cfg->logformat);
	loader_set_cache_size(app->loader, cfg->task_cache_size);
	loop_reconf(app->loop, cfg);

	/* publish first: a shard applies whatever app->cfg is when its
	 * message arrives, and acknowledges this generation */
	lc->cfg = old;
	lc->gen = ++lf->cfg_gen;
	list_append(&lf->old_cfgs, &lc->le, lc);
	__atomic_store_n(&app->cfg, cfg, __ATOMIC_RELEASE);
	for (unsigned i = 1; i < app->nloops; i++)
		if (shard_reconf(app->shards[i], lc->gen))
			fs_warn("life", "loop %u: reload not delivered", i);
	life_retire(lf);

	(void)loader_rescan(app->loader, &rs);
	if (cfg->preload_common)
		(void)loader_preload(app->loader, cfg->preload_tasks);

	fs_info("life",
		"reloaded: plugins %u reloaded, %u removed, %u refused",
		rs.reloaded, rs.removed, rs.failed);
	re_snprintf(msg, msgsz,
		    "reloaded; plugins: %u reloaded, %u removed, %u refused",
		    rs.reloaded, rs.removed, rs.failed);
	(void)notify_send("READY=1");
	return 0;
}

int life_metrics(const struct life *lf, struct json_object *obj)
{
	if (!lf || !obj)
		return EINVAL;
	if (json_object_object_add(
		    obj, "reloads",
		    json_object_new_int64((int64_t)lf->cfg_gen)))
		return ENOMEM;
	if (json_object_object_add(
		    obj, "retained",
		    json_object_new_int64((int64_t)list_count(&lf->old_cfgs))))
		return ENOMEM;
	return 0;
}

static void life_signal(int flags, void *arg)
{
	struct life *lf = arg;
	struct signalfd_siginfo si;
	char msg[256];

	(void)flags;
	while (read(lf->sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			fs_info("life", "SIGHUP: reloading");
			(void)life_reload(lf, msg, sizeof(msg));
			break;
		case SIGUSR1:
			life_drain(lf, false);
			break;
		case SIGUSR2:
			life_drain(lf, true);
			break;
		default:
			break;
		}
	}
}

int life_alloc(struct life **lp, struct app *app)
{
	struct life *lf;
	sigset_t set;
	int err;

	if (!lp || !app)
		return EINVAL;
	lf = mem_zalloc(sizeof(*lf), life_destructor);
	if (!lf)
		return ENOMEM;
	lf->app = app;
	lf->sfd = -1;
	tmr_init(&lf->idle);
	tmr_init(&lf->retire);
	list_init(&lf->old_cfgs);

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	/* blocked here, before other threads start, so they inherit it */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	lf->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (lf->sfd < 0) {
		err = errno;
		mem_deref(lf);
		return err;
	}
	err = fd_listen(lf->sfd, FD_READ, life_signal, lf);
	if (err) {
		mem_deref(lf);
		return err;
	}
	*lp = lf;
	return 0;
}

void life_ready(struct life *lf)
{
	(void)lf;
	(void)notify_send("READY=1");
}
