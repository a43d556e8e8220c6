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
    int no_end_marker;       /* no final CAPTURE_STATS: a trace cut short */
};

/* Writes the scenario to path. Returns 0, or -1 with err filled. */
int scen_write(const char *path, const struct scen *s, nvt_error *err);

#endif
