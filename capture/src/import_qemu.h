/* Internal to the QEMU log importer: the table of QEMU trace events it knows, 7.2 to 11.x
 * (name, argument format, what it maps to, which QEMU lines print it) and the line/argument
 * parser. import_qemu.c holds the
 * state machine that turns parsed lines into records. */
#ifndef NVT_IMPORT_QEMU_H
#define NVT_IMPORT_QEMU_H

#include <stddef.h>
#include <stdint.h>

/* What an event line does. */
enum qemu_kind {
    QK_IGNORE = 0,   /* known; carries nothing a record needs (callbacks, zone bookkeeping) */
    QK_CFG_READ,     /* pci_cfg_read  DEV BB:SS.F @0xOFF -> 0xVAL */
    QK_CFG_WRITE,    /* pci_cfg_write DEV BB:SS.F @0xOFF <- 0xVAL */
    QK_MAP_ADD,      /* pci_update_mappings_add DEV BB:SS.F BAR,0xADDR+0xSIZE */
    QK_MAP_DEL,
    QK_MSIX_CONFIG,  /* msix_write_config dev DEV enabled E masked M */
    QK_MMIO_READ,
    QK_MMIO_WRITE,
    QK_DOORBELL_SQ,
    QK_DOORBELL_CQ,
    QK_ADMIN_CMD,
    QK_IO_CMD,
    QK_COMPLETION,
    QK_IRQ_MSIX,
    QK_IRQ_PIN,
    QK_PCI_RESET,
    QK_REG_CC,       /* pci_nvme_mmio_cfg: the CC value just written */
    QK_REG_AQA,      /* pci_nvme_mmio_aqattr: admin queue sizes */
    QK_START_OK,
    QK_START_FAIL,
    QK_STOPPED,
    QK_SHUTDOWN_SET,
    QK_SHUTDOWN_CLEARED,
    QK_CFS,          /* pci_nvme_err_cfs: controller fatal status (also an error note) */
    QK_SHADOW_SQ,    /* device read a shadow doorbell (Doorbell Buffer Config) */
    QK_SHADOW_CQ,
    QK_EVENTIDX_SQ,  /* device wrote an EventIdx */
    QK_EVENTIDX_CQ,
    QK_DSM_RANGE,    /* pci_nvme_dsm_deallocate: one range, kept as a note */
    QK_ERROR,        /* pci_nvme_err_*: error annotation */
    QK_UB,           /* pci_nvme_ub_*: the guest did something undefined: warning */
    /* Detail events: printed while QEMU parses the command the last admin/io_cmd line named;
     * merged into that command's SUB record. */
    QK_DETAIL,       /* fields listed in the table entry */
    QK_DETAIL_MAP,   /* pci_nvme_map_prp: PRP1/PRP2 of the command */
    QK_DETAIL_ADDR,  /* pci_nvme_map_addr[_cmb]: one data segment -> a DMA record */
    QK_DETAIL_DBBUF, /* pci_nvme_dbbuf_config: PRP1/PRP2 + shadow doorbell addresses */
    QK_DETAIL_CREATE_SQ,
    QK_DETAIL_CREATE_CQ,
    QK_DETAIL_DELETE_SQ,
    QK_DETAIL_DELETE_CQ,
};

/* How an argument becomes SQE bytes. */
enum sqe_xform {
    SX_NONE = 0,
    SX_MINUS1,       /* QEMU prints the 1-based count (nlb, nr); the SQE holds it 0-based */
    SX_LEN_TO_NUMD,  /* Get Log Page: QEMU prints bytes = (NUMD + 1) * 4 computed in 32 bits */
};

/* One SQE field a detail event reveals: argument arg, little-endian, width bytes at off. */
struct sqe_field {
    uint8_t arg, off, width, xform;
};

#define QEMU_MAX_ARGS 8
#define QEMU_MAX_FIELDS 5

/* Which commands a detail event may belong to. */
enum { QD_ANY = 0, QD_ADMIN = 1, QD_IO = 2 };

struct qemu_event_def {
    const char *name;
    const char *fmt;        /* QEMU's format, reduced to %u %d %x %s (see qemu_parse_args) */
    uint8_t kind;           /* enum qemu_kind */
    uint8_t queue;          /* QD_*: for detail events */
    int8_t cid_arg;         /* argument holding the command's CID, -1 if none */
    struct sqe_field fields[QEMU_MAX_FIELDS]; /* width 0 ends the list */
    /* Which QEMU lines print this name, as major * 100 + minor: since = the first release
     * that has it (0: 7.2, the oldest line supported, has it), gone = the first release that
     * no longer has it (0: the newest still has it). since is the release of the QEMU commit
     * cited beside the row, or, where none is cited, the first table row whose real binary
     * was checked to have it (10.0 binary, 10.2 source). The importer accepts every name whatever
     * the QEMU version: a log says which it is. */
    uint16_t since, gone;
};

#define QEMU_V(major, minor) ((uint16_t)((major) * 100 + (minor)))

/* One parsed argument: numbers in v, strings as [s, s + len) in the line. */
struct qemu_arg {
    uint64_t v;
    const char *s;
    size_t len;
};

/* Event table lookup: a per-importer hash index over the static table. */
struct qemu_event_index {
    uint16_t slot[512];  /* 1 + table index, 0 = empty; open addressing */
};

void qemu_event_index_init(struct qemu_event_index *ix);
/* The definition for name[0..len), or the pci_nvme_err_ / pci_nvme_ub_ catch-alls for names
 * of those families QEMU 7.2 does not have; NULL when unknown. */
const struct qemu_event_def *qemu_event_find(const struct qemu_event_index *ix, const char *name,
                                             size_t len);

/* 1 if name[0..len) is the start of a known name but not the whole of it: a line cut short
 * inside its event name (a dying QEMU, a torn write), not an event of another QEMU. */
int qemu_event_prefix_of_known(const char *name, size_t len);

/* The whole table (for tests that check every format parses). */
size_t qemu_event_table(const struct qemu_event_def **defs);

/* Matches args[0..len) against def->fmt. Returns the number of arguments stored in out
 * (<= QEMU_MAX_ARGS), or -1 if the text does not have the event's format. */
int qemu_parse_args(const char *fmt, const char *args, size_t len, struct qemu_arg *out);

#endif
