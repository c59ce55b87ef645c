/**
 * @file dirdb.c  The MySQL directory: jambonz tables through the pool
 *
 * Routing, as the jambonz feature server does it (protocol.md 1, 5):
 * the account from X-Account-Sid must exist and be active; then the
 * application named by X-Application-Sid, else the one of the called
 * number in phone_numbers (narrowed by X-Voip-Carrier-Sid when given),
 * else the default application of the carrier, else the first
 * call_routes regex of the account, by priority, that matches.
 *
 * A lookup runs on a worker thread from start to end: the job carries
 * copies of the query, the worker builds the struct dir_app (libre
 * objects made there and handed over once, as core/audio/audiocache.c does)
 * and the loop only reads the finished job in the done handler. A job never
 * touches its dirdb from the worker; the dirdb may be gone by then.
 *
 * Database trouble (no connection in time, server away, a refused
 * statement) is never cached; account and routing answers, including
 * "no application", are, for the TTL.
 */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "base/hist.h"
#include "dir/dbpool.h"
#include "dir/backend.h"
#include "dir/dirdb.h"
#include "base/jcrypt.h"
#include "base/log.h"

/* Most cached lookups per loop; the oldest go first */
#define DIRDB_CACHE_MAX  10000
#define DIRDB_CACHE_HASH 1024
#define DIRDB_REASON_MAX 160

enum dirdb_stmt {
	DIRDB_ACCOUNT,
	DIRDB_APP_BY_SID,
	DIRDB_APP_BY_NUMBER,
	DIRDB_APP_BY_NUMBER_CARRIER,
	DIRDB_NUMBER_CARRIER,
	DIRDB_APP_BY_CARRIER,
	DIRDB_ROUTES,
	DIRDB_SPEECH,
	DIRDB_APP_BY_REALM,
	DIRDB_CARRIERS,
	DIRDB_TEAMS,
	DIRDB_NUMBER_CARRIERS,
};

/* The application with both hooks, in the column order of dirdb_app_row */
#define DIRDB_APP_SELECT                                                    \
	"SELECT a.application_sid, a.account_sid, a.app_json, a.env_vars, " \
	"a.speech_synthesis_vendor, a.speech_synthesis_language, "          \
	"a.speech_synthesis_voice, a.speech_recognizer_vendor, "            \
	"a.speech_recognizer_language, "                                    \
	"ch.url, ch.method, ch.username, ch.password, "                     \
	"sh.url, sh.method, sh.username, sh.password "                      \
	"FROM applications a "                                              \
	"LEFT JOIN webhooks ch ON ch.webhook_sid = a.call_hook_sid "        \
	"LEFT JOIN webhooks sh ON sh.webhook_sid = a.call_status_hook_sid "

static const char *const dirdb_sql[] = {
	[DIRDB_ACCOUNT] = "SELECT is_active, webhook_secret, "
			  "service_provider_sid, sip_realm FROM accounts "
			  "WHERE account_sid = ?",
	[DIRDB_APP_BY_SID] = DIRDB_APP_SELECT "WHERE a.application_sid = ?",
	[DIRDB_APP_BY_NUMBER] =
		DIRDB_APP_SELECT "WHERE a.application_sid = "
				 "(SELECT application_sid FROM phone_numbers "
				 "WHERE number = ? LIMIT 1)",
	[DIRDB_APP_BY_NUMBER_CARRIER] =
		DIRDB_APP_SELECT "WHERE a.application_sid = "
				 "(SELECT application_sid FROM phone_numbers "
				 "WHERE number = ? AND voip_carrier_sid = ? "
				 "LIMIT 1)",
	[DIRDB_NUMBER_CARRIER] = "SELECT voip_carrier_sid FROM phone_numbers "
				 "WHERE number = ? LIMIT 1",
	[DIRDB_APP_BY_CARRIER] = DIRDB_APP_SELECT
	"WHERE a.application_sid = "
	"(SELECT application_sid FROM voip_carriers "
	"WHERE voip_carrier_sid = ? AND is_active = 1)",
	[DIRDB_ROUTES] = "SELECT regex, application_sid FROM call_routes "
			 "WHERE account_sid = ? "
			 "ORDER BY priority, call_route_sid",
	/* the account's own rows first, then its service provider's, as
	 * jambonz's getSpeechCredentials() prefers them */
	[DIRDB_SPEECH] = "SELECT speech_credential_sid, vendor, label, "
			 "use_for_tts, use_for_stt, credential, account_sid "
			 "FROM speech_credentials WHERE account_sid = ? OR "
			 "(account_sid IS NULL AND service_provider_sid = ?) "
			 "ORDER BY account_sid IS NULL, created_at",
	/* jambonz's lookupAppByRealm: a registered device calling */
	[DIRDB_APP_BY_REALM] = DIRDB_APP_SELECT
	"WHERE a.application_sid = "
	"(SELECT device_calling_application_sid FROM accounts "
	"WHERE sip_realm = ? AND account_sid = ?)",
	/* jambonz's lookupCarrier(): a trunk name is the account's carrier,
	 * else its service provider's */
	[DIRDB_CARRIERS] = "SELECT name, voip_carrier_sid FROM voip_carriers "
			   "WHERE account_sid = ? OR (account_sid IS NULL "
			   "AND service_provider_sid = ?) "
			   "ORDER BY account_sid IS NULL, created_at",
	/* jambonz's lookupTeamsByAccount() */
	[DIRDB_TEAMS] = "SELECT sp.ms_teams_fqdn, t.tenant_fqdn "
			"FROM service_providers sp "
			"LEFT JOIN ms_teams_tenants t ON t.account_sid = ? "
			"WHERE sp.service_provider_sid = ? LIMIT 1",
	/* jambonz's lookupCarrierByPhoneNumber(): the calling number's
	 * carrier, the account's number before its service provider's */
	[DIRDB_NUMBER_CARRIERS] =
		"SELECT number, voip_carrier_sid FROM phone_numbers "
		"WHERE voip_carrier_sid IS NOT NULL AND (account_sid = ? OR "
		"(account_sid IS NULL AND service_provider_sid = ?)) "
		"ORDER BY account_sid IS NULL LIMIT 10000",
};

enum dirdb_app_col {
	DIRDB_C_SID,
	DIRDB_C_ACCOUNT,
	DIRDB_C_APP_JSON,
	DIRDB_C_ENV_VARS,
	DIRDB_C_TTS_VENDOR,
	DIRDB_C_TTS_LANG,
	DIRDB_C_TTS_VOICE,
	DIRDB_C_STT_VENDOR,
	DIRDB_C_STT_LANG,
	DIRDB_C_CALL_HOOK, /* url, method, username, password */
	DIRDB_C_STATUS_HOOK = DIRDB_C_CALL_HOOK + 4,
	DIRDB_C_N = DIRDB_C_STATUS_HOOK + 4,
};

struct dirdb {
	struct dbpool *pool; /* borrowed */
	struct list jobs;    /* in flight */
	struct hash *cache;  /* dirdb_entry by key */
	struct list order;   /* dirdb_entry, oldest first */
	uint32_t nentries;
	uint32_t ttl_ms;
	char *enc_secret; /* ENCRYPTION_SECRET or NULL */
	bool legacy;
};

struct dirdb_entry {
	struct le he;     /* in db->cache */
	struct le le;     /* in db->order */
	struct dirdb *db; /* the owner; entries never outlive it */
	char *key;
	uint64_t expires;
	int err;
	uint16_t scode;
	char *reason;
	struct dir_app *app;
};

struct dirdb_job {
	struct le le;        /* in db->jobs */
	struct dirdb *db;    /* weak: NULL once the dirdb is gone */
	struct dbpool *pool; /* outlives every job */
	dir_lookup_h *h;     /* NULL once cancelled */
	void *arg;
	char *key;
	/* the query (copies, read by the worker) */
	char *called, *account_sid, *application_sid, *carrier_sid, *realm;
	char *enc_secret;
	bool legacy;
	bool rest;
	uint64_t deadline;
	/* the answer (written by the worker) */
	int err;
	uint16_t scode;
	bool cacheable;
	char reason[DIRDB_REASON_MAX];
	struct dir_app *app;
	/* scratch of one routing attempt */
	bool acct_found, acct_active;
	char *secret, *sp_sid, *num_carrier, *route_app, *sip_realm;
};

static void dirdb_entry_destructor(void *data)
{
	struct dirdb_entry *e = data;

	hash_unlink(&e->he);
	list_unlink(&e->le);
	e->db->nentries--;
	mem_deref(e->key);
	mem_deref(e->reason);
	mem_deref(e->app);
}

static void dirdb_job_scratch_reset(struct dirdb_job *job)
{
	job->acct_found = false;
	job->acct_active = false;
	job->secret = mem_deref(job->secret);
	job->sp_sid = mem_deref(job->sp_sid);
	job->num_carrier = mem_deref(job->num_carrier);
	job->route_app = mem_deref(job->route_app);
	job->sip_realm = mem_deref(job->sip_realm);
	job->app = mem_deref(job->app);
	job->err = 0;
	job->scode = 0;
	job->cacheable = false;
	job->reason[0] = '\0';
}

static void dirdb_job_destructor(void *data)
{
	struct dirdb_job *job = data;

	list_unlink(&job->le);
	dirdb_job_scratch_reset(job);
	mem_deref(job->key);
	mem_deref(job->called);
	mem_deref(job->account_sid);
	mem_deref(job->application_sid);
	mem_deref(job->carrier_sid);
	mem_deref(job->realm);
	mem_deref(job->enc_secret);
}

static void dirdb_destructor(void *data)
{
	struct dirdb *db = data;
	struct le *le;

	/* jobs in flight end in their done handler, answering nobody */
	while ((le = list_head(&db->jobs))) {
		struct dirdb_job *job = le->data;

		list_unlink(&job->le);
		job->db = NULL;
		job->h = NULL;
	}
	list_flush(&db->order);
	db->cache = mem_deref(db->cache);
	if (db->enc_secret)
		explicit_bzero(db->enc_secret, strlen(db->enc_secret));
	mem_deref(db->enc_secret);
}

int dirdb_alloc(struct dirdb **dp, struct dbpool *pool, uint32_t ttl_ms,
		const char *secret, bool legacy)
{
	struct dirdb *db;
	int err;

	if (!dp || !pool)
		return EINVAL;
	db = mem_zalloc(sizeof(*db), dirdb_destructor);
	if (!db)
		return ENOMEM;
	db->pool = pool;
	db->ttl_ms = ttl_ms;
	db->legacy = legacy;
	if (secret && *secret && str_dup(&db->enc_secret, secret)) {
		mem_deref(db);
		return ENOMEM;
	}
	list_init(&db->jobs);
	list_init(&db->order);
	err = hash_alloc(&db->cache, DIRDB_CACHE_HASH);
	if (err) {
		mem_deref(db);
		return err;
	}
	*dp = db;
	return 0;
}

/* worker side ------------------------------------------------------------ */

static int dirdb_dup(char **dst, const char *s)
{
	*dst = mem_deref(*dst);
	if (!s || !*s)
		return 0;
	return str_dup(dst, s);
}

static void dirdb_reject(struct dirdb_job *job, int err, uint16_t scode,
			 const char *fmt, const char *arg)
{
	job->app = mem_deref(job->app);
	job->err = err;
	job->scode = scode;
	job->cacheable = true;
	re_snprintf(job->reason, sizeof(job->reason), fmt, arg);
}

static int dirdb_account_row(unsigned ncols, const char *const *cols,
			     void *arg)
{
	struct dirdb_job *job = arg;
	int err;

	if (ncols < 4)
		return EINVAL;
	job->acct_found = true;
	job->acct_active = cols[0] && strcmp(cols[0], "0");
	err = dirdb_dup(&job->secret, cols[1]);
	err |= dirdb_dup(&job->sp_sid, cols[2]);
	err |= dirdb_dup(&job->sip_realm, cols[3]);
	return err ? ENOMEM : 0;
}

static int dirdb_hook(struct dir_hook *h, const char *const *cols)
{
	int err;

	err = dirdb_dup(&h->url, cols[0]);
	if (err || !h->url)
		return err;
	err |= dirdb_dup(&h->method, cols[1]);
	err |= dirdb_dup(&h->username, cols[2]);
	err |= dirdb_dup(&h->password, cols[3]);
	return err ? ENOMEM : 0;
}

/*
 * An application's env_vars: the api-server stores them encrypted
 * (jcrypt.h); a plain JSON object (a schema filled by hand) is taken as
 * it is. One that cannot be read is logged, by name only, and dropped,
 * as jambonz goes on without it.
 */
static struct json_object *dirdb_env_vars(const struct dirdb_job *job,
					  const char *app_sid, const char *col)
{
	struct json_object *o = json_tokener_parse(col), *v;
	char *plain = NULL;
	int err;

	if (json_object_is_type(o, json_type_object) &&
	    !(json_object_object_get_ex(o, "iv", &v) &&
	      json_object_object_get_ex(o, "content", &v) &&
	      json_object_object_length(o) == 2))
		return o;
	json_object_put(o);
	o = NULL;
	err = jcrypt_decrypt(&plain, col, job->enc_secret, job->legacy);
	if (err) {
		fs_warn("dir",
			"application %s: env_vars cannot be decrypted: %m "
			"(ENCRYPTION_SECRET, LEGACY_CRYPTO): ignored",
			app_sid ? app_sid : "?", err);
		return NULL;
	}
	o = json_tokener_parse(plain);
	explicit_bzero(plain, strlen(plain));
	mem_deref(plain);
	if (!json_object_is_type(o, json_type_object)) {
		fs_warn("dir",
			"application %s: env_vars is not a JSON object: "
			"ignored",
			app_sid ? app_sid : "?");
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* One application row; EPROTO (with job->reason) for unusable app_json */
static int dirdb_app_row(unsigned ncols, const char *const *cols, void *arg)
{
	struct dirdb_job *job = arg;
	const char *aj = cols[DIRDB_C_APP_JSON];
	struct dir_app *a;
	int err;

	if (ncols < DIRDB_C_N)
		return EINVAL;
	if (job->app)
		return 0;
	err = dir_app_new(&a);
	if (err)
		return err;
	err = dirdb_dup(&a->application_sid, cols[DIRDB_C_SID]);
	err |= dirdb_dup(&a->account_sid, cols[DIRDB_C_ACCOUNT]);
	err |= dirdb_dup(&a->tts_vendor, cols[DIRDB_C_TTS_VENDOR]);
	err |= dirdb_dup(&a->tts_language, cols[DIRDB_C_TTS_LANG]);
	err |= dirdb_dup(&a->tts_voice, cols[DIRDB_C_TTS_VOICE]);
	err |= dirdb_dup(&a->stt_vendor, cols[DIRDB_C_STT_VENDOR]);
	err |= dirdb_dup(&a->stt_language, cols[DIRDB_C_STT_LANG]);
	err |= dirdb_hook(&a->call_hook, cols + DIRDB_C_CALL_HOOK);
	err |= dirdb_hook(&a->status_hook, cols + DIRDB_C_STATUS_HOOK);
	if (err) {
		mem_deref(a);
		return ENOMEM;
	}
	if (aj && *aj) {
		/* jambonz keeps app_json as text */
		a->app_json = json_tokener_parse(aj);
		if (!json_object_is_type(a->app_json, json_type_array)) {
			re_snprintf(job->reason, sizeof(job->reason),
				    "application %s: app_json is not a verb "
				    "array",
				    a->application_sid);
			mem_deref(a);
			return EPROTO;
		}
	}
	if (cols[DIRDB_C_ENV_VARS] && *cols[DIRDB_C_ENV_VARS])
		a->env_vars = dirdb_env_vars(job, a->application_sid,
					     cols[DIRDB_C_ENV_VARS]);
	job->app = a;
	return 0;
}

struct dirdb_routes {
	struct dirdb_job *job;
	const char *number;
};

/* First matching call_routes row, by priority; the rest are drained */
static int dirdb_route_row(unsigned ncols, const char *const *cols, void *arg)
{
	struct dirdb_routes *r = arg;
	bool match = false;

	if (ncols < 2)
		return EINVAL;
	if (r->job->route_app || !cols[0] || !cols[1])
		return 0;
	/* a pattern that does not compile is logged once and skipped */
	if (dbpool_regex_match(r->job->pool, cols[0], r->number, &match))
		return 0;
	return match ? dirdb_dup(&r->job->route_app, cols[1]) : 0;
}

static int dirdb_app_query(struct dbpool_conn *c, struct dirdb_job *job,
			   enum dirdb_stmt id, const char *p1, const char *p2)
{
	const char *params[2] = {p1, p2};

	return dbpool_query(c, id, dirdb_sql[id], params, p2 ? 2 : 1,
			    dirdb_app_row, job);
}

static int dirdb_carrier_row(unsigned ncols, const char *const *cols,
			     void *arg)
{
	struct dirdb_job *job = arg;

	if (ncols < 1)
		return EINVAL;
	return dirdb_dup(&job->num_carrier, cols[0]);
}

/* Select the application: 0 with job->app set, or none found */
static int dirdb_find_app(struct dbpool_conn *c, struct dirdb_job *job)
{
	const char *num = job->called;
	const char *carrier = job->carrier_sid;
	struct dirdb_routes routes = {job, num};
	const char *params[1];
	int err;

	if (job->application_sid) {
		err = dirdb_app_query(c, job, DIRDB_APP_BY_SID,
				      job->application_sid, NULL);
		if (err || job->app)
			return err;
	}
	/* as jambonz: a device of the account's realm calling finds its
	 * device calling application or none, never a number's */
	if (job->realm)
		return dirdb_app_query(c, job, DIRDB_APP_BY_REALM, job->realm,
				       job->account_sid);
	if (num) {
		if (carrier)
			err = dirdb_app_query(c, job,
					      DIRDB_APP_BY_NUMBER_CARRIER, num,
					      carrier);
		else
			err = dirdb_app_query(c, job, DIRDB_APP_BY_NUMBER, num,
					      NULL);
		if (err || job->app)
			return err;
	}

	/* the carrier's default application: the header's carrier, else
	 * the one the number belongs to */
	if (!carrier && num) {
		params[0] = num;
		err = dbpool_query(c, DIRDB_NUMBER_CARRIER,
				   dirdb_sql[DIRDB_NUMBER_CARRIER], params, 1,
				   dirdb_carrier_row, job);
		if (err)
			return err;
		carrier = job->num_carrier;
	}
	if (carrier) {
		err = dirdb_app_query(c, job, DIRDB_APP_BY_CARRIER, carrier,
				      NULL);
		if (err || job->app)
			return err;
	}

	if (!num)
		return 0;
	params[0] = job->account_sid;
	err = dbpool_query(c, DIRDB_ROUTES, dirdb_sql[DIRDB_ROUTES], params, 1,
			   dirdb_route_row, &routes);
	if (err || !job->route_app)
		return err;
	return dirdb_app_query(c, job, DIRDB_APP_BY_SID, job->route_app, NULL);
}

/* One speech credential row: decrypted and parsed, or skipped with a
 * log line (a row we cannot read must not stop the call) */
static int dirdb_speech_row(unsigned ncols, const char *const *cols, void *arg)
{
	struct dirdb_job *job = arg;
	struct json_object *row, *cred;
	const char *sid = cols[0] ? cols[0] : "?";
	char *plain = NULL;
	int err;

	if (ncols < 7 || !cols[1] || !cols[5])
		return 0;
	err = jcrypt_decrypt(&plain, cols[5], job->enc_secret, job->legacy);
	if (err) {
		fs_warn("dir",
			"speech credential %s (%s) cannot be decrypted: %m "
			"(ENCRYPTION_SECRET, LEGACY_CRYPTO)",
			sid, cols[1], err);
		return 0;
	}
	cred = json_tokener_parse(plain);
	explicit_bzero(plain, strlen(plain));
	mem_deref(plain);
	if (!json_object_is_type(cred, json_type_object)) {
		json_object_put(cred);
		fs_warn("dir", "speech credential %s (%s): not a JSON object",
			sid, cols[1]);
		return 0;
	}
	row = json_object_new_object();
	if (!row) {
		json_object_put(cred);
		return ENOMEM;
	}
	err = json_object_object_add(row, "vendor",
				     json_object_new_string(cols[1]));
	if (cols[2] && *cols[2])
		err |= json_object_object_add(row, "label",
					      json_object_new_string(cols[2]));
	err |= json_object_object_add(
		row, "use_for_tts",
		json_object_new_boolean(!cols[3] || strcmp(cols[3], "0")));
	err |= json_object_object_add(
		row, "use_for_stt",
		json_object_new_boolean(!cols[4] || strcmp(cols[4], "0")));
	err |= json_object_object_add(row, "credential", cred);
	if (!err && !job->app->speech) {
		job->app->speech = json_object_new_array();
		err = !job->app->speech;
	}
	if (!err)
		err = json_object_array_add(job->app->speech, row);
	if (err) {
		json_object_put(row);
		return ENOMEM;
	}
	return 0;
}

/* The account's speech credentials, as jambonz loads them with the
 * account; none without ENCRYPTION_SECRET, and a schema without the
 * table routes the call all the same */
static int dirdb_speech(struct dbpool_conn *c, struct dirdb_job *job)
{
	const char *params[2] = {job->account_sid, job->sp_sid};
	int err;

	if (!job->enc_secret)
		return 0;
	err = dbpool_query(c, DIRDB_SPEECH, dirdb_sql[DIRDB_SPEECH], params, 2,
			   dirdb_speech_row, job);
	if (err == EIO) {
		fs_warn("dir", "speech_credentials: the query was refused; "
			       "the call goes on without them");
		return 0;
	}
	return err;
}

/* name -> sid into *objp, the first row of a name winning */
static int dirdb_name_sid(struct json_object **objp, unsigned ncols,
			  const char *const *cols)
{
	struct json_object *sid;

	if (ncols < 2 || !cols[0] || !cols[1] ||
	    json_object_object_get_ex(*objp, cols[0], NULL))
		return 0;
	if (!*objp) {
		*objp = json_object_new_object();
		if (!*objp)
			return ENOMEM;
	}
	sid = json_object_new_string(cols[1]);
	if (!sid || json_object_object_add(*objp, cols[0], sid)) {
		json_object_put(sid);
		return ENOMEM;
	}
	return 0;
}

static int dirdb_carrier_name_row(unsigned ncols, const char *const *cols,
				  void *arg)
{
	struct dirdb_job *job = arg;

	return dirdb_name_sid(&job->app->carriers, ncols, cols);
}

static int dirdb_number_carrier_row(unsigned ncols, const char *const *cols,
				    void *arg)
{
	struct dirdb_job *job = arg;

	return dirdb_name_sid(&job->app->number_carriers, ncols, cols);
}

static int dirdb_teams_row(unsigned ncols, const char *const *cols, void *arg)
{
	struct dirdb_job *job = arg;
	int err;

	if (ncols < 2)
		return 0;
	err = dirdb_dup(&job->app->ms_teams_fqdn, cols[0]);
	err |= dirdb_dup(&job->app->tenant_fqdn, cols[1]);
	return err ? ENOMEM : 0;
}

/* A schema without a table of dirdb_outdial() (the minimal one of
 * scripts/db-schema.sql has no Teams tables): asked once per process,
 * from whichever worker, then left alone */
static bool dirdb_outdial_refused[3];

/* What outdials through the SBC need of the account: its carriers by
 * name, its numbers' carriers and its Teams settings. A schema without
 * the tables (or the column) routes the call all the same */
static int dirdb_outdial(struct dbpool_conn *c, struct dirdb_job *job)
{
	const char *params[2] = {job->account_sid, job->sp_sid};
	static const enum dirdb_stmt ids[] = {DIRDB_CARRIERS, DIRDB_TEAMS,
					      DIRDB_NUMBER_CARRIERS};
	static const char *const tables[] = {
		"voip_carriers", "ms_teams_tenants", "phone_numbers"};
	dbpool_row_h *const rows[] = {dirdb_carrier_name_row, dirdb_teams_row,
				      dirdb_number_carrier_row};
	int err = 0;

	if (!job->sp_sid)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(ids) && !err; i++) {
		if (__atomic_load_n(&dirdb_outdial_refused[i],
				    __ATOMIC_RELAXED))
			continue;
		err = dbpool_query(c, ids[i], dirdb_sql[ids[i]], params, 2,
				   rows[i], job);
		if (err == EIO) {
			fs_info("dir",
				"%s: the query was refused; outdials go "
				"without it until a restart",
				tables[i]);
			__atomic_store_n(&dirdb_outdial_refused[i], true,
					 __ATOMIC_RELAXED);
			err = 0;
		}
	}
	return err;
}

/* The whole routing on one connection; run again on a fresh one when
 * the connection breaks, so it starts from a clean slate */
static int dirdb_route(struct dbpool_conn *c, void *arg)
{
	struct dirdb_job *job = arg;
	const char *params[1] = {job->account_sid};
	int err;

	dirdb_job_scratch_reset(job);

	err = dbpool_query(c, DIRDB_ACCOUNT, dirdb_sql[DIRDB_ACCOUNT], params,
			   1, dirdb_account_row, job);
	if (err)
		return err;
	if (!job->acct_found) {
		dirdb_reject(job, ENOENT, 503, "No Account exists for sid %s",
			     job->account_sid);
		return 0;
	}
	if (!job->acct_active) {
		dirdb_reject(job, EACCES, 503, "Account %s is inactive",
			     job->account_sid);
		return 0;
	}

	err = dirdb_find_app(c, job);
	if (err == EPROTO) {
		/* the reason is set: a broken application is a routing
		 * answer like any other */
		job->err = EPROTO;
		job->scode = 480;
		job->cacheable = true;
		return 0;
	}
	if (err)
		return err;
	if (!job->app && job->rest) {
		/* createCall names its hooks itself: the account's secret
		 * and no stored application */
		err = dir_app_new(&job->app);
		if (err)
			return err;
	} else if (!job->app || (!job->app->call_hook.url &&
				 !job->app->app_json && !job->rest)) {
		dirdb_reject(job, ENOENT, 480, "%s",
			     "no configured application");
		return 0;
	}

	/* an application runs only for its own account */
	if (job->app->account_sid &&
	    strcmp(job->app->account_sid, job->account_sid)) {
		char why[DIRDB_REASON_MAX];

		re_snprintf(why, sizeof(why),
			    "application %s does not belong to account %s",
			    job->app->application_sid, job->account_sid);
		dirdb_reject(job, EPERM, 403, "%s", why);
		return 0;
	}

	err = dirdb_speech(c, job);
	if (!err)
		err = dirdb_outdial(c, job);
	if (err)
		return err;

	/* the account of the call signs its webhooks */
	err = dirdb_dup(&job->app->account_sid, job->account_sid);
	err |= dirdb_dup(&job->app->webhook_secret, job->secret);
	err |= dirdb_dup(&job->app->service_provider_sid, job->sp_sid);
	err |= dirdb_dup(&job->app->sip_realm, job->sip_realm);
	if (err)
		return ENOMEM;
	job->cacheable = true;
	return 0;
}

static int dirdb_work(void *arg)
{
	struct dirdb_job *job = arg;
	const char *why = NULL;
	uint64_t t0 = hist_now_us();
	int err;

	err = dbpool_run(job->pool, job->deadline, dirdb_route, job);
	hist_since(HIST_DB, NULL, t0);
	switch (err) {
	case 0:
		return 0;
	case ETIMEDOUT:
		why = "database busy";
		break;
	case ENOTCONN:
		why = "database unavailable";
		break;
	case ESHUTDOWN:
		why = "shutting down";
		break;
	default:
		why = "database error";
		break;
	}
	dirdb_job_scratch_reset(job);
	job->err = err;
	job->scode = 503;
	str_ncpy(job->reason, why, sizeof(job->reason));
	return err;
}

/* loop side --------------------------------------------------------------- */

static bool dirdb_entry_cmp(struct le *le, void *arg)
{
	const struct dirdb_entry *e = le->data;

	return !strcmp(e->key, arg);
}

static void dirdb_cache_put(struct dirdb *db, const struct dirdb_job *job)
{
	uint64_t now = tmr_jiffies();
	struct dirdb_entry *e;
	struct le *le;

	/* the list is in expiry order: trim from the front */
	while ((le = list_head(&db->order))) {
		e = le->data;
		if (e->expires > now && db->nentries < DIRDB_CACHE_MAX)
			break;
		mem_deref(e);
	}
	le = hash_lookup(db->cache, hash_joaat_str(job->key), dirdb_entry_cmp,
			 job->key);
	if (le)
		mem_deref(le->data);

	e = mem_zalloc(sizeof(*e), dirdb_entry_destructor);
	if (!e)
		return;
	e->db = db;
	db->nentries++;
	if (str_dup(&e->key, job->key) ||
	    (job->err && str_dup(&e->reason, job->reason))) {
		mem_deref(e);
		return;
	}
	e->expires = now + db->ttl_ms;
	e->err = job->err;
	e->scode = job->scode;
	e->app = mem_ref(job->app);
	hash_append(db->cache, hash_joaat_str(e->key), &e->he, e);
	list_append(&db->order, &e->le, e);
}

static void dirdb_done(int err, void *arg)
{
	struct dirdb_job *job = arg;
	struct dirdb *db = job->db;

	if (err == ECANCELED) {
		/* never ran: the server is stopping */
		job->err = ECANCELED;
		job->scode = 503;
		str_ncpy(job->reason, "shutting down", sizeof(job->reason));
	}
	list_unlink(&job->le);
	if (db && db->ttl_ms && job->cacheable)
		dirdb_cache_put(db, job);
	if (job->h) {
		if (job->err)
			job->h(job->err, job->scode, job->reason, NULL,
			       job->arg);
		else
			job->h(0, 0, NULL, job->app, job->arg);
	}
	mem_deref(job);
}

static int dirdb_copy(char **dst, const char *s)
{
	return s && *s ? str_dup(dst, s) : 0;
}

int dirdb_lookup(struct dirdb *db, const struct dir_query *q, dir_lookup_h *h,
		 void *arg)
{
	const char *called;
	struct dirdb_job *job;
	struct le *le;
	char *key = NULL;
	int err;

	if (!db || !q || !h)
		return EINVAL;

	/* a database directory trusts no default: the SBC names the
	 * account */
	if (!q->account_sid || !*q->account_sid) {
		h(EINVAL, 500, "missing X-Account-Sid", NULL, arg);
		return 0;
	}
	called = q->called;
	if (called && *called == '+')
		called++;

	err = re_sdprintf(&key, "%s\n%s\n%s\n%s\n%s\n%d", q->account_sid,
			  called ? called : "",
			  q->application_sid ? q->application_sid : "",
			  q->carrier_sid ? q->carrier_sid : "",
			  q->realm ? q->realm : "", q->rest);
	if (err)
		return err;

	if (db->ttl_ms) {
		le = hash_lookup(db->cache, hash_joaat_str(key),
				 dirdb_entry_cmp, key);
		if (le) {
			struct dirdb_entry *e = le->data;

			if (e->expires > tmr_jiffies()) {
				struct dir_app *app = mem_ref(e->app);

				mem_deref(key);
				dbpool_cache_count(db->pool, true);
				/* the entry may go while the handler runs */
				h(e->err, e->scode, e->reason, app, arg);
				mem_deref(app);
				return 0;
			}
			mem_deref(e);
		}
		dbpool_cache_count(db->pool, false);
	}

	job = mem_zalloc(sizeof(*job), dirdb_job_destructor);
	if (!job) {
		mem_deref(key);
		return ENOMEM;
	}
	job->key = key;
	job->pool = db->pool;
	job->h = h;
	job->arg = arg;
	err = dirdb_copy(&job->called, called);
	err |= dirdb_copy(&job->account_sid, q->account_sid);
	err |= dirdb_copy(&job->application_sid, q->application_sid);
	err |= dirdb_copy(&job->carrier_sid, q->carrier_sid);
	err |= dirdb_copy(&job->realm, q->realm);
	job->rest = q->rest;
	err |= dirdb_copy(&job->enc_secret, db->enc_secret);
	job->legacy = db->legacy;
	if (err) {
		mem_deref(job);
		return ENOMEM;
	}
	/* the acquire timeout counts from here: time queued for a worker
	 * thread is time waited for a connection */
	job->deadline = dbpool_now_ms() + dbpool_acquire_timeout(db->pool);
	job->db = db;
	list_append(&db->jobs, &job->le, job);
	err = dbpool_submit(db->pool, dirdb_work, dirdb_done, job);
	if (err) {
		mem_deref(job);
		return err;
	}
	return 0;
}

void dirdb_cancel(struct dirdb *db, const void *arg)
{
	struct le *le;

	if (!db)
		return;
	LIST_FOREACH(&db->jobs, le) {
		struct dirdb_job *job = le->data;

		if (job->arg == arg)
			job->h = NULL;
	}
}

static int dirdb_lookup_op(void *be, const struct dir_query *q,
			   dir_lookup_h *h, void *arg)
{
	return dirdb_lookup(be, q, h, arg);
}

static void dirdb_cancel_op(void *be, const void *arg)
{
	dirdb_cancel(be, arg);
}

const struct dir_ops dirdb_ops = {
	.name = "mysql",
	.lookup = dirdb_lookup_op,
	.cancel = dirdb_cancel_op,
};
