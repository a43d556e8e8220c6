/* Synthetic NVMe sessions written with the project's writer, for the analyze tests: a
 * conformant bring-up and workload by default, with knobs that break exactly one rule (lint
 * tests) or change one device behaviour (diff tests). */
#ifndef NVT_TEST_SCENARIO_H
#define NVT_TEST_SCENARIO_H

#include <stdint.h>

#include "nvmetrace/format.h"

struct scen {
    /* ---- device properties (0 = default) ---- */
    uint32_t bar0_size;      /* bytes; default 16384 */
    uint32_t msix_table;     /* MSI-X table entries; default 65 */
    uint8_t mdts;            /* Identify Controller MDTS; default 5 (128 KiB with 4 KiB pages) */
    uint32_t nq_dw0;         /* Set Features Number of Queues: CQE DW0; default 0x00030003 */
    int coalesce;            /* 1: one interrupt per two I/O completions */
    int identify_status;     /* status of the bad-CNS Identify; default 2 (Invalid Field) */
    uint32_t ctrl_serial;    /* appended to the serial number */
    int n_io;                /* I/O commands on SQ 1; default 24 */
    int devices;             /* traced functions; default 1 */
    /* ---- one violation each (lint tests) ---- */
    int bar_move_decoding;   /* move BAR0 with Memory Space on */
    int bar_move_ok;         /* move BAR0 with Memory Space off (the conformant way) */
    int stale_gpa;           /* after the move, MMIO keeps arriving at the old address */
    int cid_reuse;
    int orphan_cpl;
    int db_beyond;
    int db_noqueue;
    int sq_missing_cq;
    int before_ready;
    int cc_change;           /* 1: MPS changed while enabled; 2: only SHN (conformant) */
    int msix_vector;         /* an interrupt on a vector past the table */
    int msix_cq_vector;      /* Create I/O CQ with IV past the table, accepted */
    uint32_t big_nlb;        /* one extra Read of this many 512-byte blocks (0: none) */
    int prp1_offset;         /* PRP1 of the I/O commands not dword aligned */
    int prp2_offset;         /* two-page Read with PRP2 not page aligned */
    int reserved_cc;         /* CC written with reserved bits */
    int reserved_sqe;        /* an SQE with CDW0 bits 13:10 set */
    int cq_overrun;          /* CQ 1 of 4 entries filled without head doorbells */
    uint64_t dropped;        /* CAPTURE_STATS dropped count */
    /* ---- what a trace holds (empty-success and fidelity tests) ---- */
    int no_commands;         /* PCI and register bring-up only: no submission at all */
    int no_devices;          /* no traced function: only the CAPTURE_STATS record */
    uint64_t import_warnings; /* CAPTURE_STATS importer warnings */
    /* The device as one QEMU line shows it (design.md, "Facts measured 2026-12-07"), with a
     * PCI Express capability and the subsystem ids read from config space: 91 = QEMU 9.1
     * (CAP 0x004018200f0107ff, Device Capabilities without Extended Tag, NSFEAT 0x14),
     * 100 = QEMU 10.0 (CAP 0x004008200f0107ff, Extended Tag Field Supported, NSFEAT 0x34). */
    int qemu;
    uint64_t cap;            /* CAP as the device reports it (0: the default, or qemu's) */
    /* The same session as a QEMU log import records it: SUB/CPL reconstructed with the
     * known-byte masks the importer gives (NSID and SLBA unknown), register reads without
     * values, config reads with guessed sizes, no DMA data, no subsystem ids in the IDB. */
    int as_import;
    uint8_t vendor_opcode;   /* one admin command with this opcode (C0h-FFh: vendor specific) */
    int long_comment;        /* a section comment of 600 bytes (a QEMU command line) */
};

/* Writes the scenario to path. Returns 0, or -1 with err filled. */
int scen_write(const char *path, const struct scen *s, nvt_error *err);

#endif
