/* libFuzzer target: crash-ring recovery (nvmetrace recover) on any ring file. The input is the
 * ring file; when it is shorter than the size its header claims (up to 8 MiB), it is extended
 * with zeros, so seeds can stop after the last entry. The trace beside it is empty (as a
 * capture killed before its first flush leaves it), so recovery rebuilds from the ring alone. recover must either fail with a message naming the ring
 * or write a trace the format library reads back completely, holding every recovered event;
 * never crash, leak or hang. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvmetrace/format.h"
#include "nvmetrace/recover.h"
#include "tap_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], trace[300], ring[320], out[320];

static void remove_dir(void)
{
    unlink(ring);
    unlink(out);
    unlink(trace);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/nvt-fuzz-recover-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir))
            abort();
        snprintf(trace, sizeof trace, "%s/t.pcapng", dir);
        snprintf(ring, sizeof ring, "%s.ring", trace);
        snprintf(out, sizeof out, "%s/out.pcapng", dir);
        atexit(remove_dir);
        int tfd = open(trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (tfd < 0)
            abort();
        close(tfd);
    }
    uint64_t want = size;
    if (size >= sizeof(struct nvt_ring_header)) {
        struct nvt_ring_header h;
        memcpy(&h, data, sizeof h);
        if (h.file_size > size && h.file_size <= (8u << 20))
            want = h.file_size;
    }
    int fd = open(ring, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    if ((size && write(fd, data, size) != (ssize_t)size) || ftruncate(fd, (off_t)want) != 0)
        abort();
    close(fd);
    nvt_recover_opts o = {.out_path = out, .keep_ring = 1};
    nvt_recover_result res;
    nvt_error err;
    memset(&err, 0, sizeof err);
    if (nvt_recover(trace, &o, &res, &err) < 0) {
        if (!strstr(err.msg, dir))
            abort(); /* every refusal names the ring (or the trace) */
        unlink(out);
        return 0;
    }
    nvt_error rerr;
    nvt_reader *r = nvt_reader_open(out, &rerr);
    if (!r)
        abort(); /* recover wrote something its own reader refuses */
    nvt_event ev;
    uint64_t n = 0, recovered = 0;
    int rc;
    while ((rc = nvt_reader_next(r, &ev, &rerr)) == 1) {
        n++;
        recovered += (ev.flags & NVT_F_RECOVERED) != 0;
    }
    if (rc < 0 || recovered != res.recovered || n < res.recovered)
        abort();
    nvt_reader_close(r);
    unlink(out);
    return 0;
}
