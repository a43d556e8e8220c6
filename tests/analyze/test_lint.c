/* Every lint rule fires on its failing trace and stays silent on its passing one; the default
 * session lints clean; findings carry the right event, count and text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/test.h"
#include "cases.h"
#include "nvmetrace/analyze.h"

static char dir[256];

static int lint(const struct scen *s, const char *name, nvt_finding **f, size_t *n,
                nvt_lint_summary *sum)
{
    char path[512];
    nvt_error err;
    snprintf(path, sizeof path, "%s/%s.pcapng", dir, name);
    if (scen_write(path, s, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    if (nvt_lint_file(path, NULL, f, n, sum, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int has_rule(const nvt_finding *f, size_t n, const char *rule)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(f[i].rule->id, rule))
            return 1;
    return 0;
}

static void dump(const char *what, const nvt_finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  %s: event %llu %s: %s\n", what, (unsigned long long)f[i].event,
                f[i].rule->id, f[i].message);
}

static void rule_cases(void)
{
    size_t nrules;
    const nvt_lint_rule *rules = nvt_lint_rules(&nrules);
    int tested[64] = {0};
    for (unsigned i = 0; i < n_lint_cases; i++) {
        const struct lint_case *c = &lint_cases[i];
        struct scen s;
        nvt_finding *f;
        size_t n;
        nvt_lint_summary sum;
        char name[128];
        CHECK(nvt_lint_rule_find(c->rule) != NULL);
        for (size_t r = 0; r < nrules; r++)
            if (!strcmp(rules[r].id, c->rule))
                tested[r] = 1;

        memset(&s, 0, sizeof s);
        c->fail(&s);
        snprintf(name, sizeof name, "%s-%u.fail", c->rule, i);
        if (lint(&s, name, &f, &n, &sum) < 0) {
            CHECK(0);
            continue;
        }
        int hit = has_rule(f, n, c->rule);
        CHECK(hit);
        /* nothing else fires than what the case allows */
        for (size_t k = 0; k < n; k++) {
            int ok = !strcmp(f[k].rule->id, c->rule) || strstr(c->also, f[k].rule->id);
            if (!ok)
                fprintf(stderr, "%s: unexpected %s\n", name, f[k].rule->id);
            CHECK(ok);
        }
        if (!hit)
            dump(name, f, n);
        uint64_t sev = sum.by_severity[nvt_lint_rule_find(c->rule)->severity];
        CHECK(sev >= 1);
        free(f);

        memset(&s, 0, sizeof s);
        if (c->pass)
            c->pass(&s);
        snprintf(name, sizeof name, "%s-%u.pass", c->rule, i);
        if (lint(&s, name, &f, &n, &sum) < 0) {
            CHECK(0);
            continue;
        }
        CHECK_EQ_U64(n, 0);
        if (n)
            dump(name, f, n);
        free(f);
    }
    /* every rule has a failing and a passing trace */
    for (size_t r = 0; r < nrules; r++) {
        if (!tested[r])
            fprintf(stderr, "rule %s has no test case\n", rules[r].id);
        CHECK(tested[r]);
    }
}

static void details(void)
{
    struct scen s;
    nvt_finding *f;
    size_t n;
    nvt_lint_summary sum;

    /* BAR0 of 8 KiB: one finding (probe read-back and mapping fold together), an error */
    memset(&s, 0, sizeof s);
    s.bar0_size = 8192;
    if (lint(&s, "bar0", &f, &n, &sum) == 0) {
        CHECK_EQ_U64(n, 1);
        CHECK_STR(f[0].rule->id, "bar0-too-small");
        CHECK_EQ_U64(f[0].count, 2);
        CHECK(strstr(f[0].message, "8192 bytes (size probe read-back)") != NULL);
        CHECK_EQ_U64(f[0].event, 6); /* the CFGR of 0x10 after the all-ones write */
        CHECK_STR(f[0].bdf, "0000:00:04.0");
        CHECK_EQ_U64(sum.by_severity[NVT_SEV_ERROR], 2);
        free(f);
    }
    /* the same rule on two devices: one finding each */
    s.devices = 2;
    if (lint(&s, "bar0-two", &f, &n, &sum) == 0) {
        CHECK_EQ_U64(n, 2);
        CHECK_EQ_U64(f[0].device, 0);
        CHECK_EQ_U64(f[1].device, 1);
        CHECK_STR(f[1].bdf, "0000:00:05.0");
        free(f);
    }
    /* disabled rules stay silent */
    memset(&s, 0, sizeof s);
    s.bar0_size = 8192;
    s.orphan_cpl = 1;
    {
        char path[512];
        nvt_error err;
        snprintf(path, sizeof path, "%s/disable.pcapng", dir);
        CHECK(scen_write(path, &s, &err) == 0);
        const char *off[] = {"bar0-too-small", NULL};
        nvt_lint_opts o = {off, NULL, NULL};
        CHECK(nvt_lint_file(path, &o, &f, &n, &sum, &err) == 0);
        CHECK_EQ_U64(n, 1);
        if (n)
            CHECK_STR(f[0].rule->id, "cpl-without-sub");
        free(f);
    }
    /* CID reuse names both commands */
    memset(&s, 0, sizeof s);
    s.cid_reuse = 1;
    if (lint(&s, "cid", &f, &n, &sum) == 0) {
        CHECK(n >= 1);
        CHECK(strstr(f[0].message, "SQ 1 CID 0x0005 reused while command") != NULL);
        free(f);
    }
    /* MDTS: 257 blocks of 512 bytes with MDTS 5 and 4 KiB pages */
    memset(&s, 0, sizeof s);
    s.big_nlb = 257;
    if (lint(&s, "mdts", &f, &n, &sum) == 0 && n == 1) {
        CHECK(strstr(f[0].message, "transfers 131584 bytes; MDTS 5 with CAP.MPSMIN 0 allows "
                                   "131072") != NULL);
        free(f);
    }
    /* an unreadable trace is an error naming the file */
    {
        char path[512];
        nvt_error err;
        snprintf(path, sizeof path, "%s/garbage.pcapng", dir);
        FILE *g = fopen(path, "wb");
        fputs("this is not a pcapng file at all, not even close", g);
        fclose(g);
        CHECK(nvt_lint_file(path, NULL, &f, &n, &sum, &err) == -1);
        CHECK(strstr(err.msg, "garbage.pcapng") != NULL);
        free(f);
    }
}

/* docs/lint.md lists every rule: a "### id — severity" heading and the citation verbatim. */
static void doc(const char *path)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    static char text[1 << 17];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    size_t nrules;
    const nvt_lint_rule *r = nvt_lint_rules(&nrules);
    for (size_t i = 0; i < nrules; i++) {
        char head[128];
        snprintf(head, sizeof head, "### %s \xe2\x80\x94 %s", r[i].id,
                 nvt_severity_name(r[i].severity));
        if (!strstr(text, head))
            fprintf(stderr, "docs/lint.md: no heading '%s'\n", head);
        CHECK(strstr(text, head) != NULL);
        if (!strstr(text, r[i].spec))
            fprintf(stderr, "docs/lint.md: no citation of %s\n", r[i].id);
        CHECK(strstr(text, r[i].spec) != NULL);
    }
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "%s", argc > 1 ? argv[1] : ".");
    rule_cases();
    details();
    if (argc > 2)
        doc(argv[2]);
    TEST_DONE();
}
