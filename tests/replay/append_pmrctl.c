/* nvt-append-pmrctl IN OUT [COMMENT]: IN with the crashing sequence of QEMU issue #362 appended: a write
 * of 1 (PMRCTL.EN) to PMRCTL, BAR0 offset 0xe04, of a controller that has no Persistent
 * Memory Region. A QEMU without the fix dies with SIGSEGV; Debian's 7.2.22 ignores the write.
 * Used to make samples/crash/pmrctl-no-pmr/boot-then-pmrctl.pcapng.zst and by the tests. */
#include <stdio.h>
#include <string.h>

#include "nvmetrace/replay.h"

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: nvt-append-pmrctl IN OUT [COMMENT]\n");
        return 2;
    }
    nvt_error err;
    nvt_trace *t = nvt_trace_load(argv[1], &err);
    if (!t) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    size_t n = nvt_trace_count(t);
    uint64_t bar0 = 0, ts = 0;
    for (size_t i = 0; i < n; i++) {
        const nvt_event *e = nvt_trace_event(t, i);
        ts = e->ts_ns;
        if (e->device == 0 && e->type == NVT_EV_BAR_MAP && e->u.bar.bar == 0)
            bar0 = e->u.bar.addr;
    }
    if (!bar0) {
        fprintf(stderr, "%s: BAR0 is never mapped\n", argv[1]);
        nvt_trace_free(t);
        return 1;
    }
    nvt_event w = {.type = NVT_EV_MMIO_WRITE};
    w.ts_ns = ts + 1000000;
    w.device = 0;
    w.seq = n;
    w.u.mmio.bar = 0;
    w.u.mmio.size = 4;
    w.u.mmio.offset = 0xe04;
    w.u.mmio.value = 1;
    w.u.mmio.gpa = bar0 + 0xe04;
    if (nvt_trace_append(t, &w) < 0 ||
        nvt_trace_write(t, NULL, argv[2], argc == 4 ? argv[3] : NULL, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        nvt_trace_free(t);
        return 1;
    }
    nvt_trace_free(t);
    return 0;
}
