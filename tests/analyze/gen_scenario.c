/* nvt-gen-scenario OUT CASE [N_IO]: writes a named scenario (tests/analyze/cases.c) with the
 * project's writer. CASE: one of the names case_scenario (cases.h) knows. */
#include <stdio.h>
#include <stdlib.h>

#include "cases.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nvt-gen-scenario OUT CASE [N_IO]\n");
        return 2;
    }
    struct scen s;
    if (case_scenario(argv[2], &s) < 0) {
        fprintf(stderr, "nvt-gen-scenario: unknown case '%s'\n", argv[2]);
        return 2;
    }
    if (argc > 3)
        s.n_io = atoi(argv[3]);
    nvt_error err;
    if (scen_write(argv[1], &s, &err) < 0) {
        fprintf(stderr, "nvt-gen-scenario: %s\n", err.msg);
        return 1;
    }
    return 0;
}
