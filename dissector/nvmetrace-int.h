/*
 * nvmetrace Wireshark plugin: declarations shared by its three source files.
 *
 *   packet-nvmetrace.c  registration, record header, event dispatch, per-device state,
 *                       submission/completion matching, expert info, Info column, tap
 *   nvmetrace-cmd.c     SQE/CQE decoding per opcode, features, Identify/DSM data in DMA
 *   nvmetrace-regs.c    NVMe controller registers, PCI config space and capabilities
 *
 * State is built on the first pass only and kept per packet (nvt_pkt), so a GUI
 * re-dissection shows exactly what the first pass saw.
 */
#ifndef NVMETRACE_INT_H
#define NVMETRACE_INT_H

#include <epan/packet.h>
#include <epan/expert.h>

#include "nvmetrace-ws-compat.h"

#include "nvmetrace/nvme.h"
#include "nvmetrace/schema.h"

/* The shared name tables have value_string's layout (see nvme.h). */
#define NVT_VALS(table) VALS((const value_string *)(table))

extern int proto_nvt;

/* Expert infos used by more than one file (registered in packet-nvmetrace.c). */
extern expert_field ei_nvt_reserved;
extern expert_field ei_nvt_msix_vector_beyond;
extern expert_field ei_nvt_error_status;
extern expert_field ei_nvt_ctrl_fatal;

/* A command: one submission and, once seen, its completion. File scope. */
typedef struct nvt_cmd {
    guint32 sub_frame;
    guint32 cpl_frame;     /* 0 until the completion is seen */
    nstime_t sub_ts;
    nstime_t latency;      /* valid when cpl_frame != 0 */
    guint64 prp1;
    guint32 nsid;
    guint32 cdw10, cdw11, cdw12;
    guint32 wr_bytes;      /* DMA bytes the device wrote for it so far (first pass) */
    guint32 rd_bytes;      /* DMA bytes the device read for it so far (first pass) */
    guint16 sqid, cid;
    guint16 status;        /* (SCT << 8) | SC of the completion */
    guint8 opc;
    guint8 admin;          /* submitted on the admin SQ */
    guint8 known_cdw;      /* bit i: CDW(10+i) fully known (not reconstructed away) */
} nvt_cmd;

/* A PCI capability seen in config reads. id: capability ID, or ext ID for offsets >= 0x100. */
typedef struct nvt_cap {
    guint16 start;
    guint16 id;
} nvt_cap;
#define NVT_CAP_NONE 0xffffu
#define NVT_MAX_CAPS 48

/* What a traced PCI function looked like so far (first pass). */
typedef struct nvt_dev {
    const char *bdf;         /* the IDB's if_name (file scope), NULL until looked up */
    wmem_map_t *outstanding; /* (sqid << 16 | cid) -> nvt_cmd */
    wmem_map_t *by_prp1;     /* guint64 prp1 -> nvt_cmd, commands whose data we decode */
    wmem_map_t *queues;      /* (is_cq << 16 | qid) -> entries */
    nvt_cap caps[NVT_MAX_CAPS];
    guint ncaps;
    guint16 cap_pending[NVT_MAX_CAPS]; /* offsets a next pointer named, ID not read yet */
    guint npending;
    guint16 msix_table_size;  /* entries; 0 unknown */
    guint8 msix_table_bir, msix_pba_bir;
    guint32 msix_table_off, msix_pba_off;
    gboolean msix_loc_known;
    gboolean msi_64bit;       /* MSI Message Control bit 7, as last read */
    guint8 dstrd;             /* CAP.DSTRD */
    gboolean dstrd_known;
    gboolean stride_noted;    /* the "stride assumed" note was given */
    gboolean bar0_sizing;     /* all ones written to BAR0, read-back pending */
    gboolean cc_en;           /* CC.EN as last written */
    guint64 dbbuf_dbs;        /* Doorbell Buffer Config: shadow doorbells (0: none) */
    guint64 dbbuf_eis;        /* ... and EventIdx buffer */
} nvt_dev;

/* Per-record results of the first pass. */
enum nvt_mmio_kind {
    NVT_MMIO_OTHER_BAR = 0,
    NVT_MMIO_REG,
    NVT_MMIO_DOORBELL,
    NVT_MMIO_MSIX_TABLE,
    NVT_MMIO_MSIX_PBA
};
#define NVT_A_CID_REUSED 0x01u
#define NVT_A_NO_SUBMISSION 0x02u
#define NVT_A_DB_BEYOND 0x04u
#define NVT_A_DB_NO_QUEUE 0x08u
#define NVT_A_BAR0_SMALL 0x10u
#define NVT_A_MSIX_BEYOND 0x20u
#define NVT_A_SHADOW_BEYOND 0x40u
typedef struct nvt_pkt {
    nvt_cmd *cmd;             /* SUB: its command; CPL, DMA: the matched command */
    guint32 prev_frame;       /* CID reused: the earlier submission still outstanding */
    guint32 qsize;            /* doorbells: entries in the queue (0 unknown) */
    guint32 bar0_size;        /* BAR0 sizing read-back: the size it reveals */
    guint32 data_off;         /* DMA: offset of this transfer in the command's data */
    guint16 msix_table_size;  /* 0 unknown */
    guint16 db_qid;           /* MMIO doorbell / MSI-X entry */
    nvt_cap cap;              /* config access: the capability it falls in */
    guint8 mmio_kind;         /* enum nvt_mmio_kind */
    guint8 db_is_cq;          /* MMIO doorbell: CQ head (1) or SQ tail (0); MSI-X field */
    guint8 dstrd;             /* CAP.DSTRD used for this MMIO access */
    guint8 dstrd_known;
    guint8 anomalies;         /* NVT_A_* */
    guint8 msi_64bit;
    guint8 stride_note;       /* MMIO doorbell: first one decoded with an assumed stride */
    guint8 dbbuf;             /* DMA: NVT_DBBUF_* (shadow doorbell / EventIdx entry) */
} nvt_pkt;
#define NVT_DBBUF_NONE 0
#define NVT_DBBUF_SHADOW 1
#define NVT_DBBUF_EVENTIDX 2

/* ---- nvmetrace-cmd.c ---- */
void nvt_register_cmd(int proto);
/* Command name, e.g. "Identify", or NULL. */
const char *nvt_cmd_name(gboolean admin, guint8 opc);
/* Decodes the 64-byte SQE at off. known: bit i = byte i is known. Reports reserved bits and
 * (with msix_table_size != 0) interrupt vectors beyond the MSI-X table. */
void nvt_dissect_sqe(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int off,
                     guint64 known, gboolean reconstructed, gboolean admin,
                     guint16 msix_table_size);
/* Decodes the 16-byte CQE at off; cmd (may be NULL) gives dw0 its meaning. */
void nvt_dissect_cqe(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int off,
                     guint16 known, gboolean reconstructed, const nvt_cmd *cmd);
/* Decodes len captured bytes of DMA data at off when cmd's data has a known structure
 * (Identify, DSM ranges, Copy ranges); data_off is where they sit in that structure. */
void nvt_dissect_cmd_data(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int off,
                          int len, gboolean dev_write, const nvt_cmd *cmd, guint32 data_off);
/* TRUE if DMA data of this command is decoded (it is worth matching by PRP1). */
gboolean nvt_cmd_has_decoded_data(gboolean admin, guint8 opc);

/* ---- nvmetrace-regs.c ---- */
void nvt_register_regs(int proto);
/* Controller register access at BAR0 offset reg_off; value sits at value_off in tvb. */
void nvt_dissect_nvme_reg(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int value_off,
                          guint32 reg_off, guint size, guint64 value, gboolean is_write);
/* Register name for a BAR0 offset ("CC", "ASQ (upper dword)"), or NULL. */
const char *nvt_reg_name(guint32 reg_off, char *buf, gsize buflen);
/* Config space access; cap is the capability it falls in (id NVT_CAP_NONE: none). */
void nvt_dissect_cfg(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int value_off,
                     guint16 cfg_off, guint size, guint32 value, nvt_cap cap,
                     gboolean msi_64bit);
/* Appends the names of the config fields an access touches ("Vendor ID, Device ID",
 * "MSI-X: Capability ID, Next Capability Pointer"); nothing if none is known. */
void nvt_cfg_describe(wmem_strbuf_t *out, guint16 cfg_off, guint size, nvt_cap cap,
                      gboolean msi_64bit);
/* Learns the capability list and MSI-X layout from a config read. */
void nvt_caps_learn(nvt_dev *dev, guint16 cfg_off, guint size, guint32 value);
/* The capability holding cfg_off, id NVT_CAP_NONE if none is known. */
nvt_cap nvt_caps_find(const nvt_dev *dev, guint16 cfg_off);
/* Name of a capability ("MSI-X", "PCI Express", ...). */
const char *nvt_cap_name(nvt_cap cap);

/* MSI-X table entry field names (NVT_MSIX_*). */
extern const value_string nvt_msix_field_vals[];

#endif
