/*
 * QEMU versions: what differs from one QEMU release line to the next, as nvmetrace sees it.
 *
 * The one place that knows which QEMU prints which trace-log form, which events it has, and
 * which values its default NVMe controller returns where they changed. The importer, live
 * capture, replay, diff, the tests and docs/qemu-versions.md (generated from this table by
 * `nvmetrace qemu-versions --markdown`) all read it.
 *
 * Rows are the releases where something visible changed, oldest first; a QEMU version uses
 * the newest row at or below it (nvt_qemu_line_for). Facts carry the QEMU commit that made the
 * change; docs/qemu-versions.md lists them.
 */
#ifndef NVMETRACE_QEMU_H
#define NVMETRACE_QEMU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a `-msg timestamp=on` trace-log line starts. */
enum nvt_qemu_log_prefix {
    NVT_QLOG_TID_EPOCH = 1, /* "5870@1795403926.406503:name args" (thread id @ sec.usec) */
    NVT_QLOG_ISO8601 = 2,   /* "2026-12-07T17:37:22.643552Z name args" (UTC; no thread id) */
};

struct nvt_qemu_line {
    uint16_t major, minor;   /* first release of this row */
    uint8_t log_prefix;      /* enum nvt_qemu_log_prefix */
    uint8_t shadow_v8_names; /* pci_nvme_update_{sq_tail,cq_head,sq_eventidx,cq_eventidx}
                              * instead of pci_nvme_{shadow_doorbell,eventidx}_{sq,cq} */
    uint8_t cq_eventidx;     /* the device writes the CQ EventIdx too (not only the SQ's) */
    uint8_t cfg_read_empty;  /* `pci_cfg_read empty BB:SS.F ...` lines for empty slots */
    uint64_t cap;            /* CAP of a default `-device nvme` (MQES 0x7ff, ...) */
    uint8_t nsfeat;          /* Identify Namespace NSFEAT of a default namespace */
    uint8_t devcap_ext_tag;  /* PCIe Device Capabilities (config 0x84) bit 5, Extended Tag
                              * Field Supported, on the newest machine type */
    uint16_t security_recv_sf; /* CQE status field (DNR | SCT | SC) a Security Receive gets */
    const char *tap_patch;   /* samples/qemu/ patch for this line, NULL if none */
    const char *changes;     /* one line for the docs: what changed in this row */
};

extern const struct nvt_qemu_line nvt_qemu_lines[];
extern const size_t nvt_qemu_nlines;

/* The row for QEMU major.minor: the newest at or below it, or the oldest row for a version
 * older than every row (with *older set to 1 if older is not NULL). Never NULL. */
const struct nvt_qemu_line *nvt_qemu_line_for(unsigned major, unsigned minor, int *older);

/* Finds a QEMU version in s: "QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-1)",
 * "QEMU 7.2.22", "qemu 10.2.2, nvmetrace tap build" or just "11.1.0". Sets major, minor and
 * micro (micro 0 when absent); returns 0, or -1 when s holds no version. */
int nvt_qemu_parse_version(const char *s, unsigned *major, unsigned *minor, unsigned *micro);

/* The CQE status field values in the table (Status Field bits 14:0 as QEMU's NVME_* codes). */
#define NVT_SF_DNR 0x4000
#define NVT_SF_INVALID_OPCODE 0x0001
#define NVT_SF_INVALID_FIELD 0x0002

#ifdef __cplusplus
}
#endif
#endif
