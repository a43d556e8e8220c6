/* nvt-qtest-import SCRIPT OUT: nvt_qtest_import for the shell tests (the user-facing command is
 * `nvmetrace import qtest`). */
#include <stdio.h>
#include <stdlib.h>

#include "nvmetrace/replay.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: nvt-qtest-import SCRIPT OUT\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    static char text[1 << 24];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    nvt_error err;
    nvt_trace *t = nvt_qtest_import(text, n, argv[1], NULL, &err);
    if (!t || nvt_trace_write(t, NULL, argv[2], NULL, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        nvt_trace_free(t);
        return 1;
    }
    nvt_trace_free(t);
    return 0;
}
