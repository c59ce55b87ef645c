/**
 * @file fuzz_directory.c  The JSON directory file (directory_alloc)
 *
 * Input: a directory file. One that loads is then asked the lookups an
 * INVITE makes: by number (with and without '+', with a carrier), by
 * application_sid, by account, and for an unknown number.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "dir/directory.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_dir_h(int err, uint16_t scode, const char *reason,
		       struct dir_app *app, void *arg)
{
	unsigned *n = arg;

	/* an error has a status and a reason, a success an application */
	if (err ? (scode < 300 || !reason || app) : !app)
		abort();
	++*n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dir_query qs[] = {
		{.called = "15551234567"},
		{.called = "+15551234567"},
		{.called = "15551234567", .carrier_sid = "carrier-1"},
		{.called = "x", .application_sid = "app-1"},
		{.called = "15551234567", .account_sid = "acct-1"},
		{.called = "",
		 .account_sid = "acct-1",
		 .application_sid = "app-1"},
		{.called = "none"},
	};
	struct dir_hook hook = {.url = "http://127.0.0.1:9/hook"};
	struct dir_conf dc = {
		.call_hook = &hook,
		.status_hook = &hook,
		.secret = "secret",
		.demo_base = "http://127.0.0.1:3000",
	};
	struct directory *d = NULL;
	char why[512];
	unsigned n = 0;

	fuzz_init();
	dc.file = fuzz_memfile(data, size);
	/* no default hook: numbers that match nothing have no app */
	if (size && data[0] == ' ')
		dc.call_hook = NULL;
	if (directory_alloc(&d, &dc, why, sizeof(why)))
		return 0;
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		if (directory_lookup(d, &qs[i], fuzz_dir_h, &n))
			continue;
	}
	mem_deref(d);
	return 0;
}
