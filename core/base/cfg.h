/**
 * @file cfg.h  Configuration: defaults, file, environment overrides
 *
 * Every setting has one entry in the table of cfg.c (name, type, default,
 * meaning). Precedence: built-in default < config file < environment.
 */
#ifndef CFG_H
#define CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cfg {
	/* SIP and media */
	char *sip_listen;      /* SIP_LISTEN "0.0.0.0:5060"            */
	uint32_t sip_loops;    /* SIP_LOOPS auto: 0 until main resolves */
	uint32_t rtp_port_min; /* RTP_PORT_MIN 40000                   */
	uint32_t rtp_port_max; /* RTP_PORT_MAX 60000                   */

	/* media sources */
	char *rtp_source_check; /* RTP_SOURCE_CHECK "latch" */

	/* HTTP listener */
	char *http_addr;    /* HTTP_ADDR "127.0.0.1"                */
	uint32_t http_port; /* HTTP_PORT 3000                       */

	/* webhooks / requestor */
	uint32_t http_poolsize;   /* HTTP_POOLSIZE 20               */
	uint32_t http_pipelining; /* HTTP_PIPELINING 10             */
	uint32_t http_timeout_ms; /* JAMBONES_HTTP_TIMEOUT 10000    */
	uint32_t http_max_body;   /* HTTP_MAX_BODY 1048576          */
	uint32_t pool_cleanup_ms; /* JAMBONES_CONNECTION_POOL_CLEANUP_INTERVAL
				   */
	char *http_user_agent;    /* JAMBONES_HTTP_USER_AGENT_HEADER */
	uint32_t webhook_error_return; /* JAMBONES_WEBHOOK_ERROR_RETURN 480 */
	uint32_t ws_handshake_timeout_ms; /* JAMBONES_WS_HANDSHAKE_TIMEOUT_MS
					     1500 */
	uint32_t ws_ping_interval_ms;     /* JAMBONES_WS_PING_INTERVAL_MS 0 */
	uint32_t
		ws_response_timeout_ms; /* JAMBONES_WS_API_MSG_RESPONSE_TIMEOUT
					   5000 */
	uint32_t ws_max_payload;        /* JAMBONES_WS_MAX_PAYLOAD 24576 */

	/* plugins */
	char *plugin_dir;    /* PLUGIN_DIR "" = <binary dir>/plugins */
	char *preload_tasks; /* PRELOAD_TASKS "say,gather,dial,hangup,play" */
	bool preload_common; /* JAMBONES_PRELOAD_COMMON_TASKS true   */
	uint32_t task_cache_size; /* JAMBONES_TASK_CACHE_SIZE 100         */

	/* listeners */
	uint32_t max_listeners; /* JAMBONES_EVENT_MANAGER_MAX_LISTENERS 200 */

	/* directory */
	char *mysql_host; /* JAMBONES_MYSQL_HOST "" = file directory */
	uint32_t mysql_port;
	char *mysql_user;
	char *mysql_password;
	char *mysql_database;
	uint32_t mysql_conn_limit;
	uint32_t mysql_idle_timeout_ms;
	uint32_t mysql_acquire_timeout_ms;
	uint32_t mysql_query_timeout_ms; /* JAMBONES_MYSQL_QUERY_TIMEOUT */
	uint32_t mysql_cache_ttl_ms;     /* JAMBONES_MYSQL_CACHE_TTL 5000 */

	/* outbound calls */
	char *sip_outbound_proxy; /* SIP_OUTBOUND_PROXY "" */
	char *http_api_key;       /* HTTP_API_KEY "" = REST open */
	bool http_api_insecure;   /* HTTP_API_INSECURE false     */

	/* directory and default application */
	char *directory_file;    /* DIRECTORY_FILE ""            */
	char *default_call_hook; /* DEFAULT_CALL_HOOK ""         */
	char *default_call_hook_method;
	char *default_call_hook_username;
	char *default_call_hook_password;
	char *default_status_hook; /* DEFAULT_CALL_STATUS_HOOK ""  */
	char *default_status_hook_method;
	char *default_webhook_secret;

	/* speech and audio */
	char *tts_vendor;           /* TTS_VENDOR "flite"                   */
	char *tts_language;         /* TTS_LANGUAGE "en-US"                 */
	char *tts_voice;            /* TTS_VOICE ""                         */
	char *stt_vendor;           /* STT_VENDOR ""                        */
	char *stt_language;         /* STT_LANGUAGE "en-US"                 */
	bool tts_strict;            /* TTS_STRICT false                     */
	uint32_t tts_cache_mb;      /* TTS_CACHE_MB 64                      */
	uint32_t audio_cache_mb;    /* AUDIO_CACHE_MB 128                   */
	uint32_t audio_max_file_mb; /* AUDIO_MAX_FILE_MB 50              */

	/* limits on what webhooks and media may cost a call */
	uint32_t max_verbs_per_doc;     /* MAX_VERBS_PER_DOC 1000          */
	uint32_t hook_json_max_depth;   /* HOOK_JSON_MAX_DEPTH 64          */
	uint32_t max_hook_rounds;       /* MAX_HOOK_ROUNDS 1000 (0: none)  */
	char *http_deny_nets;           /* HTTP_DENY_NETS link-local       */
	uint32_t audio_max_inflight;    /* AUDIO_MAX_INFLIGHT 4            */
	uint32_t audio_max_call_mb;     /* AUDIO_MAX_CALL_MB 64            */
	uint32_t audio_max_secs;        /* AUDIO_MAX_SECS 3600             */
	uint32_t audio_decode_max_ms;   /* AUDIO_DECODE_MAX_MS 10000       */
	uint32_t tts_max_text;          /* TTS_MAX_TEXT 20000              */
	uint32_t say_chunk_size;        /* JAMBONES_SAY_CHUNK_SIZE 900     */
	uint32_t tts_max_queue;         /* TTS_MAX_QUEUE 200               */
	char *speech_creds_file;        /* SPEECH_CREDENTIALS_FILE ""      */
	char *encryption_secret;        /* ENCRYPTION_SECRET ""            */
	char *jwt_secret;               /* JWT_SECRET ""                   */
	bool legacy_crypto;             /* LEGACY_CRYPTO false             */
	uint32_t tts_vendor_timeout_ms; /* TTS_VENDOR_TIMEOUT_MS 20000   */

	/* scale-out: call registry in Redis */
	char *redis_host;        /* JAMBONES_REDIS_HOST "" = none        */
	uint32_t redis_port;     /* JAMBONES_REDIS_PORT 6379             */
	uint32_t redis_call_ttl; /* REDIS_CALL_TTL 3600 (s)              */
	char *instance_rest_url; /* INSTANCE_REST_URL ""                 */

	/* a jambonz cluster: sbc-inbound, sbc-outbound, the portal */
	char *jambonz_sbcs;       /* JAMBONES_SBCS "" = none             */
	char *cluster_id;         /* JAMBONES_CLUSTER_ID "default"       */
	uint32_t options_ping_ms; /* OPTIONS_PING_INTERVAL 30000         */
	char *sbc_headers;        /* JAMBONZ_SBC_HEADERS "auto"          */

	/* SIP admission and limits */
	char *sbc_trusted_nets;       /* SBC_TRUSTED_NETS "" = anyone        */
	uint32_t sip_invite_rate;     /* SIP_INVITE_RATE 500 per source, /s  */
	uint32_t sip_invite_burst;    /* SIP_INVITE_BURST 1000           */
	uint32_t max_calls;           /* MAX_CALLS 4000, 0 = no limit    */
	uint32_t max_call_duration_s; /* MAX_CALL_DURATION_SECS 14400    */

	/* logging */
	char *loglevel;  /* JAMBONES_LOGLEVEL "info"             */
	char *logformat; /* LOG_FORMAT "plain" or "json"          */
};

/**
 * Load configuration: defaults, then path (may be NULL), then the
 * environment.
 *
 * @param cfgp  Returns a new reference
 * @param path  Config file or NULL
 * @param err   Receives "file:line: reason" or "env NAME: reason"
 * @return 0, ENOENT (file missing), EINVAL (bad line or value), ENOMEM
 */
int cfg_load(struct cfg **cfgp, const char *path, char *err, size_t errsz);

/**
 * The configuration file read when none is named (-c): FS_CONFIG_FILE,
 * compiled in from the install's SYSCONFDIR, when it is there.
 *
 * @return the path (static), or NULL: defaults and environment only
 */
const char *cfg_default_path(void);

/** Print every setting with its effective value (passwords masked) */
int cfg_print(const struct cfg *cfg, FILE *f);

/** Print the table: name, default, meaning (for --help and docs) */
void cfg_print_help(FILE *f);

/** @return true when addr is an IP literal in 127.0.0.0/8 or ::1 */
bool cfg_addr_loopback(const char *addr);

/**
 * @param bound_addr The address the listener really has (a reload cannot
 *                   move it), or NULL for cfg's own HTTP_ADDR
 * @return true when the REST API would be reachable from the network
 *         without a key
 */
bool cfg_api_exposed(const struct cfg *cfg, const char *bound_addr);

/**
 * A URL of the REST listener as this host reaches it,
 * "http://host:port<path>" (new string): an empty or wildcard (0.0.0.0)
 * HTTP_ADDR is reached on 127.0.0.1.
 */
int cfg_http_url(char **urlp, const struct cfg *cfg, const char *path);

/** @return number of entries and the name of entry i (for tests) */
size_t cfg_count(void);
const char *cfg_name(size_t i);

#endif
