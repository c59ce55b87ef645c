/**
 * @file mysql_dl.c  The MariaDB client library, opened on first use
 *
 * The server is not linked with libmariadb: only a MySQL directory
 * (JAMBONES_MYSQL_HOST) needs it, and linked it costs every server its
 * code and relocations at start. This file defines the client functions
 * dbpool.c calls, with the library's own prototypes (mysql.h), and
 * forwards each to the library's definition, found once by dlsym when
 * mysql_server_init() (mysql_library_init) first runs. Until then, or if
 * the library cannot be opened, they fail as the library would.
 *
 * The library's calls between its own exported functions may bind to
 * these definitions (the executable's symbols come first); they forward,
 * so that is harmless.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <mysql.h>
#include <errmsg.h>
#include "base/dlib.h"
#include "base/log.h"

#define MYSQL_DL_LIB "libmariadb.so.3"

/* Every function we forward: name, return type, parameters, arguments,
 * and what it returns when the library is missing */
#define MYSQL_DL_FUNCS(X)                                                     \
	X(mysql_server_init, int, (int argc, char **argv, char **groups),     \
	  (argc, argv, groups), 1)                                            \
	X(mysql_init, MYSQL *, (MYSQL * mysql), (mysql), NULL)                \
	X(mysql_options, int,                                                 \
	  (MYSQL * mysql, enum mysql_option option, const void *arg),         \
	  (mysql, option, arg), 1)                                            \
	X(mysql_real_connect, MYSQL *,                                        \
	  (MYSQL * mysql, const char *host, const char *user,                 \
	   const char *passwd, const char *db, unsigned int port,             \
	   const char *unix_socket, unsigned long clientflag),                \
	  (mysql, host, user, passwd, db, port, unix_socket, clientflag),     \
	  NULL)                                                               \
	X(mysql_errno, unsigned int, (MYSQL * mysql), (mysql),                \
	  CR_UNKNOWN_ERROR)                                                   \
	X(mysql_error, const char *, (MYSQL * mysql), (mysql),                \
	  "the MariaDB client library is not loaded")                         \
	X(mysql_stmt_init, MYSQL_STMT *, (MYSQL * mysql), (mysql), NULL)      \
	X(mysql_stmt_prepare, int,                                            \
	  (MYSQL_STMT * stmt, const char *query, unsigned long length),       \
	  (stmt, query, length), 1)                                           \
	X(mysql_stmt_execute, int, (MYSQL_STMT * stmt), (stmt), 1)            \
	X(mysql_stmt_fetch, int, (MYSQL_STMT * stmt), (stmt), 1)              \
	X(mysql_stmt_fetch_column, int,                                       \
	  (MYSQL_STMT * stmt, MYSQL_BIND * bind_arg, unsigned int column,     \
	   unsigned long offset),                                             \
	  (stmt, bind_arg, column, offset), 1)                                \
	X(mysql_stmt_param_count, unsigned long, (MYSQL_STMT * stmt), (stmt), \
	  0)                                                                  \
	X(mysql_stmt_field_count, unsigned int, (MYSQL_STMT * stmt), (stmt),  \
	  0)                                                                  \
	X(mysql_stmt_bind_param, my_bool,                                     \
	  (MYSQL_STMT * stmt, MYSQL_BIND * bnd), (stmt, bnd), 1)              \
	X(mysql_stmt_bind_result, my_bool,                                    \
	  (MYSQL_STMT * stmt, MYSQL_BIND * bnd), (stmt, bnd), 1)              \
	X(mysql_stmt_free_result, my_bool, (MYSQL_STMT * stmt), (stmt), 1)    \
	X(mysql_stmt_close, my_bool, (MYSQL_STMT * stmt), (stmt), 1)          \
	X(mysql_stmt_errno, unsigned int, (MYSQL_STMT * stmt), (stmt),        \
	  CR_UNKNOWN_ERROR)                                                   \
	X(mysql_stmt_error, const char *, (MYSQL_STMT * stmt), (stmt),        \
	  "the MariaDB client library is not loaded")

#define MYSQL_DL_FIELD(name, ret, params, args, fail) \
	ret(STDCALL *name) params;

static struct {
	pthread_once_t once;
	bool ok;
	void(STDCALL *server_end)(void);
	void(STDCALL *close)(MYSQL *sock);
	MYSQL_DL_FUNCS(MYSQL_DL_FIELD)
} mysql_dl = {.once = PTHREAD_ONCE_INIT};

/* Never closed: its state lives until the process ends */
static void mysql_dl_open(void)
{
#define MYSQL_DL_SYM(name, ret, params, args, fail) \
	{#name, offsetof(__typeof__(mysql_dl), name)},
	static const struct dlib_sym syms[] = {
		{"mysql_server_end",
		 offsetof(__typeof__(mysql_dl), server_end)},
		{"mysql_close", offsetof(__typeof__(mysql_dl), close)},
		MYSQL_DL_FUNCS(MYSQL_DL_SYM)};

	if (dlib_open(MYSQL_DL_LIB, "dir", "mysql", syms, DLIB_NSYMS(syms),
		      &mysql_dl))
		return;
	mysql_dl.ok = true;
	fs_info("dir", "mysql: client library loaded (%s)", MYSQL_DL_LIB);
}

/* The first call (mysql_server_init, from the main thread) opens it;
 * the others only read what that call set */
#define MYSQL_DL_DEFINE(name, ret, params, args, fail)               \
	ret STDCALL name params                                      \
	{                                                            \
		if (!strcmp(#name, "mysql_server_init"))             \
			pthread_once(&mysql_dl.once, mysql_dl_open); \
		return mysql_dl.ok ? mysql_dl.name args : fail;      \
	}
MYSQL_DL_FUNCS(MYSQL_DL_DEFINE)

void STDCALL mysql_server_end(void)
{
	if (mysql_dl.ok)
		mysql_dl.server_end();
}

void STDCALL mysql_close(MYSQL *sock)
{
	if (mysql_dl.ok)
		mysql_dl.close(sock);
}
