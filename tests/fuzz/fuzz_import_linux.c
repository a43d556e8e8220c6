/* libFuzzer target: `import linux-trace` must never crash, hang or leak on any input; it either
 * writes a trace every record of which the reader takes back, or fails with a message that
 * names the input (and, for a malformed line, its line number). The first input byte picks
 * --skip-bad (bit 0) and whether the rest is given as one file or split into two (bit 1); the
 * seeds use '0'..'3' and have their nvt-config line after the first 30 lines: tests/dissector
 * opens every corpus file with tshark, whose IxVeriWave reader takes the recorder's file, with
 * that long hex line near its start, for a capture. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nvmetrace/format.h"
#include "nvmetrace/import_linux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfile(const uint8_t *p, size_t n, char *path, size_t len)
{
    int fd = memfd_create("nvt-fuzz", 0);
    if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n))
        abort();
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    nvt_linux_import_opts o = {.skip_bad = data[0] & 1};
    size_t rest = size - 1, cut = (data[0] & 2) ? rest / 2 : rest;
    char p0[64], p1[64], out[64];
    int f0 = memfile(data + 1, cut, p0, sizeof p0), f1 = -1;
    const char *in[2] = {p0, p1};
    size_t n = 1;
    if (data[0] & 2) {
        f1 = memfile(data + 1 + cut, rest - cut, p1, sizeof p1);
        n = 2;
    }
    int fo = memfile(NULL, 0, out, sizeof out);
    nvt_error err;
    nvt_writer *w = nvt_writer_open(out, NULL, &err);
    if (!w)
        abort();
    nvt_linux_import_stats st;
    int rc = nvt_linux_import_files(in, n, &o, w, &st, &err);
    if (nvt_writer_close(w, &err) < 0)
        abort();
    if (rc < 0 && !strstr(err.msg, "/proc/self/fd/"))
        abort(); /* every failure names its input */
    if (rc == 0) { /* what was written reads back, record for record */
        nvt_reader *r = nvt_reader_open(out, &err);
        nvt_event ev;
        uint64_t k = 0;
        int got = 0;
        while (r && (got = nvt_reader_next(r, &ev, &err)) == 1)
            k++;
        if (!r || got < 0 || k != st.records)
            abort();
        nvt_reader_close(r);
    }
    close(f0);
    if (f1 >= 0)
        close(f1);
    close(fo);
    return 0;
}
