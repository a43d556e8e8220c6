/* The in-process replay engine's matching rules, on a tiny copy engine behind the target ABI
 * and traces built event by event: clean replay, each kind of divergence (read value, DMA
 * data, unexpected and missing outputs), guest memory reads answered from the recording, an
 * output recorded a step late, keep masks, max_divergences, divergences in trace order. */
#include <stdlib.h>
#include <string.h>

#include "../unit/test.h"
#include "nvmetrace/replay.h"
#include "nvmetrace/target.h"
#include "copier_trace.h"

/* ---- the model: BAR0 0x08 source, 0x18 destination, 0x10 go: copy 8 bytes adding 1 to each,
 * then MSI-X vector 0. Config dword 0 and BAR0 0x00 are identification registers. */

struct copier {
    const nvt_target_host *host;
    uint64_t src, dst;
    int pending;
};

static int model_defer = 0;   /* 1: the copy runs in run(), not in the write */
static int model_mute = 0;    /* 1: no interrupt (a model that lost its MSI-X) */
static int model_twice = 0;   /* 1: two interrupts per copy (a spurious one) */

static void *m_create(const nvt_target_host *h, const char *args, char *err, size_t errlen)
{
    if (strcmp(args, "") != 0) {
        snprintf(err, errlen, "no arguments taken, got '%s'", args);
        return NULL;
    }
    struct copier *c = calloc(1, sizeof *c);
    if (c)
        c->host = h;
    return c;
}

static void m_destroy(void *dev) { free(dev); }

static void m_reset(void *dev)
{
    struct copier *c = dev;
    c->src = c->dst = 0;
    c->pending = 0;
}

static uint32_t m_cfg_read(void *dev, uint16_t off, uint8_t size)
{
    (void)dev;
    (void)size;
    return off == 0 ? 0x4e561234u : 0;
}

static void m_cfg_write(void *dev, uint16_t off, uint8_t size, uint32_t v)
{
    (void)dev, (void)off, (void)size, (void)v;
}

static uint64_t m_mmio_read(void *dev, uint8_t bar, uint32_t off, uint8_t size)
{
    (void)dev, (void)size;
    return bar == 0 && off == 0 ? 0x12345678u : 0;
}

static void copy_now(struct copier *c)
{
    uint8_t b[8];
    nvt_target_dma tag = {NVT_TARGET_DMA_DATA, 1, 7, 0};
    if (c->host->dma_read(c->host->ctx, c->src, b, sizeof b, &tag) < 0)
        return;
    for (int i = 0; i < 8; i++)
        b[i]++;
    c->host->dma_write(c->host->ctx, c->dst, b, sizeof b, &tag);
    if (!model_mute)
        c->host->msix(c->host->ctx, 0, 0xfee00000u, 0x40);
    if (model_twice)
        c->host->msix(c->host->ctx, 0, 0xfee00000u, 0x40);
}

static void m_mmio_write(void *dev, uint8_t bar, uint32_t off, uint8_t size, uint64_t v)
{
    struct copier *c = dev;
    (void)bar, (void)size;
    if (off == 0x08)
        c->src = v;
    else if (off == 0x18)
        c->dst = v;
    else if (off == 0x10) {
        if (model_defer)
            c->pending = 1;
        else
            copy_now(c);
    }
}

static void m_run(void *dev)
{
    struct copier *c = dev;
    if (c->pending) {
        c->pending = 0;
        copy_now(c);
    }
}

static const nvt_target_ops ops = {
    NVT_TARGET_ABI_VERSION, sizeof(nvt_target_ops), "copier 1", 0,
    m_create, m_destroy, m_reset, m_cfg_read, m_cfg_write, m_mmio_read, m_mmio_write, m_run,
};

static int strict_order = 0; /* the replay's --strict-order */

struct seen {
    nvt_divergence d[16];
    int n;
};

static void on_div(void *ctx, const nvt_divergence *d)
{
    struct seen *s = ctx;
    if (s->n < 16)
        s->d[s->n] = *d;
    s->n++;
}

static int replay(const nvt_trace *t, const uint8_t *keep, uint64_t max_div, struct seen *s,
                  nvt_replay_result *res)
{
    nvt_replay_opts o;
    nvt_replay_opts_init(&o);
    o.keep = keep;
    o.max_divergences = max_div;
    o.strict_order = strict_order;
    o.on_divergence = on_div;
    o.ctx = s;
    memset(s, 0, sizeof *s);
    nvt_error err;
    int rc = nvt_replay_run_target(t, &ops, &o, res, &err);
    if (rc < 0)
        fprintf(stderr, "replay failed: %s\n", err.msg);
    return rc;
}

int main(void)
{
    nvt_replay_result r;
    struct seen s;

    /* clean, direct and deferred */
    nvt_trace *t = copier_trace(copier_src, copier_dst, 0x12345678u);
    for (model_defer = 0; model_defer < 2; model_defer++) {
        CHECK(replay(t, NULL, 0, &s, &r) == 0);
        CHECK_EQ_U64(r.status, NVT_REPLAY_CLEAN);
        CHECK_EQ_U64(r.events, 12);
        CHECK_EQ_U64(r.host_actions, 6);
        CHECK_EQ_U64(r.compared, 2 + 2 * 3);
        CHECK_EQ_U64(r.divergences, 0);
        CHECK_STR(r.accel, "in-process");
        CHECK_STR(r.qemu_version, "copier 1");
    }
    model_defer = 0;
    nvt_trace_free(t);

    /* read value */
    t = copier_trace(copier_src, copier_dst, 0x12345679u);
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    CHECK_EQ_U64(r.status, NVT_REPLAY_DIVERGED);
    CHECK_EQ_U64(s.n, 1);
    CHECK_EQ_U64(s.d[0].index, 1);
    CHECK_STR(s.d[0].what, "MMIO read CAP (BAR0+0x0)");
    CHECK_STR(s.d[0].expected, "0x12345679");
    CHECK_STR(s.d[0].got, "0x12345678");
    nvt_trace_free(t);

    /* The model reads what the recording says it read: other source bytes, other result. */
    static const uint8_t rd2[8] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};
    static const uint8_t wr2[8] = {0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
    t = copier_trace(rd2, wr2, 0x12345678u);
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    CHECK_EQ_U64(r.status, NVT_REPLAY_CLEAN);
    nvt_trace_free(t);

    /* DMA write data: both copies differ from the recording at byte 3 */
    static const uint8_t wr3[8] = {2, 3, 4, 0xee, 6, 7, 8, 9};
    t = copier_trace(copier_src, wr3, 0x12345678u);
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    CHECK_EQ_U64(s.n, 2);
    CHECK_EQ_U64(s.d[0].index, 6);
    CHECK_EQ_U64(s.d[1].index, 10);
    CHECK_STR(s.d[0].what, "DMA write 0x2000 +8 (from byte 0)");
    CHECK_STR(s.d[0].expected, "020304ee06070809");
    CHECK_STR(s.d[0].got, "0203040506070809");
    /* max_divergences stops at the first */
    CHECK(replay(t, NULL, 1, &s, &r) == 0);
    CHECK_EQ_U64(s.n, 1);
    CHECK_EQ_U64(r.divergences, 1);

    /* keep mask: the second copy removed entirely (steps 8..11): one divergence left */
    uint8_t keep[12];
    memset(keep, 1, sizeof keep);
    memset(keep + 8, 0, 4);
    CHECK(replay(t, keep, 0, &s, &r) == 0);
    CHECK_EQ_U64(r.events, 8);
    CHECK_EQ_U64(r.host_actions, 5);
    CHECK_EQ_U64(s.n, 1);
    CHECK_EQ_U64(s.d[0].index, 6);
    nvt_trace_free(t);

    /* missing: a model that sends no interrupt; reported at the recorded events, in order */
    t = copier_trace(copier_src, copier_dst, 0x12345678u);
    model_mute = 1;
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    model_mute = 0;
    CHECK_EQ_U64(s.n, 2);
    CHECK_EQ_U64(s.d[0].index, 7);
    CHECK_EQ_U64(s.d[1].index, 11);
    CHECK_STR(s.d[0].what, "missing interrupt");
    CHECK_STR(s.d[0].got, "nothing");

    /* a second interrupt per copy on the same vector: by default interrupts count per vector
     * and step, so the model coalesced differently (counted, not a divergence). */
    model_twice = 1;
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    CHECK_EQ_U64(r.status, NVT_REPLAY_CLEAN);
    CHECK_EQ_U64(s.n, 0);
    CHECK_EQ_U64(r.irq_coalesced, 2);
    /* --strict-order: the first spurious one matches the second copy's recorded interrupt
     * (allowed: a step early), so the report is: an unexpected interrupt in the second step,
     * and one more at its end. */
    strict_order = 1;
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    strict_order = 0;
    model_twice = 0;
    CHECK_EQ_U64(r.irq_coalesced, 0);
    CHECK_EQ_U64(s.n, 2);
    CHECK_EQ_U64(s.d[0].index, 8);
    CHECK_STR(s.d[0].what, "unexpected interrupt");
    CHECK(strstr(s.d[0].got, "MSI-X vector 0") != NULL);
    CHECK_EQ_U64(s.d[1].index, 8);
    nvt_trace_free(t);

    /* an output recorded one step late (after the next host action) still matches */
    t = nvt_trace_new("late");
    nvt_device d = {.bdf = "0000:00:04.0"};
    CHECK(nvt_trace_add_device(t, &d) == 0);
    CHECK(copier_add(t, copier_mmio(1, 0x08, 0x1000)) == 0);
    CHECK(copier_add(t, copier_mmio(1, 0x18, 0x2000)) == 0);
    CHECK(copier_add(t, copier_mmio(1, 0x10, 1)) == 0);
    CHECK(copier_add(t, copier_dma(0, 0x1000, copier_src)) == 0);
    CHECK(copier_add(t, copier_dma(1, 0x2000, copier_dst)) == 0);
    CHECK(copier_add(t, copier_mmio(1, 0x08, 0x1000)) == 0);
    CHECK(copier_add(t, copier_msix0()) == 0);
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    CHECK_EQ_U64(r.status, NVT_REPLAY_CLEAN);
    /* a recorded interrupt the model never sends is missing, reported once the step after
     * it has run */
    CHECK(copier_add(t, copier_mmio(1, 0x08, 0x1000)) == 0);
    CHECK(copier_add(t, copier_mmio(1, 0x08, 0x1000)) == 0);
    CHECK(copier_add(t, copier_msix0()) == 0);
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    CHECK_EQ_U64(s.n, 1);
    CHECK_EQ_U64(s.d[0].index, 9);
    CHECK_STR(s.d[0].what, "missing interrupt");
    nvt_trace_free(t);

    /* "clean" means something was compared: a trace with no device, or one whose events
     * give nothing to compare, is NVT_REPLAY_NOTHING with the reason */
    t = nvt_trace_new("empty");
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    CHECK_EQ_U64(r.status, NVT_REPLAY_NOTHING);
    CHECK_STR(r.nothing_reason, "the trace holds no device");
    CHECK(nvt_trace_add_device(t, &d) == 0);
    CHECK(copier_add(t, copier_mmio(1, 0x08, 0x1000)) == 0);
    CHECK(replay(t, NULL, 0, &s, &r) == 0);
    CHECK_EQ_U64(r.status, NVT_REPLAY_NOTHING);
    CHECK_EQ_U64(r.compared, 0);
    CHECK_EQ_U64(r.host_actions, 1);
    CHECK_STR(r.nothing_reason, "the trace holds no NVMe command and no read value to compare");
    nvt_trace_free(t);

    /* create() refusing its arguments is an error, not a result */
    t = copier_trace(copier_src, copier_dst, 0x12345678u);
    nvt_replay_opts o;
    nvt_replay_opts_init(&o);
    o.target_args = "x=1";
    nvt_error err;
    CHECK(nvt_replay_run_target(t, &ops, &o, &r, &err) == -1);
    CHECK_EQ_U64(err.code, NVT_E_IO);
    CHECK(strstr(err.msg, "no arguments taken, got 'x=1'") != NULL);

    /* a library that does not exist, through nvt_replay_run (no fork, then forked) */
    o.target_args = NULL;
    o.target_lib = "/nonexistent/libmodel.so";
    for (o.no_fork = 1; o.no_fork >= 0; o.no_fork--) {
        CHECK(nvt_replay_run(t, &o, &r, &err) == -1);
        CHECK_EQ_U64(err.code, NVT_E_IO);
        CHECK(strstr(err.msg, "cannot load target library /nonexistent/libmodel.so") != NULL);
        CHECK_STR(r.cmdline, "lib:/nonexistent/libmodel.so");
    }
    nvt_trace_free(t);
    TEST_DONE();
}
