/**
 * @file fuzz_outcall.c  createCall and updateCall bodies (outcall.c)
 *
 * Input: one character saying how the called party answers ('2': 200
 * with SDP, '1': 180 then 200, '8': 183 then 200, '4': 486, anything
 * else: never), the createCall body, then updateCall bodies each after
 * a line "%%%". The body goes through outcall_create as the REST
 * handler passes it (target, application, headers, limits); a call
 * placed sends its INVITE to the client socket of fuzz.h, which plays
 * the SBC and answers. Each updateCall body goes to outcall_update (the
 * loop-side half of update_call, called directly since this
 * process has one loop).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <json-c/json.h>
#include "app.h"
#include "call/outcall.h"
#include "loop/loop.h"
#include "fuzz.h"

#define FUZZ_OUTCALL_MAX_UPDATES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_object *fuzz_outcall_json(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	struct json_object *o;

	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	o = json_tokener_parse(s);
	free(s);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_srv srv;
	static bool up;
	const uint8_t *p, *end = data + size, *sep;
	struct json_object *body;
	char sid[37] = "", err[300] = "", *callid = NULL;
	char how;
	int e;

	if (!up) {
		if (fuzz_srv_start(&srv, NULL))
			abort();
		up = true;
	}
	if (size < 2)
		return 0;
	how = (char)data[0];
	p = data + 1;
	sep = memmem(p, (size_t)(end - p), "\n%%%\n", 5);
	body = fuzz_outcall_json(p, (size_t)((sep ? sep : end) - p));
	e = outcall_create(&srv.app->loop->env, body, sid, &callid, err,
			   sizeof(err));
	json_object_put(body);
	mem_deref(callid);
	if (e && !err[0])
		abort(); /* a refused body must say why */
	fuzz_spin(3);
	fuzz_srv_drain(&srv);
	if (!e) {
		if (how == '1' || how == '8')
			fuzz_srv_answer(&srv, how == '1' ? 180 : 183);
		if (how == '1' || how == '8' || how == '2')
			fuzz_srv_answer(&srv, 200);
		else if (how == '4')
			fuzz_srv_answer(&srv, 486);
		fuzz_spin(4);
		fuzz_srv_drain(&srv);
	}
	for (unsigned n = 0; n < FUZZ_OUTCALL_MAX_UPDATES && sep; n++) {
		const uint8_t *next;

		p = sep + 5;
		next = memmem(p, (size_t)(end - p), "\n%%%\n", 5);
		body = fuzz_outcall_json(p, (size_t)((next ? next : end) - p));
		err[0] = '\0';
		if (outcall_update(&srv.app->loop->env, e ? "none" : sid, body,
				   err, sizeof(err)) != 202 &&
		    !err[0])
			abort();
		json_object_put(body);
		fuzz_spin(3);
		fuzz_srv_drain(&srv);
		sep = next;
	}
	fuzz_srv_reset(&srv);
	return 0;
}
