/* libFuzzer target for the spec parser: YAML syntax, the tree builder's
 * limits, extends of built-in templates, the schema and the printers.
 * Build with CC=clang ./configure --enable-fuzzing; run as
 * tests/fuzz/fuzz_spec -max_total_time=300 CORPUS_DIR templates/ */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "log.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct spec spec;
	struct diag d;

	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	diag_init(&d);
	if (spec_load_buffer(&spec, &d, "fuzz.yaml", (const char *)data, size,
			     SPEC_NO_FILES) == 0) {
		spec_write_yaml(sink, &spec);
		spec_release(&spec);
	}
	/* Formatting every message exercises the positions and texts too. */
	log_set_output(sink, false);
	diag_print(&d);
	diag_release(&d);
	return 0;
}
