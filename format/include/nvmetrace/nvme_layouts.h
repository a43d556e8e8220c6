/*
 * NVMe payload layouts: the byte layout of the data a host asks for with Get Log Page, Get /
 * Set Features and Identify, as data tables. One definition, shared by the Wireshark plugin's
 * decode of the DMA data and (later) by diff and report. Each table cites the specification
 * revision and the figure it follows; field abbreviations are the spec's.
 *
 * A row describes count instances of a field: instance i is at off + i * stride (stride 0 means
 * len), each len bytes. Unsigned integers are little endian.
 */
#ifndef NVMETRACE_NVME_LAYOUTS_H
#define NVMETRACE_NVME_LAYOUTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum nvt_layout_kind {
    NVT_LK_UINT = 0, /* little-endian unsigned integer of 1 to 8 bytes */
    NVT_LK_U128,     /* 16-byte little-endian counter (SMART / Health) */
    NVT_LK_TEXT,     /* ASCII, space padded */
    NVT_LK_BYTES,    /* opaque bytes (an identifier, a bitmap) */
};

/* Flags of a row. */
#define NVT_LF_NONZERO 0x01 /* only instances whose value is not zero are meaningful
                               (list entries, supported-command entries) */

struct nvt_layout_field {
    uint16_t off;        /* byte offset of instance 0 in the structure */
    uint16_t len;        /* bytes of one instance */
    uint16_t count;      /* instances (1 for a single field) */
    uint16_t stride;     /* bytes between instances; 0: len */
    uint8_t kind;        /* enum nvt_layout_kind */
    uint8_t flags;       /* NVT_LF_* */
    const char *name;    /* the spec's field name: "Composite Temperature" */
    const char *abbrev;  /* the spec's abbreviation: "CTEMP" */
};

struct nvt_layout {
    const char *key;     /* short unique name, used in filter names: "smart" */
    const char *title;   /* "SMART / Health Information" */
    const char *spec;    /* the revision and figure the table follows */
    uint32_t size;       /* bytes of the structure */
    uint8_t repeats;     /* 1: the structure repeats back to back through the transfer
                            (Error Information entries) */
    const struct nvt_layout_field *fields; /* sorted by off */
    size_t nfields;
};

/* Layout of a log page's data (Get Log Page, LID), NULL if none is described. */
const struct nvt_layout *nvt_log_page_layout(uint8_t lid);
/* Layout of a feature's data buffer (Get / Set Features with data, FID), NULL if the feature
 * has no data buffer described here (its value is in CDW11 / CQE DW0). */
const struct nvt_layout *nvt_feature_data_layout(uint8_t fid);
/* Layout of an Identify data structure (CNS) for command set csi (CDW11 bits 31:24; some
 * CNS values depend on it), NULL if none is described. */
const struct nvt_layout *nvt_identify_layout(uint8_t cns, uint8_t csi);

/* Every layout, ended by NULL: for registration (filter fields) and tests. */
extern const struct nvt_layout *const nvt_layouts[];

/* Byte distance between instances of f. */
static inline unsigned nvt_layout_stride(const struct nvt_layout_field *f)
{
    return f->stride ? f->stride : f->len;
}

/* Decimal text of a 16-byte little-endian unsigned counter; buf needs 40 bytes. Returns buf. */
char *nvt_u128_dec(const uint8_t le[16], char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
