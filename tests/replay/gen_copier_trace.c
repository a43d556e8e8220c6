/* nvt-gen-copier-trace OUT [--wrong]: writes the copy engine's trace (copier_trace.h); with
 * --wrong its recorded DMA writes differ from what the engine writes at byte 3. */
#include <stdio.h>
#include <string.h>

#include "copier_trace.h"

int main(int argc, char **argv)
{
    if (argc < 2 || (argc == 3 && strcmp(argv[2], "--wrong") != 0) || argc > 3) {
        fprintf(stderr, "usage: nvt-gen-copier-trace OUT [--wrong]\n");
        return 2;
    }
    static const uint8_t wrong[8] = {2, 3, 4, 0xee, 6, 7, 8, 9};
    nvt_trace *t = copier_trace(copier_src, argc == 3 ? wrong : copier_dst, 0x12345678u);
    nvt_error err;
    if (!t || nvt_trace_write(t, NULL, argv[1], NULL, &err) < 0) {
        fprintf(stderr, "nvt-gen-copier-trace: %s\n", t ? err.msg : "out of memory");
        nvt_trace_free(t);
        return 1;
    }
    nvt_trace_free(t);
    return 0;
}
