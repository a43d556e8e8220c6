/* The QEMU version table (format/src/qemu.c): rows ordered, lookups at and between rows, the
 * version parser on the strings QEMU and its packages print, and the facts measured on real
 * QEMU 7.2, 10.0 and 10.2 builds (design notes, "Facts measured 2026-12-07"). */
#include <string.h>

#include "nvmetrace/qemu.h"
#include "test.h"

static void test_rows_ordered(void)
{
    CHECK(nvt_qemu_nlines >= 6);
    for (size_t i = 1; i < nvt_qemu_nlines; i++) {
        const struct nvt_qemu_line *a = &nvt_qemu_lines[i - 1], *b = &nvt_qemu_lines[i];
        CHECK(a->major < b->major || (a->major == b->major && a->minor < b->minor));
        CHECK(b->changes && *b->changes);
    }
}

static void test_lookup(void)
{
    int older = -1;
    const struct nvt_qemu_line *l = nvt_qemu_line_for(7, 2, &older);
    CHECK(older == 0 && l->major == 7 && l->minor == 2);
    CHECK(l->log_prefix == NVT_QLOG_TID_EPOCH && !l->shadow_v8_names && !l->cfg_read_empty);
    CHECK(l->cap == 0x004018200f0107ffull && l->nsfeat == 0x14 && l->devcap_ext_tag == 0);
    CHECK(l->security_recv_sf == 0x4001);
    CHECK(l->tap_patch && strcmp(l->tap_patch, "samples/qemu/nvmetap-qemu-7.2.patch") == 0);
    /* 8.2 (Ubuntu 24.04) uses 8.0's row */
    l = nvt_qemu_line_for(8, 2, &older);
    CHECK(older == 0 && l->major == 8 && l->minor == 0 && l->shadow_v8_names && l->cq_eventidx);
    CHECK(l->cfg_read_empty && l->nsfeat == 0x14);
    /* 10.0.x: CAP reworked, still the thread-id prefix */
    l = nvt_qemu_line_for(10, 0, &older);
    CHECK(l->cap == 0x004008200f0107ffull && l->log_prefix == NVT_QLOG_TID_EPOCH);
    CHECK(l->nsfeat == 0x34 && l->devcap_ext_tag == 1);
    /* 10.1 prints ISO-8601 times; 11.1 uses 10.2's row with SPDM */
    CHECK(nvt_qemu_line_for(10, 1, NULL)->log_prefix == NVT_QLOG_ISO8601);
    l = nvt_qemu_line_for(11, 1, NULL);
    CHECK(l->major == 10 && l->minor == 2 && l->security_recv_sf == 0x4002);
    /* older than every row: the oldest row, flagged */
    l = nvt_qemu_line_for(6, 2, &older);
    CHECK(older == 1 && l == &nvt_qemu_lines[0]);
}

static void test_parse(void)
{
    unsigned a = 99, b = 99, c = 99;
    CHECK(nvt_qemu_parse_version("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)",
                                 &a, &b, &c) == 0);
    CHECK(a == 7 && b == 2 && c == 22);
    CHECK(nvt_qemu_parse_version("QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)",
                                 &a, &b, &c) == 0);
    CHECK(a == 10 && b == 0 && c == 13);
    CHECK(nvt_qemu_parse_version("QEMU 7.2.22", &a, &b, &c) == 0 && a == 7 && c == 22);
    CHECK(nvt_qemu_parse_version("qemu 11.1, tap", &a, &b, &c) == 0);
    CHECK(a == 11 && b == 1 && c == 0);
    CHECK(nvt_qemu_parse_version("1:10.2.2+ds-1", &a, &b, &c) == 0 && a == 10 && b == 2);
    CHECK(nvt_qemu_parse_version("QEMU", &a, &b, &c) == -1);
    CHECK(nvt_qemu_parse_version("v1.2.3.4", &a, &b, &c) == -1);
    CHECK(nvt_qemu_parse_version("123456.1", &a, &b, &c) == -1);
    CHECK(nvt_qemu_parse_version("", &a, &b, &c) == -1);
    CHECK(nvt_qemu_parse_version(NULL, &a, &b, &c) == -1);
}

int main(void)
{
    test_rows_ordered();
    test_lookup();
    test_parse();
    TEST_DONE();
}
