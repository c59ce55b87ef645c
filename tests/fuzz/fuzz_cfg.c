/**
 * @file fuzz_cfg.c  The configuration file parser (cfg_load)
 *
 * Input: a whole config file. A file that loads is printed too (the
 * path --print-config takes). The environment is cleared of settings
 * first so only the file counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <re.h>
#include "base/cfg.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct cfg *cfg = NULL;
	char err[512];

	if (!devnull) {
		fuzz_init();
		for (size_t i = 0; i < cfg_count(); i++)
			unsetenv(cfg_name(i));
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			abort();
	}
	if (!cfg_load(&cfg, fuzz_memfile(data, size), err, sizeof(err))) {
		cfg_print(cfg, devnull);
		mem_deref(cfg);
	}
	return 0;
}
