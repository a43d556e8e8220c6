/* nvmetrace qemu-versions: the QEMU version table (nvmetrace/qemu.h), for people, docs and
 * test scripts. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nvmetrace/qemu.h"

static const char *prefix_name(uint8_t p)
{
    return p == NVT_QLOG_ISO8601 ? "iso8601" : "tid-epoch";
}

static void print_row(const struct nvt_qemu_line *l, const char *version)
{
    if (version)
        printf("version=%s\n", version);
    printf("line=%u.%u\n", l->major, l->minor);
    printf("log_prefix=%s\n", prefix_name(l->log_prefix));
    printf("shadow_v8_names=%u\n", l->shadow_v8_names);
    printf("cq_eventidx=%u\n", l->cq_eventidx);
    printf("cfg_read_empty=%u\n", l->cfg_read_empty);
    printf("cap=0x%016" PRIx64 "\n", l->cap);
    printf("nsfeat=0x%02x\n", l->nsfeat);
    printf("devcap_ext_tag=%u\n", l->devcap_ext_tag);
    printf("security_recv_sf=0x%04x\n", l->security_recv_sf);
    printf("tap_patch=%s\n", l->tap_patch ? l->tap_patch : "");
}

static void print_markdown(void)
{
    printf("| since | log line prefix | shadow-doorbell events | CQ EventIdx | empty-slot "
           "config reads | CAP (default) | NSFEAT | DevCap Ext Tag | Security Receive | "
           "tap patch | what changed |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < nvt_qemu_nlines; i++) {
        const struct nvt_qemu_line *l = &nvt_qemu_lines[i];
        printf("| %u.%u | %s | %s | %s | %s | `0x%016" PRIx64 "` | `0x%02x` | %u | `0x%04x` | %s "
               "| %s |\n",
               l->major, l->minor,
               l->log_prefix == NVT_QLOG_ISO8601 ? "`2026-12-07T17:37:22.643552Z `"
                                                 : "`5870@1795403926.406503:`",
               l->shadow_v8_names ? "`pci_nvme_update_*`" : "`pci_nvme_shadow_doorbell_*`, "
                                                            "`pci_nvme_eventidx_*`",
               l->cq_eventidx ? "written" : "not written", l->cfg_read_empty ? "traced" : "not traced",
               l->cap, l->nsfeat, l->devcap_ext_tag, l->security_recv_sf,
               l->tap_patch ? l->tap_patch : "-", l->changes);
    }
}

static void print_text(void)
{
    printf("%-6s %-9s %-8s %-9s %-10s %-18s %-6s %-6s %-7s %s\n", "since", "prefix", "shadow",
           "cq-evidx", "empty-cfg", "cap", "nsfeat", "exttag", "secrecv", "tap patch");
    for (size_t i = 0; i < nvt_qemu_nlines; i++) {
        const struct nvt_qemu_line *l = &nvt_qemu_lines[i];
        char since[16];
        snprintf(since, sizeof since, "%u.%u", l->major, l->minor);
        printf("%-6s %-9s %-8s %-9s %-10s 0x%016" PRIx64 " 0x%02x   %-6u 0x%04x  %s\n", since,
               prefix_name(l->log_prefix), l->shadow_v8_names ? "8.0" : "7.2",
               l->cq_eventidx ? "yes" : "no", l->cfg_read_empty ? "yes" : "no", l->cap,
               l->nsfeat, l->devcap_ext_tag, l->security_recv_sf,
               l->tap_patch ? l->tap_patch : "-");
        printf("       %s\n", l->changes);
    }
}

static int run(int argc, char **argv)
{
    const char *version = NULL;
    int markdown = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--markdown") == 0)
            markdown = 1;
        else if (strcmp(argv[i], "--for") == 0 && i + 1 < argc)
            version = argv[++i];
        else
            return cli_usage_error("qemu-versions", "unexpected argument '%s'", argv[i]);
    }
    if (version) {
        unsigned major, minor, micro;
        if (nvt_qemu_parse_version(version, &major, &minor, &micro) != 0) {
            fprintf(stderr, "nvmetrace qemu-versions: no QEMU version in '%s'\n", version);
            return EXIT_FAIL;
        }
        int older = 0;
        const struct nvt_qemu_line *l = nvt_qemu_line_for(major, minor, &older);
        if (older)
            fprintf(stderr,
                    "nvmetrace qemu-versions: QEMU %u.%u is older than every row; using %u.%u's\n",
                    major, minor, l->major, l->minor);
        char v[48];
        snprintf(v, sizeof v, "%u.%u.%u", major, minor, micro);
        print_row(l, v);
        return EXIT_OK;
    }
    if (markdown)
        print_markdown();
    else
        print_text();
    return EXIT_OK;
}

const struct nvt_command cmd_qemu_versions = {
    "qemu-versions", "what differs between QEMU versions, as the importer and replay see it", run,
    "NAME\n"
    "    nvmetrace qemu-versions - the QEMU version table\n\n"
    "SYNOPSIS\n"
    "    nvmetrace qemu-versions [--markdown]\n"
    "    nvmetrace qemu-versions --for VERSION\n\n"
    "DESCRIPTION\n"
    "    Prints the table every part of nvmetrace uses to tell QEMU versions apart: the form\n"
    "    of a trace-log line with -msg timestamp=on, the names of the shadow-doorbell events,\n"
    "    whether the CQ EventIdx is written and empty-slot config reads are traced, and the\n"
    "    values a default -device nvme returns where they changed (CAP, Identify Namespace\n"
    "    NSFEAT, the PCIe Extended Tag bit, the status of Security Receive), with the QEMU\n"
    "    commit behind each row. A version uses the newest row at or below it.\n\n"
    "OPTIONS\n"
    "    --markdown      the table as docs/qemu-versions.md shows it\n"
    "    --for VERSION   one row as KEY=VALUE lines, for scripts; VERSION is any text that\n"
    "                    holds a version, e.g. the first line of qemu-system-x86_64 --version\n\n"
    "EXIT STATUS\n"
    "    0 printed, 1 no version found in VERSION, 2 usage error.\n"};
