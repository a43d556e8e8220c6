/* The scenario of each lint rule's failing and passing trace, and the diff pair. */
#include "cases.h"

#include <stdio.h>
#include <string.h>

static void bar0_small(struct scen *s) { s->bar0_size = 8192; }
static void bar0_large(struct scen *s) { s->bar0_size = 65536; }
static void move_decoding(struct scen *s) { s->bar_move_decoding = 1; }
static void move_ok(struct scen *s) { s->bar_move_ok = 1; }
static void stale(struct scen *s) { s->stale_gpa = 1; }
static void cid_reuse(struct scen *s) { s->cid_reuse = 1; }
static void orphan(struct scen *s) { s->orphan_cpl = 1; }
static void db_beyond(struct scen *s) { s->db_beyond = 1; }
static void db_noqueue(struct scen *s) { s->db_noqueue = 1; }
static void sq_no_cq(struct scen *s) { s->sq_missing_cq = 1; }
static void before_ready(struct scen *s) { s->before_ready = 1; }
static void cc_change(struct scen *s) { s->cc_change = 1; }
static void msix_irq(struct scen *s) { s->msix_vector = 1; }
static void msix_cq(struct scen *s) { s->msix_cq_vector = 1; }
static void mdts_over(struct scen *s) { s->big_nlb = 257; }
static void mdts_at(struct scen *s) { s->big_nlb = 256; }
static void prp1(struct scen *s) { s->prp1_offset = 1; }
static void prp2(struct scen *s) { s->prp2_offset = 1; }
static void rsvd_cc(struct scen *s) { s->reserved_cc = 1; }
static void rsvd_sqe(struct scen *s) { s->reserved_sqe = 1; }
static void overrun(struct scen *s) { s->cq_overrun = 1; }
static void dropped(struct scen *s) { s->dropped = 7; }

const struct lint_case lint_cases[] = {
    {"bar0-too-small", bar0_small, bar0_large, ""},
    {"bar-write-while-decoding", move_decoding, move_ok, ""},
    {"bar-address-mismatch", stale, move_ok, ""},
    /* the device completes both commands: the second completion has no command left */
    {"cid-reuse", cid_reuse, NULL, "cpl-without-sub"},
    {"cpl-without-sub", orphan, NULL, ""},
    {"doorbell-beyond-queue-size", db_beyond, NULL, ""},
    {"doorbell-unknown-queue", db_noqueue, NULL, ""},
    {"sq-on-missing-cq", sq_no_cq, NULL, ""},
    {"cmd-before-ready", before_ready, NULL, ""},
    {"cc-changed-while-enabled", cc_change, NULL, ""},
    {"msix-vector-beyond-table", msix_irq, NULL, ""},
    {"msix-vector-beyond-table", msix_cq, NULL, ""},
    {"transfer-beyond-mdts", mdts_over, mdts_at, ""},
    {"prp-offset", prp1, NULL, ""},
    {"prp-offset", prp2, NULL, ""},
    {"reserved-bits", rsvd_cc, NULL, ""},
    {"reserved-bits", rsvd_sqe, NULL, ""},
    {"cq-overrun", overrun, NULL, ""},
    {"capture-dropped", dropped, NULL, ""},
};
const unsigned n_lint_cases = sizeof lint_cases / sizeof lint_cases[0];

/* The diff pair: the same workload on two devices that differ in BAR0 size, MSI-X table
 * size, MDTS, the number of queues granted, interrupt coalescing and an error status. */
static void diff_b(struct scen *s)
{
    s->bar0_size = 32768;
    s->msix_table = 17;
    s->mdts = 7;
    s->nq_dw0 = 0x00070007;
    s->coalesce = 1;
    s->identify_status = 0x0b; /* Invalid Namespace or Format */
}

int case_scenario(const char *name, struct scen *s)
{
    memset(s, 0, sizeof *s);
    if (!strcmp(name, "clean") || !strcmp(name, "diff-a"))
        return 0;
    if (!strcmp(name, "diff-b")) {
        diff_b(s);
        return 0;
    }
    /* what a trace holds: never an empty success */
    if (!strcmp(name, "no-commands")) {
        s->no_commands = 1;
        return 0;
    }
    if (!strcmp(name, "no-device")) {
        s->no_devices = 1;
        return 0;
    }
    if (!strcmp(name, "import-warnings")) {
        s->as_import = 1;
        s->import_warnings = 100000;
        return 0;
    }
    if (!strcmp(name, "vendor-opcode")) {
        s->vendor_opcode = 0xc5;
        return 0;
    }
    if (!strcmp(name, "long-comment")) {
        s->long_comment = 1;
        return 0;
    }
    /* one session as two QEMU lines show it, full fidelity and as a log import */
    if (!strcmp(name, "qemu-9.1") || !strcmp(name, "qemu-9.1-import") ||
        !strcmp(name, "qemu-10.0")) {
        s->qemu = strstr(name, "10.0") ? 100 : 91;
        s->as_import = strstr(name, "import") != NULL;
        return 0;
    }
    /* RULE.fail / RULE.pass, RULE.N.fail for the n-th case of a rule (from 1) */
    for (unsigned i = 0; i < n_lint_cases; i++) {
        unsigned nth = 1;
        for (unsigned j = 0; j < i; j++)
            nth += strcmp(lint_cases[j].rule, lint_cases[i].rule) == 0;
        char f[96], p[96], f2[96], p2[96];
        snprintf(f, sizeof f, "%s.fail", lint_cases[i].rule);
        snprintf(p, sizeof p, "%s.pass", lint_cases[i].rule);
        snprintf(f2, sizeof f2, "%s.%u.fail", lint_cases[i].rule, nth);
        snprintf(p2, sizeof p2, "%s.%u.pass", lint_cases[i].rule, nth);
        if ((nth == 1 && !strcmp(name, f)) || !strcmp(name, f2)) {
            lint_cases[i].fail(s);
            return 0;
        }
        if ((nth == 1 && !strcmp(name, p)) || !strcmp(name, p2)) {
            if (lint_cases[i].pass)
                lint_cases[i].pass(s);
            return 0;
        }
    }
    return -1;
}
