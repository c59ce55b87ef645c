/**
 * @file cfg.c  Configuration table, file parser and environment overrides
 *
 * One table lists every setting once: its name (the environment variable
 * and the config file key are the same), type, default, bounds and
 * meaning. --help, --check-config and the tests all read this table, so
 * a setting cannot exist without its documentation.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <re.h>
#include "base/cfg.h"
#include "base/log.h"
#include "base/netlist.h"

enum cfg_type {
	CFG_STR,
	CFG_U32,
	CFG_U32_AUTO, /* a number, or "auto" stored as 0 */
	CFG_BOOL,
	CFG_LOGLEVEL,
};

struct cfg_item {
	const char *name;
	enum cfg_type type;
	size_t off;
	const char *def;
	uint32_t min, max; /* CFG_U32 bounds, inclusive */
	bool secret;       /* masked when printed */
	const char *help;
};

#define CFG_OFF(f) offsetof(struct cfg, f)

static const struct cfg_item cfg_items[] = {
	{"SIP_LISTEN", CFG_STR, CFG_OFF(sip_listen), "0.0.0.0:5060", 0, 0,
	 false, "SIP address:port, UDP and TCP"},
	{"SIP_LOOPS", CFG_U32_AUTO, CFG_OFF(sip_loops), "auto", 1, 64, false,
	 "event loops, each owning its calls: a number, or auto (one per CPU "
	 "this process may run on)"},
	{"RTP_PORT_MIN", CFG_U32, CFG_OFF(rtp_port_min), "40000", 1024, 65534,
	 false, "lowest RTP port"},
	{"RTP_PORT_MAX", CFG_U32, CFG_OFF(rtp_port_max), "60000", 1025, 65535,
	 false, "highest RTP port"},
	{"RTP_SOURCE_CHECK", CFG_STR, CFG_OFF(rtp_source_check), "latch", 0, 0,
	 false,
	 "RTP/RTCP accepted from: latch (SDP address, else the first source "
	 "after answer), sdp (SDP address only), off (anyone)"},
	{"HTTP_ADDR", CFG_STR, CFG_OFF(http_addr), "127.0.0.1", 0, 0, false,
	 "address of the REST/health/metrics listener (an IP literal)"},
	{"HTTP_PORT", CFG_U32, CFG_OFF(http_port), "3000", 1, 65535, false,
	 "port of the REST/health/metrics listener"},
	{"HTTP_POOLSIZE", CFG_U32, CFG_OFF(http_poolsize), "20", 1, 10000,
	 false, "max pooled connections per webhook host"},
	{"HTTP_PIPELINING", CFG_U32, CFG_OFF(http_pipelining), "10", 1, 1000,
	 false, "max concurrent requests per connection (HTTP/2)"},
	{"JAMBONES_HTTP_TIMEOUT", CFG_U32, CFG_OFF(http_timeout_ms), "10000",
	 1, 600000, false, "webhook response timeout, ms"},
	{"HTTP_MAX_BODY", CFG_U32, CFG_OFF(http_max_body), "1048576", 1024,
	 1073741824, false, "largest webhook response body accepted, bytes"},
	{"JAMBONES_CONNECTION_POOL_CLEANUP_INTERVAL", CFG_U32,
	 CFG_OFF(pool_cleanup_ms), "60000", 100, 86400000, false,
	 "ms between idle-connection sweeps"},
	{"JAMBONES_HTTP_USER_AGENT_HEADER", CFG_STR, CFG_OFF(http_user_agent),
	 "jambonz", 0, 0, false, "User-Agent of webhook requests"},
	{"JAMBONES_WS_HANDSHAKE_TIMEOUT_MS", CFG_U32,
	 CFG_OFF(ws_handshake_timeout_ms), "1500", 1, 600000, false,
	 "ms a WebSocket application has to accept the connection"},
	{"JAMBONES_WS_PING_INTERVAL_MS", CFG_U32, CFG_OFF(ws_ping_interval_ms),
	 "0", 0, 86400000, false,
	 "ms between pings on a WebSocket application's socket; as in "
	 "jambonz, 15000 or less sends none"},
	{"JAMBONES_WS_API_MSG_RESPONSE_TIMEOUT", CFG_U32,
	 CFG_OFF(ws_response_timeout_ms), "5000", 1, 600000, false,
	 "ms a WebSocket application has to ack a message"},
	{"JAMBONES_WS_MAX_PAYLOAD", CFG_U32, CFG_OFF(ws_max_payload), "24576",
	 1024, 131072, false,
	 "largest message accepted from a WebSocket application, bytes"},
	{"JAMBONES_WEBHOOK_ERROR_RETURN", CFG_U32,
	 CFG_OFF(webhook_error_return), "480", 400, 699, false,
	 "SIP status when the first webhook fails"},
	{"PLUGIN_DIR", CFG_STR, CFG_OFF(plugin_dir), "", 0, 0, false,
	 "verb plugin folder; empty = 'plugins' beside the binary"},
	{"PRELOAD_TASKS", CFG_STR, CFG_OFF(preload_tasks),
	 "say,gather,dial,hangup,play", 0, 0, false,
	 "verbs loaded at start (comma-separated)"},
	{"JAMBONES_PRELOAD_COMMON_TASKS", CFG_BOOL, CFG_OFF(preload_common),
	 "true", 0, 0, false, "load PRELOAD_TASKS at start"},
	{"JAMBONES_TASK_CACHE_SIZE", CFG_U32, CFG_OFF(task_cache_size), "100",
	 1, 100000, false, "most verb plugins kept loaded (LRU)"},
	{"JAMBONES_EVENT_MANAGER_MAX_LISTENERS", CFG_U32,
	 CFG_OFF(max_listeners), "200", 1, 1000000, false,
	 "per-scope listener ceiling"},
	{"JAMBONES_MYSQL_HOST", CFG_STR, CFG_OFF(mysql_host), "", 0, 0, false,
	 "directory database host; empty = embedded file directory"},
	{"JAMBONES_MYSQL_PORT", CFG_U32, CFG_OFF(mysql_port), "3306", 1, 65535,
	 false, "directory database port"},
	{"JAMBONES_MYSQL_USER", CFG_STR, CFG_OFF(mysql_user), "", 0, 0, false,
	 "directory database user"},
	{"JAMBONES_MYSQL_PASSWORD", CFG_STR, CFG_OFF(mysql_password), "", 0, 0,
	 true, "directory database password"},
	{"JAMBONES_MYSQL_DATABASE", CFG_STR, CFG_OFF(mysql_database), "", 0, 0,
	 false, "directory database name"},
	{"JAMBONES_MYSQL_CONNECTION_LIMIT_OPTIMIZED", CFG_U32,
	 CFG_OFF(mysql_conn_limit), "50", 1, 10000, false,
	 "directory database pool size"},
	{"JAMBONES_MYSQL_IDLE_TIMEOUT", CFG_U32,
	 CFG_OFF(mysql_idle_timeout_ms), "300000", 1000, 86400000, false,
	 "ms before an idle database connection is closed"},
	{"JAMBONES_MYSQL_ACQUIRE_TIMEOUT", CFG_U32,
	 CFG_OFF(mysql_acquire_timeout_ms), "60000", 1, 3600000, false,
	 "ms to wait for a free database connection"},
	{"JAMBONES_MYSQL_QUERY_TIMEOUT", CFG_U32,
	 CFG_OFF(mysql_query_timeout_ms), "10000", 1000, 600000, false,
	 "ms to connect to the database or read an answer (whole seconds)"},
	{"JAMBONES_MYSQL_CACHE_TTL", CFG_U32, CFG_OFF(mysql_cache_ttl_ms),
	 "5000", 0, 3600000, false,
	 "ms a directory lookup stays cached per loop; 0 = no cache"},
	{"SIP_OUTBOUND_PROXY", CFG_STR, CFG_OFF(sip_outbound_proxy), "", 0, 0,
	 false,
	 "SBC/proxy host:port for phone and user targets of dial and "
	 "createCall"},
	{"HTTP_API_KEY", CFG_STR, CFG_OFF(http_api_key), "", 0, 0, true,
	 "REST API key (Authorization: Bearer); empty = no key needed, "
	 "allowed only on a loopback HTTP_ADDR"},
	{"HTTP_API_INSECURE", CFG_BOOL, CFG_OFF(http_api_insecure), "false", 0,
	 0, false,
	 "allow the REST API on a non-loopback HTTP_ADDR without "
	 "HTTP_API_KEY (anyone who reaches it can place calls and stop "
	 "the server)"},
	{"DIRECTORY_FILE", CFG_STR, CFG_OFF(directory_file), "", 0, 0, false,
	 "embedded directory (JSON: accounts, applications, phone_numbers)"},
	{"DEFAULT_CALL_HOOK", CFG_STR, CFG_OFF(default_call_hook), "", 0, 0,
	 false, "webhook URL for calls that match no phone number"},
	{"DEFAULT_CALL_HOOK_METHOD", CFG_STR,
	 CFG_OFF(default_call_hook_method), "POST", 0, 0, false,
	 "method of DEFAULT_CALL_HOOK (POST or GET)"},
	{"DEFAULT_CALL_HOOK_USERNAME", CFG_STR,
	 CFG_OFF(default_call_hook_username), "", 0, 0, false,
	 "basic auth user of the default hooks"},
	{"DEFAULT_CALL_HOOK_PASSWORD", CFG_STR,
	 CFG_OFF(default_call_hook_password), "", 0, 0, true,
	 "basic auth password of the default hooks"},
	{"DEFAULT_CALL_STATUS_HOOK", CFG_STR, CFG_OFF(default_status_hook), "",
	 0, 0, false, "call status webhook URL of the default application"},
	{"DEFAULT_CALL_STATUS_HOOK_METHOD", CFG_STR,
	 CFG_OFF(default_status_hook_method), "POST", 0, 0, false,
	 "method of DEFAULT_CALL_STATUS_HOOK"},
	{"DEFAULT_WEBHOOK_SECRET", CFG_STR, CFG_OFF(default_webhook_secret),
	 "", 0, 0, true, "signs the default hooks (Jambonz-Signature)"},
	{"TTS_VENDOR", CFG_STR, CFG_OFF(tts_vendor), "flite", 0, 0, false,
	 "default speech vendor (flite, espeak, or a cloud vendor with a "
	 "credential); vendors not spoken fall back to it"},
	{"TTS_LANGUAGE", CFG_STR, CFG_OFF(tts_language), "en-US", 0, 0, false,
	 "default speech language"},
	{"TTS_VOICE", CFG_STR, CFG_OFF(tts_voice), "", 0, 0, false,
	 "default voice; empty = the vendor's default"},
	{"STT_VENDOR", CFG_STR, CFG_OFF(stt_vendor), "", 0, 0, false,
	 "default recognition vendor of applications naming none; empty = "
	 "none"},
	{"STT_LANGUAGE", CFG_STR, CFG_OFF(stt_language), "en-US", 0, 0, false,
	 "default recognition language"},
	{"TTS_STRICT", CFG_BOOL, CFG_OFF(tts_strict), "false", 0, 0, false,
	 "fail a say with a vendor the server lacks instead of falling back"},
	{"TTS_CACHE_MB", CFG_U32, CFG_OFF(tts_cache_mb), "64", 0, 65536, false,
	 "synthesised speech cache, MB"},
	{"SPEECH_CREDENTIALS_FILE", CFG_STR, CFG_OFF(speech_creds_file), "", 0,
	 0, false,
	 "speech vendor credentials (JSON rows shaped as jambonz's "
	 "speech_credentials); empty = none"},
	{"ENCRYPTION_SECRET", CFG_STR, CFG_OFF(encryption_secret), "", 0, 0,
	 true,
	 "the jambonz api-server's secret: decrypts the speech credentials "
	 "of the MySQL directory"},
	{"JWT_SECRET", CFG_STR, CFG_OFF(jwt_secret), "", 0, 0, true,
	 "used instead of ENCRYPTION_SECRET when that is empty, as jambonz "
	 "does"},
	{"LEGACY_CRYPTO", CFG_BOOL, CFG_OFF(legacy_crypto), "false", 0, 0,
	 false,
	 "values were encrypted with AES-256-CTR (jambonz's "
	 "LEGACY_CRYPTO)"},
	{"TTS_VENDOR_TIMEOUT_MS", CFG_U32, CFG_OFF(tts_vendor_timeout_ms),
	 "20000", 100, 600000, false,
	 "one request to a cloud speech vendor, ms"},
	{"AUDIO_CACHE_MB", CFG_U32, CFG_OFF(audio_cache_mb), "128", 0, 65536,
	 false, "decoded audio file cache, MB"},
	{"AUDIO_MAX_FILE_MB", CFG_U32, CFG_OFF(audio_max_file_mb), "50", 1,
	 4096, false, "largest audio file fetched by play, MB"},
	{"MAX_VERBS_PER_DOC", CFG_U32, CFG_OFF(max_verbs_per_doc), "1000", 1,
	 1000000, false, "most verbs in one webhook answer"},
	{"HOOK_JSON_MAX_DEPTH", CFG_U32, CFG_OFF(hook_json_max_depth), "64", 4,
	 10000, false, "deepest JSON nesting accepted in a webhook answer"},
	{"MAX_HOOK_ROUNDS", CFG_U32, CFG_OFF(max_hook_rounds), "1000", 0,
	 1000000, false,
	 "most actionHook/redirect requests of one call (0 = no limit); "
	 "past it the call ends"},
	{"HTTP_DENY_NETS", CFG_STR, CFG_OFF(http_deny_nets),
	 "169.254.0.0/16,fe80::/10", 0, 0, false,
	 "CIDR list hook and audio URLs may not connect to (checked after "
	 "DNS); empty = none"},
	{"AUDIO_MAX_INFLIGHT", CFG_U32, CFG_OFF(audio_max_inflight), "4", 1,
	 64, false, "audio fetches or syntheses in flight per call"},
	{"AUDIO_MAX_CALL_MB", CFG_U32, CFG_OFF(audio_max_call_mb), "64", 1,
	 4096, false, "decoded audio one say/play may hold, MB"},
	{"AUDIO_MAX_SECS", CFG_U32, CFG_OFF(audio_max_secs), "3600", 1, 86400,
	 false, "longest audio file decoded, seconds"},
	{"AUDIO_DECODE_MAX_MS", CFG_U32, CFG_OFF(audio_decode_max_ms), "10000",
	 100, 600000, false, "most time spent decoding one audio file, ms"},
	{"TTS_MAX_TEXT", CFG_U32, CFG_OFF(tts_max_text), "20000", 1, 1000000,
	 false, "most text one say verb may speak, bytes"},
	{"JAMBONES_SAY_CHUNK_SIZE", CFG_U32, CFG_OFF(say_chunk_size), "900", 0,
	 100000, false,
	 "say text longer than this is cut into pieces, each synthesised "
	 "on its own; 0 = never"},
	{"TTS_MAX_QUEUE", CFG_U32, CFG_OFF(tts_max_queue), "200", 1, 100000,
	 false, "syntheses waiting or running per loop; more fail at once"},
	{"JAMBONES_REDIS_HOST", CFG_STR, CFG_OFF(redis_host), "", 0, 0, false,
	 "call registry in Redis, shared by instances; empty = none"},
	{"JAMBONES_REDIS_PORT", CFG_U32, CFG_OFF(redis_port), "6379", 1, 65535,
	 false, "Redis port"},
	{"REDIS_CALL_TTL", CFG_U32, CFG_OFF(redis_call_ttl), "3600", 10,
	 604800, false,
	 "seconds a call's registry entry lives unless refreshed"},
	{"INSTANCE_REST_URL", CFG_STR, CFG_OFF(instance_rest_url), "", 0, 0,
	 false,
	 "URL other instances reach this one's REST API at; empty = "
	 "http://HTTP_ADDR:HTTP_PORT"},
	{"JAMBONES_SBCS", CFG_STR, CFG_OFF(jambonz_sbcs), "", 0, 0, false,
	 "jambonz SBCs (host[:port], comma separated): OPTIONS pings with "
	 "X-FS-Status/X-FS-Calls go to each, and outdials go to them in "
	 "turn (a dial leg to its call's SBC) unless SIP_OUTBOUND_PROXY "
	 "names another address; empty = none"},
	{"JAMBONES_CLUSTER_ID", CFG_STR, CFG_OFF(cluster_id), "default", 0, 0,
	 false,
	 "prefix of the jambonz Redis sets (<id>:active-fs, "
	 "<id>:fs-service-url)"},
	{"OPTIONS_PING_INTERVAL", CFG_U32, CFG_OFF(options_ping_ms), "30000",
	 1000, 3600000, false, "ms between OPTIONS pings to JAMBONES_SBCS"},
	{"JAMBONZ_SBC_HEADERS", CFG_STR, CFG_OFF(sbc_headers), "auto", 0, 0,
	 false,
	 "X-Jambonz-Routing, X-Account-Sid, X-Call-Sid... on outbound "
	 "INVITEs, as sbc-outbound requires: on, off, or auto (on when "
	 "JAMBONES_SBCS or JAMBONES_MYSQL_HOST is set)"},
	{"SBC_TRUSTED_NETS", CFG_STR, CFG_OFF(sbc_trusted_nets), "", 0, 0,
	 false,
	 "networks (CIDR, comma separated) whose INVITEs are taken and whose "
	 "X-Account-Sid/X-Application-Sid are believed; others get 403; "
	 "empty = anyone"},
	{"SIP_INVITE_RATE", CFG_U32, CFG_OFF(sip_invite_rate), "500", 0,
	 1000000, false,
	 "new INVITEs per second from one source address, beyond: 503; "
	 "0 = no limit"},
	{"SIP_INVITE_BURST", CFG_U32, CFG_OFF(sip_invite_burst), "1000", 1,
	 1000000, false, "INVITEs one source may send at once above the rate"},
	{"MAX_CALLS", CFG_U32, CFG_OFF(max_calls), "4000", 0, 1000000, false,
	 "concurrent calls; a new INVITE beyond: 503 with Retry-After; 0 = "
	 "no limit"},
	{"MAX_CALL_DURATION_SECS", CFG_U32, CFG_OFF(max_call_duration_s),
	 "14400", 0, 2592000, false,
	 "seconds after which a call is hung up; 0 = no limit"},
	{"JAMBONES_LOGLEVEL", CFG_LOGLEVEL, CFG_OFF(loglevel), "info", 0, 0,
	 false, "error, warn, info or debug"},
	{"LOG_FORMAT", CFG_STR, CFG_OFF(logformat), "plain", 0, 0, false,
	 "plain (one text line each) or json (one JSON object a line, pino's "
	 "fields)"},
};

#define CFG_N (sizeof(cfg_items) / sizeof(cfg_items[0]))

static void cfg_destructor(void *data)
{
	struct cfg *cfg = data;

	for (size_t i = 0; i < CFG_N; i++) {
		const struct cfg_item *it = &cfg_items[i];

		if (it->type == CFG_STR || it->type == CFG_LOGLEVEL) {
			char **sp = (char **)(void *)((char *)cfg + it->off);
			*sp = mem_deref(*sp);
		}
	}
}

size_t cfg_count(void)
{
	return CFG_N;
}

const char *cfg_name(size_t i)
{
	return i < CFG_N ? cfg_items[i].name : NULL;
}

static const struct cfg_item *cfg_find(const char *name, size_t len)
{
	for (size_t i = 0; i < CFG_N; i++) {
		if (strlen(cfg_items[i].name) == len &&
		    !strncmp(cfg_items[i].name, name, len))
			return &cfg_items[i];
	}
	return NULL;
}

static int cfg_parse_bool(const char *v, bool *bp)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*bp = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*bp = false;
			return 0;
		}
	}
	return EINVAL;
}

/* Store one value; on error write the reason (without location) */
static int cfg_set(struct cfg *cfg, const struct cfg_item *it, const char *v,
		   char *err, size_t errsz)
{
	void *field = (char *)cfg + it->off;
	enum fs_log_level lvl;
	unsigned long long n;
	char *end;
	char *s;
	bool b;
	int e;

	switch (it->type) {
	case CFG_U32_AUTO:
		if (!strcasecmp(v, "auto")) {
			*(uint32_t *)field = 0;
			return 0;
		}
		/* fall through */
	case CFG_U32:
		errno = 0;
		if (!*v || *v == '-') {
			re_snprintf(err, errsz, "%s: '%s' is not a number%s",
				    it->name, v,
				    it->type == CFG_U32_AUTO ? " or auto"
							     : "");
			return EINVAL;
		}
		n = strtoull(v, &end, 10);
		if (errno || *end) {
			re_snprintf(err, errsz, "%s: '%s' is not a number%s",
				    it->name, v,
				    it->type == CFG_U32_AUTO ? " or auto"
							     : "");
			return EINVAL;
		}
		if (n < it->min || n > it->max) {
			re_snprintf(err, errsz,
				    "%s: %s is out of range %u..%u", it->name,
				    v, it->min, it->max);
			return ERANGE;
		}
		*(uint32_t *)field = (uint32_t)n;
		return 0;

	case CFG_BOOL:
		if (cfg_parse_bool(v, &b)) {
			re_snprintf(err, errsz,
				    "%s: '%s' is not a boolean (true/false)",
				    it->name, v);
			return EINVAL;
		}
		*(bool *)field = b;
		return 0;

	case CFG_LOGLEVEL:
		if (log_level_parse(v, &lvl)) {
			re_snprintf(err, errsz,
				    "%s: '%s' is not one of error, warn, "
				    "info, debug",
				    it->name, v);
			return EINVAL;
		}
		/* stored as the string */
		__attribute__((fallthrough));
	case CFG_STR:
		e = str_dup(&s, v);
		if (e)
			return e;
		mem_deref(*(char **)field);
		*(char **)field = s;
		return 0;
	}
	return EINVAL;
}

static char *cfg_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			 e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int cfg_parse_file(struct cfg *cfg, const char *path, char *err,
			  size_t errsz)
{
	char line[4096];
	char why[512];
	unsigned lineno = 0;
	FILE *f;
	int e = 0;

	f = fopen(path, "r");
	if (!f) {
		e = errno;
		re_snprintf(err, errsz, "%s: cannot open: %m", path, e);
		return e;
	}

	while (fgets(line, sizeof(line), f)) {
		const struct cfg_item *it;
		char *key, *val, *eq;
		size_t vlen;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			re_snprintf(err, errsz, "%s:%u: line too long", path,
				    lineno);
			e = EINVAL;
			break;
		}
		key = cfg_trim(line);
		if (!*key || *key == '#')
			continue;
		if (!strncmp(key, "export ", 7))
			key = cfg_trim(key + 7);
		eq = strchr(key, '=');
		if (!eq) {
			re_snprintf(err, errsz,
				    "%s:%u: expected NAME=value, got '%s'",
				    path, lineno, key);
			e = EINVAL;
			break;
		}
		*eq = '\0';
		key = cfg_trim(key);
		val = cfg_trim(eq + 1);
		vlen = strlen(val);
		if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') &&
		    val[vlen - 1] == val[0]) {
			val[vlen - 1] = '\0';
			val++;
		}
		it = cfg_find(key, strlen(key));
		if (!it) {
			re_snprintf(err, errsz, "%s:%u: unknown setting '%s'",
				    path, lineno, key);
			e = EINVAL;
			break;
		}
		e = cfg_set(cfg, it, val, why, sizeof(why));
		if (e) {
			re_snprintf(err, errsz, "%s:%u: %s", path, lineno,
				    why);
			break;
		}
	}
	if (!e && ferror(f)) {
		e = EIO;
		re_snprintf(err, errsz, "%s: read error", path);
	}
	fclose(f);
	return e;
}

bool cfg_addr_loopback(const char *addr)
{
	struct sa sa;

	if (!addr || sa_set_str(&sa, addr, 0))
		return false;
	return sa_is_loopback(&sa);
}

int cfg_http_url(char **urlp, const struct cfg *cfg, const char *path)
{
	const char *host;

	if (!urlp || !cfg)
		return EINVAL;
	host = !*cfg->http_addr || !strcmp(cfg->http_addr, "0.0.0.0")
		       ? "127.0.0.1"
		       : cfg->http_addr;
	return re_sdprintf(urlp, "http://%s:%u%s", host, cfg->http_port,
			   path ? path : "");
}

bool cfg_api_exposed(const struct cfg *cfg, const char *bound_addr)
{
	return !cfg_addr_loopback(bound_addr ? bound_addr : cfg->http_addr) &&
	       (!cfg->http_api_key || !*cfg->http_api_key);
}

static int cfg_check(const struct cfg *cfg, char *err, size_t errsz)
{
	struct sa sa;

	if (sa_set_str(&sa, cfg->http_addr, 0)) {
		re_snprintf(err, errsz,
			    "HTTP_ADDR: '%s' is not an IPv4 or IPv6 address",
			    cfg->http_addr);
		return EINVAL;
	}
	if (cfg_api_exposed(cfg, NULL) && !cfg->http_api_insecure) {
		re_snprintf(err, errsz,
			    "HTTP_ADDR %s is not a loopback address and "
			    "HTTP_API_KEY is empty: anyone who reaches it "
			    "could place calls and stop the server; set "
			    "HTTP_API_KEY (or HTTP_API_INSECURE=true to "
			    "allow it anyway)",
			    cfg->http_addr);
		return EINVAL;
	}
	if (cfg->rtp_port_min >= cfg->rtp_port_max) {
		re_snprintf(err, errsz,
			    "RTP_PORT_MIN (%u) must be below RTP_PORT_MAX "
			    "(%u)",
			    cfg->rtp_port_min, cfg->rtp_port_max);
		return EINVAL;
	}
	if (*cfg->sbc_trusted_nets) {
		struct netlist *nets = NULL;
		char why[160] = "";
		int e = netlist_parse_some(&nets, cfg->sbc_trusted_nets, why,
					   sizeof(why));

		mem_deref(nets);
		if (e) {
			re_snprintf(err, errsz, "SBC_TRUSTED_NETS: %s", why);
			return e;
		}
	}
	if (strcasecmp(cfg->sbc_headers, "auto") &&
	    strcasecmp(cfg->sbc_headers, "on") &&
	    strcasecmp(cfg->sbc_headers, "off")) {
		re_snprintf(
			err, errsz,
			"JAMBONZ_SBC_HEADERS: '%s' is not one of auto, on, "
			"off",
			cfg->sbc_headers);
		return EINVAL;
	}
	if (log_format_parse(cfg->logformat, NULL)) {
		re_snprintf(err, errsz,
			    "LOG_FORMAT: '%s' is not one of plain, json",
			    cfg->logformat);
		return EINVAL;
	}
	if (strcasecmp(cfg->rtp_source_check, "latch") &&
	    strcasecmp(cfg->rtp_source_check, "sdp") &&
	    strcasecmp(cfg->rtp_source_check, "off")) {
		re_snprintf(err, errsz,
			    "RTP_SOURCE_CHECK: '%s' is not one of latch, sdp, "
			    "off",
			    cfg->rtp_source_check);
		return EINVAL;
	}
	return 0;
}

/* jambonz sends every outdial to one of its SBCs: without a proxy of
 * its own, the first of JAMBONES_SBCS stands for them (target.c takes
 * them in turn) */
static int cfg_sbc_proxy(struct cfg *cfg)
{
	const char *s = cfg->jambonz_sbcs, *end;

	if (*cfg->sip_outbound_proxy || !*s)
		return 0;
	while (*s == ' ' || *s == ',')
		s++;
	end = s;
	while (*end && *end != ',' && *end != ' ')
		end++;
	if (end == s)
		return 0;
	cfg->sip_outbound_proxy = mem_deref(cfg->sip_outbound_proxy);
	return re_sdprintf(&cfg->sip_outbound_proxy, "%b", s,
			   (size_t)(end - s));
}

#ifndef FS_CONFIG_FILE
#define FS_CONFIG_FILE "/etc/feature-server/feature-server.conf"
#endif

const char *cfg_default_path(void)
{
	return access(FS_CONFIG_FILE, R_OK) ? NULL : FS_CONFIG_FILE;
}

int cfg_load(struct cfg **cfgp, const char *path, char *err, size_t errsz)
{
	char why[512];
	struct cfg *cfg;
	int e = 0;

	if (!cfgp || !err || !errsz)
		return EINVAL;
	*err = '\0';

	cfg = mem_zalloc(sizeof(*cfg), cfg_destructor);
	if (!cfg)
		return ENOMEM;

	for (size_t i = 0; i < CFG_N && !e; i++) {
		e = cfg_set(cfg, &cfg_items[i], cfg_items[i].def, why,
			    sizeof(why));
		if (e)
			re_snprintf(err, errsz, "default %s", why);
	}
	if (!e && path)
		e = cfg_parse_file(cfg, path, err, errsz);

	for (size_t i = 0; i < CFG_N && !e; i++) {
		const char *v = getenv(cfg_items[i].name);

		if (!v)
			continue;
		e = cfg_set(cfg, &cfg_items[i], v, why, sizeof(why));
		if (e)
			re_snprintf(err, errsz, "environment %s", why);
	}
	if (!e)
		e = cfg_sbc_proxy(cfg);
	if (!e)
		e = cfg_check(cfg, err, errsz);

	if (e)
		mem_deref(cfg);
	else
		*cfgp = cfg;
	return e;
}

static void cfg_print_value(const struct cfg *cfg, const struct cfg_item *it,
			    FILE *f)
{
	const void *field = (const char *)cfg + it->off;

	switch (it->type) {
	case CFG_U32_AUTO:
		if (!*(const uint32_t *)field) {
			fputs("auto", f);
			break;
		}
		/* fall through */
	case CFG_U32:
		fprintf(f, "%u", *(const uint32_t *)field);
		break;
	case CFG_BOOL:
		fputs(*(const bool *)field ? "true" : "false", f);
		break;
	case CFG_STR:
	case CFG_LOGLEVEL:
		if (it->secret && **(char *const *)field)
			fputs("********", f);
		else
			fputs(*(char *const *)field, f);
		break;
	}
}

int cfg_print(const struct cfg *cfg, FILE *f)
{
	if (!cfg || !f)
		return EINVAL;
	for (size_t i = 0; i < CFG_N; i++) {
		fprintf(f, "%s=", cfg_items[i].name);
		cfg_print_value(cfg, &cfg_items[i], f);
		fputc('\n', f);
	}
	return 0;
}

void cfg_print_help(FILE *f)
{
	for (size_t i = 0; i < CFG_N; i++)
		fprintf(f, "  %-42s %s (default: %s)\n", cfg_items[i].name,
			cfg_items[i].help,
			*cfg_items[i].def ? cfg_items[i].def : "empty");
}
