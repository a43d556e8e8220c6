/*
 * The device model every analysis shares: it follows a trace event by event and keeps what a
 * careful observer of the PCI function would know at that point — config space and BARs, the
 * controller registers, whether the controller is enabled and ready, the queues that exist and
 * the commands that are outstanding. It matches completions to submissions by
 * (device, SQ id, CID), attributes DMA to commands and decodes the Identify data it sees.
 *
 * Everything derived from a record uses only bytes the record marks as known; a field that is
 * not known leaves the model's value unknown (the *_known flags), never zero.
 */
#ifndef NVT_ANALYZE_MODEL_H
#define NVT_ANALYZE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nvmetrace/format.h"
#include "nvmetrace/nvme.h"

#define NO_EVENT UINT64_MAX

struct model;

/* ---- little-endian field access ---- */
static inline uint64_t le_get(const uint8_t *p, unsigned len)
{
    uint64_t v = 0;
    for (unsigned i = len; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* 1 if bytes [off, off+len) are all set in a known-byte mask (<nvmetrace/nvme.h>). */
static inline int mask_has(uint64_t mask, unsigned off, unsigned len)
{
    return nvt_known_bytes(mask, off, len);
}

/* ---- commands ---- */

enum cmd_end {
    CMD_COMPLETED = 0, /* a completion matched it */
    CMD_RESET,         /* the controller was reset or disabled while it was outstanding */
    CMD_REPLACED,      /* a new submission reused its (SQ id, CID) while it was outstanding */
    CMD_DELETED,       /* its submission queue was deleted while it was outstanding */
    CMD_END            /* the trace ended first */
};

enum irq_route { IRQ_UNKNOWN = 0, IRQ_NONE, IRQ_MSIX, IRQ_PIN };

struct mcmd {
    uint64_t id;           /* submission order over the whole trace: commands.id */
    uint32_t device;
    uint16_t sqid, cid;
    uint16_t cqid;         /* CQ of its SQ at submission (or of the completion) */
    uint8_t cqid_known;
    uint8_t reconstructed; /* the SUB record was rebuilt from a log */
    uint8_t end;           /* enum cmd_end, set when it leaves the model */
    uint8_t cq_missing;    /* Create I/O SQ naming a CQ that did not exist at submission */
    uint64_t sub_event, sub_ts, sub_seq;
    uint64_t cpl_event, cpl_ts;  /* NO_EVENT / 0 until completed */
    uint8_t sqe[NVT_SQE_LEN];
    uint64_t sqe_known;
    uint8_t cqe[NVT_CQE_LEN];
    uint16_t cqe_known;
    uint64_t dma_read, dma_write; /* bytes the device moved for it (DMA records) */
    uint32_t dma_records;
    /* How its completion signals the host, as the CQ and MSI-X Enable say at completion:
     * IRQ_MSIX (irq_vector), IRQ_PIN (MSI-X off), IRQ_NONE (CQ without IEN), IRQ_UNKNOWN. */
    uint8_t irq_route;
    uint16_t irq_vector;
    uint8_t *data;         /* Identify only: the 4 KiB the device wrote, and */
    uint8_t *data_known;   /* a bitmap of the bytes captured (512 bytes) */
    struct mcmd *next;     /* hash chain (outstanding) / free list */
};

/* Field getters honouring the known masks: return 1 and set *v if known. */
int cmd_opcode(const struct mcmd *c, unsigned *v);
int cmd_sqe_field(const struct mcmd *c, unsigned off, unsigned len, uint64_t *v);
/* Status field of the CQE without the phase tag: bits 15:1 >> 1 (SC 7:0, SCT 10:8, CRD,
 * M, DNR). */
int cmd_status(const struct mcmd *c, unsigned *status);
int cmd_dw0(const struct mcmd *c, uint32_t *v);
int cmd_dw1(const struct mcmd *c, uint32_t *v);
static inline int cmd_admin(const struct mcmd *c) { return c->sqid == 0; }
/* Data transfer length in bytes if the command's own fields give it (Identify, Get Log Page,
 * Read/Write/Compare with a known LBA size), else 0 with *known = 0. */
uint64_t cmd_data_len(const struct model *m, const struct mcmd *c, int *known);

/* ---- queues ---- */

struct mqueue {
    uint8_t exists;
    uint8_t size_known;
    uint8_t in_trace;      /* its creation was seen: head/tail tracking starts from 0 */
    uint8_t vector_known;
    uint32_t size;         /* entries */
    uint16_t cqid;         /* SQ: its completion queue */
    uint16_t vector;       /* CQ: interrupt vector */
    uint16_t flags;        /* CDW11[15:0] of the create command (PC, IEN / QPRIO) */
    uint8_t flags_known;
    uint8_t shadow;        /* I/O queue whose doorbells are shadowed (Doorbell Buffer Config) */
    uint64_t base;         /* PRP1 of the create command, or ASQ/ACQ */
    uint8_t base_known;
    uint64_t created_event, created_ts, created_by; /* created_by: commands.id or NO_EVENT */
    uint32_t db;           /* SQ tail / CQ head from the last doorbell */
    uint8_t db_seen;
    uint32_t cq_tail;      /* CQ: slot the device writes next */
    uint64_t cq_posted;    /* CQ: entries posted since creation */
    uint32_t outstanding;  /* SQ: commands fetched and not completed */
    int64_t row;           /* free for the index: queues.id of this incarnation */
};

/* ---- devices ---- */

struct mbar {
    uint32_t lo, hi;       /* config space values last written (address bits) */
    uint8_t lo_known, hi_known;
    uint8_t probing_lo, probing_hi; /* all-ones written, read-back pending */
    uint32_t probe_lo;     /* read-back of the low half's probe (size mask and type bits) */
    uint8_t is64, is_io, type_known;
    uint64_t size;         /* from the sizing probe or the emulator's map */
    uint8_t size_known;
    uint64_t map_addr, map_size;
    uint8_t mapped;
};

struct mns {
    uint32_t nsid;
    uint32_t lba_size;     /* bytes, 0 if unknown */
    uint64_t nsze, ncap, nuse;
    uint8_t flbas;
};

struct mctrl_id {          /* decoded Identify Controller fields that analyses use */
    uint8_t valid;
    uint16_t vid, ssvid;
    char sn[21], mn[41], fr[9];
    uint8_t mdts;          /* 0 = no limit */
    uint8_t mdts_known;
    uint16_t cntlid;
    uint32_t ver;
    uint32_t nn;
    uint8_t sqes, cqes;
    uint16_t oncs;
    uint8_t vwc;
    uint64_t command;      /* commands.id it came from */
};

struct mdev {
    uint32_t index;
    /* PCI */
    uint16_t pci_command;
    uint8_t pci_command_known;
    struct mbar bar[6];
    uint8_t cap_ptr_seen;
    uint8_t cap_at[256];   /* capability id at config offset (0 = none known) */
    uint8_t msix_cap;      /* config offset of the MSI-X capability, 0 if unknown */
    uint32_t msix_table_size; /* entries, 0 if unknown */
    uint8_t msix_enabled;
    /* controller registers (host writes, device reads) */
    uint64_t cap;
    uint8_t cap_known;     /* bit 0: low dword, bit 1: high dword */
    uint32_t cc;
    uint8_t cc_known;
    uint32_t aqa;
    uint8_t aqa_known;
    uint64_t asq, acq;
    uint8_t asq_known, acq_known; /* bit 0: low dword, bit 1: high dword */
    int enabled;           /* -1 unknown, 0, 1 */
    int ready;             /* -1 unknown, 0, 1 */
    uint8_t up_in_trace;   /* an enable was seen: every queue that exists was created in view */
    uint8_t dbbuf;         /* Doorbell Buffer Config accepted */
    uint64_t dbbuf_dbs, dbbuf_eis;
    /* queues, indexed by queue id */
    struct mqueue *sq, *cq;
    uint32_t nsq, ncq;
    uint32_t outstanding;  /* commands outstanding on all SQs */
    /* identify */
    struct mctrl_id id;
    struct mns *ns;
    size_t nns, cap_ns;
};

/* Bits of CAP, CC... that analyses ask for, as accessors on known values. */
static inline int dev_cap_lo(const struct mdev *d) { return d->cap_known & 1; }
static inline int dev_cap_hi(const struct mdev *d) { return (d->cap_known & 2) != 0; }
/* Doorbell stride in bytes (4 << CAP.DSTRD; 4 when CAP is unknown, the common case). */
uint32_t dev_db_stride(const struct mdev *d);
/* Memory page size from CC.MPS (4 KiB when unknown). */
uint32_t dev_page_size(const struct mdev *d);
/* Address the guest programmed into BAR i through config space; 0 if not known (the register
 * was never written in the trace, or holds a sizing mask). */
int dev_bar_addr(const struct mdev *d, int i, uint64_t *addr);
/* BAR whose register (or, *hi = 1, high half of a 64-bit BAR) is at config offset off; -1 if
 * off is not a BAR register. */
int dev_bar_of(const struct mdev *d, unsigned off, int *hi);
struct mqueue *dev_sq(struct mdev *d, uint32_t qid); /* NULL if it does not exist */
struct mqueue *dev_cq(struct mdev *d, uint32_t qid);
const struct mns *dev_ns(const struct mdev *d, uint32_t nsid);

/* ---- the model ---- */

/* What one event did, for callers that react to it (lint, index). */
struct mstep {
    struct mcmd *sub;       /* SUB: the new command */
    struct mcmd *cpl;       /* CPL: the command it completed (valid until the next event) */
    int orphan;             /* CPL: matched no outstanding command */
    int orphan_expected;    /* ... and that is explained by the trace starting mid-run */
    struct mcmd *dma;       /* DMA: the command it belongs to */
    int shadow_db;          /* DMA: a shadow doorbell read (qid/is_cq/value below) */
    uint16_t db_qid;
    uint8_t db_is_cq;
    uint32_t db_value;
    int bar_probe;          /* CFGR: a BAR sizing read-back; bar index below */
    int bar_probe_hi;       /* ... of the high half of a 64-bit BAR */
    int bar_programmed;     /* CFGW: a BAR address written (not all-ones) */
    int bar_index;
};

struct model_hooks {
    /* A command leaves the model (completed, dropped, or at the end). */
    void (*cmd_done)(void *ctx, struct model *m, struct mcmd *c);
    /* A queue was created (created = 1) or deleted; q still holds its attributes. */
    void (*queue)(void *ctx, struct model *m, uint32_t dev, uint16_t qid, int is_cq,
                  struct mqueue *q, int created, uint64_t event, uint64_t ts,
                  const struct mcmd *by, const char *reason);
    /* Identify data of a successful Identify command (data may be partly known). */
    void (*identify)(void *ctx, struct model *m, struct mdev *d, const struct mcmd *c,
                     unsigned cns);
    void *ctx;
};

struct model;
struct model *model_new(const struct model_hooks *hooks);
/* Feeds one event; index is its 0-based position in the trace. Returns 0, or -1 when out of
 * memory. */
int model_event(struct model *m, const nvt_event *ev, uint64_t index, struct mstep *step);
/* End of trace: every outstanding command leaves with CMD_END. */
void model_finish(struct model *m);
void model_free(struct model *m);
struct mdev *model_dev(struct model *m, uint32_t dev); /* NULL if never seen */
size_t model_ndevs(const struct model *m);
uint64_t model_commands(const struct model *m);

/* Identify Controller / Namespace decoding from a 4 KiB buffer and its known bitmap. */
int id_bytes_known(const uint8_t *known, unsigned off, unsigned len);

#endif
