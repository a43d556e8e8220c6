/* The replay engine's state, shared by engine.c (the walk) and run.c (setup, QEMU, export). */
#ifndef NVT_REPLAY_ENGINE_H
#define NVT_REPLAY_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "replay_internal.h"

#define RP_MAX_QID 4095        /* queue ids beyond are not tracked (QEMU allows 64 pairs by default) */
#define RP_MAX_DEVICES 64
#define RP_MAX_TMP 16            /* disk images copied for --copy-disks */
#define RP_MAX_VECTORS 2048
#define RP_IO_CHUNK 32768u       /* bytes per qtest read/write line */
#define RP_DATA_WINDOW 100000    /* how far after a SUB its data records are looked for */
#define RP_MSI_MARKER 0x4e560000u /* message data for vectors the trace never programmed */
#define RP_MSI_AREA 0x4000u      /* guest RAM per device for MSI-X messages (4 bytes/vector) */

struct rp_sq {
    uint64_t base;
    uint32_t size, entry;
    uint32_t tail;         /* last tail the host wrote */
    uint32_t place_next;   /* slot the next SQE goes to when the record does not say */
    size_t cursor;         /* next trace event to look at for this queue's SUB records */
    uint8_t valid;
};

struct rp_cq {
    uint64_t base;
    uint32_t size, entry;
    uint32_t tail;         /* slot the next CQE is expected in */
    uint8_t phase;         /* phase tag it will carry */
    uint8_t valid;
};

struct rp_bar {
    uint64_t size;         /* 0: the target has no such BAR */
    int is64, io;
    uint32_t flags_lo;     /* low type bits of the BAR register */
    uint32_t trace_lo, trace_hi; /* what the trace last wrote (sizing writes aside) */
    uint64_t trace_addr, target_addr, hint;
    int programmed, relocated;
};

struct rp_dev {
    uint32_t index;
    const nvt_device *meta;
    unsigned bus, slot, fn;  /* where the target has it */
    struct rp_bar bar[6];
    uint16_t command;
    /* MSI-X */
    uint8_t msix_cap, tbir, pbir;
    uint16_t msix_n, msix_ctl;
    uint32_t toff, poff;
    int msix_programmed;   /* the replay programmed the whole table itself */
    int msi_armed;         /* some entry points at msi_area: messages can be read there */
    int msix_check;
    int has_irq_events, has_msix_events, has_cpl_events; /* outputs the trace holds */
    int has_msix_writes;   /* the trace holds the guest's own MSI-X table writes */
    uint64_t vfired[RP_MAX_VECTORS]; /* 1 + the step a vector last fired in (0: never) */
    uint64_t vexp[RP_MAX_VECTORS];   /* 1 + the last step the recording has it in */
    uint32_t vdata[RP_MAX_VECTORS];
    uint8_t msi_seen[4 * RP_MAX_VECTORS];
    uint8_t msi_expected[RP_MAX_VECTORS / 8];
    uint64_t msi_area;
    /* controller */
    uint32_t cc, aqa;
    uint64_t asq, acq;
    unsigned dstrd;
    int dbbuf;
    uint64_t dbs, eis;
    struct rp_sq *sq;
    struct rp_cq *cq;
    int64_t last_db_index;
    uint32_t last_db_off;
    uint64_t last_db_val;
    int64_t last_mmio_index;
    int last_mmio_bar;
    uint32_t last_mmio_off;
};

/* What the trace needs of the target, found by one pass over it (run.c). */
struct rp_prescan {
    uint64_t low_need, high_need;   /* end of the highest RAM address used below/above 4 GiB */
    int64_t low_at, high_at, bad_at;
    uint64_t bad_addr;
    int ext_config, intx;
};

enum { RP_X_CQE = 1, RP_X_DMA, RP_X_MSIX, RP_X_INTX_ASSERT, RP_X_INTX_DEASSERT };

struct rp_expect {
    int kind;
    size_t index;
    uint32_t dev;
    uint64_t gpa;
    uint32_t len;
    uint8_t phase;
    uint16_t qid, vector;
    uint32_t slot;
    uint8_t want[16], known[16];
    int64_t sub;           /* CQE: its command's SUB record (-1: not found) */
    struct rp_dep dep[RP_DEP_MAX]; /* DMA: ranges not compared (time, no data) */
    int ndep;
    const uint8_t *data;   /* DMA: the recorded bytes */
    uint8_t *got;          /* what was read back */
    int have;
};

struct eng {
    const nvt_trace *t;
    const nvt_replay_opts *o;
    nvt_replay_result *res;
    nvt_error *err;
    qt *q;                 /* NULL: export, no target */
    int accel_qtest, dead, stop;
    int exporting;         /* nvt_qtest_export: no target, nothing temporary in ARGS */
    int from_import;       /* trace made from a qtest script: BAR addresses used as they are */
    struct rp_dev *dev;
    size_t ndev;
    uint8_t *placed;       /* per event: its memory is in place */
    uint64_t ram_size, ram_low_end, ram_high_end, msi_base;
    int ecam;
    uint64_t ecam_base;
    int intx_raised, intx_lowered, intx_level;
    uint64_t nsid_defaulted;
    char tmp[RP_MAX_TMP][64]; /* private disk copies, removed at the end */
    size_t ntmp;  /* Get Log Page SQEs sent with NSID FFFFFFFFh */
    struct rp_expect *ex;
    size_t nex, excap;
    /* completion sets (strict_order 0) */
    uint8_t *cpl_matched;  /* per event: this recorded CQE has been matched to one the target
                              posted (or reported missing) */
    size_t *pend;          /* recorded CQEs of earlier steps still unmatched (target late) */
    int64_t *pend_sub;     /* their commands' SUB records (rp_expect.sub) */
    size_t npend, pendcap;
    uint64_t stepno;
    int media_zero;        /* the target's disks are null-co: reads return zeros */
};

/* engine.c */
int rp_walk(struct eng *e);
void rp_intx_cb(void *ctx, int raise, int line);
/* run.c */
int rp_setup(struct eng *e, const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res,
             nvt_error *err);
void rp_teardown(struct eng *e);
void rp_prescan(struct eng *e, struct rp_prescan *p);
int rp_build_args(struct eng *e, const struct rp_prescan *p, int accel_qtest, rp_args *out);
void rp_prologue(struct eng *e, const struct rp_prescan *p);
int rp_kept(const struct eng *e, size_t i);
uint64_t rp_translate(const struct eng *e, uint64_t gpa);
uint64_t rp_ecam_addr(const struct eng *e, const struct rp_dev *d, uint16_t off);
void rp_place_dma_read(struct eng *e, size_t j);
int rp_reply_value(const char *line, uint64_t *v);
size_t rp_reply_bytes(const char *line, uint8_t *out, size_t max);
void rp_note(struct eng *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rp_diverge(struct eng *e, size_t index, const char *what, const char *expected,
                const char *got);

#endif
