/* nvt_diff_files on generated traces: a trace against itself has no divergence; two devices
 * that differ in known ways show exactly those differences; an extra command is reported as
 * the workload's and does not misalign the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test.h"
#include "cases.h"
#include "nvmetrace/analyze.h"

static char dir[256];

static void write_case(const char *name, const struct scen *s, char *path, size_t len)
{
    nvt_error err;
    snprintf(path, len, "%s/diff-%s.pcapng", dir, name);
    if (scen_write(path, s, &err) < 0)
        fprintf(stderr, "%s\n", err.msg);
}

static const nvt_divergence *find(const nvt_diff_result *r, int kind, const char *what)
{
    for (size_t i = 0; i < r->nitems; i++)
        if (r->items[i].kind == kind && !strcmp(r->items[i].what, what))
            return &r->items[i];
    return NULL;
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "%s", argc > 1 ? argv[1] : ".");
    char a[512], b[512], c[512];
    struct scen s;
    case_scenario("diff-a", &s);
    write_case("a", &s, a, sizeof a);
    case_scenario("diff-b", &s);
    write_case("b", &s, b, sizeof b);
    memset(&s, 0, sizeof s);
    s.msix_cq_vector = 1; /* one more Create I/O CQ (and a vector past the table) */
    write_case("extra", &s, c, sizeof c);

    nvt_diff_result *r = NULL;
    nvt_error err;
    /* a trace against itself */
    CHECK(nvt_diff_files(a, a, NULL, &r, &err) == 0);
    if (r) {
        CHECK_EQ_U64(r->nitems, 0);
        CHECK_EQ_U64(r->aligned, 32);
        nvt_diff_free(r);
    }

    /* the device pair: every difference and nothing else */
    nvt_diff_opts o = {0, 0, 100};
    CHECK(nvt_diff_files(a, b, &o, &r, &err) == 0);
    if (r) {
        CHECK_EQ_U64(r->commands_a, 32);
        CHECK_EQ_U64(r->commands_b, 32);
        CHECK_EQ_U64(r->aligned, 32);
        CHECK_EQ_U64(r->total[NVT_DIFF_DEVICE], 0);
        CHECK_EQ_U64(r->total[NVT_DIFF_CONFIG], 1);
        CHECK_EQ_U64(r->total[NVT_DIFF_BAR], 1);
        CHECK_EQ_U64(r->total[NVT_DIFF_REGISTER], 0);
        CHECK_EQ_U64(r->total[NVT_DIFF_IDENTIFY], 1);
        CHECK_EQ_U64(r->total[NVT_DIFF_COMPLETION], 2);
        /* table size, and the coalescing: 12 of 25 I/O completions with their own interrupt */
        CHECK_EQ_U64(r->total[NVT_DIFF_INTERRUPT], 2);
        CHECK_EQ_U64(r->total[NVT_DIFF_WORKLOAD], 0);
        /* a dword read of the MSI-X capability header: Message Control's field, named */
        const nvt_divergence *d =
            find(r, NVT_DIFF_CONFIG, "MSI-X Message Control (0x42) Table Size");
        CHECK(d && !strcmp(d->a, "0x40") && !strcmp(d->b, "0x10"));
        CHECK(d && d->event_a == 3 && d->event_b == 3);
        d = find(r, NVT_DIFF_BAR, "BAR0 size (bytes)");
        CHECK(d && !strcmp(d->a, "16384") && !strcmp(d->b, "32768"));
        d = find(r, NVT_DIFF_IDENTIFY, "Identify Controller MDTS");
        CHECK(d && !strcmp(d->a, "0x5 (5)") && !strcmp(d->b, "0x7 (7)"));
        d = find(r, NVT_DIFF_COMPLETION, "admin #3 Set Features (Number of Queues) DW0");
        CHECK(d && !strcmp(d->a, "0x00030003") && !strcmp(d->b, "0x00070007"));
        d = find(r, NVT_DIFF_COMPLETION, "admin #7 Identify (CNS 0xff) status");
        CHECK(d && !strcmp(d->a, "Invalid Field in Command (0x0002)") &&
              !strcmp(d->b, "Invalid Namespace or Format (0x000b)"));
        d = find(r, NVT_DIFF_INTERRUPT, "MSI-X table size");
        CHECK(d && !strcmp(d->a, "65") && !strcmp(d->b, "17"));
        d = find(r, NVT_DIFF_INTERRUPT,
                 "completions on vector 1 with an interrupt of their own");
        CHECK(d && !strcmp(d->a, "25 of 25") && !strcmp(d->b, "12 of 25"));
        /* the admin queue signals alike in both */
        CHECK(find(r, NVT_DIFF_INTERRUPT,
                   "completions on vector 0 with an interrupt of their own") == NULL);
        /* grouped by kind, earliest first */
        for (size_t i = 1; i < r->nitems; i++)
            CHECK(r->items[i - 1].kind < r->items[i].kind ||
                  (r->items[i - 1].kind == r->items[i].kind &&
                   r->items[i - 1].order <= r->items[i].order));
        nvt_diff_free(r);
    }
    /* --max keeps the totals */
    o.max_per_kind = 1;
    CHECK(nvt_diff_files(a, b, &o, &r, &err) == 0);
    if (r) {
        CHECK_EQ_U64(r->total[NVT_DIFF_INTERRUPT], 2);
        CHECK_EQ_U64(r->total[NVT_DIFF_COMPLETION], 2);
        size_t kept = 0;
        for (size_t i = 0; i < r->nitems; i++)
            kept += r->items[i].kind == NVT_DIFF_INTERRUPT || r->items[i].kind == NVT_DIFF_COMPLETION;
        CHECK_EQ_U64(kept, 2);
        nvt_diff_free(r);
    }

    /* an extra admin command in B: the workload's, and the rest stays aligned */
    CHECK(nvt_diff_files(a, c, NULL, &r, &err) == 0);
    if (r) {
        CHECK_EQ_U64(r->total[NVT_DIFF_WORKLOAD], 1);
        CHECK_EQ_U64(r->total[NVT_DIFF_COMPLETION], 0);
        CHECK_EQ_U64(r->aligned, 32);
        const nvt_divergence *d =
            find(r, NVT_DIFF_WORKLOAD, "admin #6 Create I/O Completion Queue (QID 2) only in B");
        CHECK(d && d->event_a == UINT64_MAX && d->event_b != UINT64_MAX);
        nvt_diff_free(r);
    }

    /* one session as full fidelity and as a log import (NSID, SLBA, register values and
     * Identify data unknown in the import): every command aligns on the fields both know,
     * nothing diverges, and what the import lacks is said, not compared */
    char q91[512], q91i[512], q100[512];
    case_scenario("qemu-9.1", &s);
    write_case("q91", &s, q91, sizeof q91);
    case_scenario("qemu-9.1-import", &s);
    write_case("q91i", &s, q91i, sizeof q91i);
    case_scenario("qemu-10.0", &s);
    write_case("q100", &s, q100, sizeof q100);
    CHECK(nvt_diff_files(q91, q91i, NULL, &r, &err) == 0);
    if (r) {
        CHECK_EQ_U64(r->aligned, 32);
        CHECK_EQ_U64(r->nitems, 0);
        CHECK_EQ_U64(r->nnotes, 2);
        CHECK(r->nnotes == 2 && !strcmp(r->notes[0].what, "controller register read values") &&
              !strcmp(r->notes[1].what, "Identify Controller/Namespace data"));
        char why[160];
        CHECK(nvt_coverage_check(&r->cov_a, why, sizeof why) == NVT_COVERAGE_OK);
        CHECK(nvt_coverage_check(&r->cov_b, why, sizeof why) == NVT_COVERAGE_OK);
        CHECK_EQ_U64(r->cov_b.commands, 32);
        nvt_diff_free(r);
    }
    /* QEMU 9.1 against 10.0: the three behaviour changes, by their spec names */
    CHECK(nvt_diff_files(q91, q100, NULL, &r, &err) == 0);
    if (r) {
        CHECK_EQ_U64(r->nitems, 3);
        const nvt_divergence *d = find(r, NVT_DIFF_CONFIG,
                                       "Device Capabilities (0x84) Extended Tag Field Supported");
        CHECK(d && !strcmp(d->a, "0") && !strcmp(d->b, "1"));
        d = find(r, NVT_DIFF_REGISTER, "CAP.CSS: No I/O Command Set Support");
        CHECK(d && !strcmp(d->a, "1") && !strcmp(d->b, "0"));
        d = find(r, NVT_DIFF_IDENTIFY, "Identify Namespace 1 NSFEAT");
        CHECK(d && !strcmp(d->a, "0x14 (20)") && !strcmp(d->b, "0x34 (52)"));
        nvt_diff_free(r);
    }
    /* a field without named bits differs as a value; bits no field describes, raw */
    char mqes[512], rsvd[512];
    case_scenario("qemu-9.1", &s);
    s.cap = 0x004018200f0103ffull; /* MQES 0x7ff -> 0x3ff */
    write_case("q91-mqes", &s, mqes, sizeof mqes);
    s.cap = 0x804018200f0107ffull; /* bit 63: reserved */
    write_case("q91-rsvd", &s, rsvd, sizeof rsvd);
    CHECK(nvt_diff_files(q91, mqes, NULL, &r, &err) == 0);
    if (r) {
        CHECK_EQ_U64(r->nitems, 1);
        const nvt_divergence *d =
            find(r, NVT_DIFF_REGISTER, "CAP.MQES (Maximum Queue Entries Supported)");
        CHECK(d && !strcmp(d->a, "0x7ff") && !strcmp(d->b, "0x3ff"));
        nvt_diff_free(r);
    }
    CHECK(nvt_diff_files(q91, rsvd, NULL, &r, &err) == 0);
    if (r) {
        CHECK_EQ_U64(r->nitems, 1);
        const nvt_divergence *d = find(r, NVT_DIFF_REGISTER, "CAP read #1 (8 bytes)");
        CHECK(d && !strcmp(d->a, "0x004018200f0107ff") && !strcmp(d->b, "0x804018200f0107ff"));
        nvt_diff_free(r);
    }

    /* errors name the file */
    CHECK(nvt_diff_files(a, "/nonexistent/b.pcapng", NULL, &r, &err) == -1);
    CHECK(strstr(err.msg, "/nonexistent/b.pcapng") != NULL);
    nvt_diff_opts bad = {0, 3, 0};
    CHECK(nvt_diff_files(a, b, &bad, &r, &err) == -1);
    CHECK(strstr(err.msg, "no device 3") != NULL);
    TEST_DONE();
}
