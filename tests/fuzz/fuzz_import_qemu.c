/* libFuzzer target: the QEMU log importer must never crash, hang or leak on any input, fed in
 * any pieces; every record it produces must encode and decode back to itself, and every
 * failure must name the input and a line. The first input byte picks the options and the size
 * of the pieces the rest is fed in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/format.h"
#include "nvmetrace/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check_sink {
    int ndevs;
    uint64_t nevents;
};

static int add_device(void *ctx, const nvt_device *dev, nvt_error *err)
{
    struct check_sink *s = ctx;
    (void)err;
    if (memchr(dev->bdf, '\0', sizeof dev->bdf) == NULL ||
        memchr(dev->emulator, '\0', sizeof dev->emulator) == NULL)
        abort();
    return s->ndevs++;
}

static int write_event(void *ctx, const nvt_event *ev, const char *comment, nvt_error *err)
{
    struct check_sink *s = ctx;
    (void)err;
    if ((int)ev->device >= s->ndevs)
        abort();
    if (comment && strlen(comment) > 1u << 20)
        abort();
    uint8_t rec[NVT_HDR_LEN + NVT_BODY_DMA_LEN + 0x10000 + 64];
    size_t n = nvt_record_encode(ev, rec, sizeof rec);
    if (n == 0 || n != nvt_record_size(ev))
        abort();
    nvt_event back;
    char msg[256];
    if (nvt_record_decode(rec, n, &back, msg, sizeof msg) != NVT_OK || back.type != ev->type ||
        back.flags != ev->flags)
        abort();
    s->nevents++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t ctl = data[0];
    data++;
    size--;
    nvt_qemu_import_opts o = {.name = "fuzz"};
    o.skip_bad = ctl & 1;
    o.all_devices = (ctl >> 1) & 1;
    o.comments = (ctl >> 2) & 1;
    size_t piece = (ctl >> 3) ? (size_t)(ctl >> 3) * 7 : size; /* 7..217 bytes, or all at once */
    struct check_sink s = {0};
    nvt_import_sink sink = {add_device, write_event, &s};
    nvt_error err;
    nvt_qemu_importer *imp = nvt_qemu_import_new(&o, &sink, &err);
    if (!imp)
        abort();
    int rc = 0;
    for (size_t off = 0; off < size && rc == 0; off += piece) {
        size_t n = size - off < piece ? size - off : piece;
        rc = nvt_qemu_import_feed(imp, data + off, n, &err);
        if (rc == 0 && (off / piece) % 3 == 2)
            rc = nvt_qemu_import_idle(imp, &err);
    }
    if (rc < 0 && strncmp(err.msg, "fuzz:", 5) != 0)
        abort();
    nvt_error ferr;
    int frc = nvt_qemu_import_finish(imp, &ferr);
    if (rc == 0 && frc != 0)
        abort(); /* finish fails only after a feed error */
    const nvt_qemu_import_stats *st = nvt_qemu_import_get_stats(imp);
    if (st->records != s.nevents)
        abort();
    nvt_qemu_import_free(imp);
    return 0;
}
