/* NVMe payload layouts (format/src/nvme_layouts.c): every table sorted by offset, no two field
 * instances overlapping, every instance inside the structure, unique keys and abbreviations
 * (they become filter names), lookups by LID / FID / CNS, spot offsets checked against the NVMe
 * Base Specification 2.0c, and the 128-bit counter text. */
#include <ctype.h>
#include <stdlib.h>

#include "nvmetrace/nvme_layouts.h"
#include "test.h"

/* Problems in one layout; prints each unless quiet. */
static int layout_errors(const struct nvt_layout *l, int quiet)
{
    int errors = 0;
#define PROBLEM(...) do { errors++; if (!quiet) fprintf(stderr, __VA_ARGS__); } while (0)
    if (!l->key || !l->title || !l->spec || !(strstr(l->spec, "Base 2.0c") || strstr(l->spec, "Command Set 1.0c")) || l->size == 0 ||
        l->nfields == 0)
        PROBLEM("%s: incomplete header\n", l->key ? l->key : "(null)");
    unsigned char *used = calloc(l->size, 1);
    if (!used)
        return errors + 1;
    for (size_t j = 0; j < l->nfields; j++) {
        const struct nvt_layout_field *f = &l->fields[j];
        if (!f->name || !f->abbrev || !*f->abbrev || f->len == 0 || f->count == 0)
            PROBLEM("%s: row %zu incomplete\n", l->key, j);
        for (const char *c = f->abbrev ? f->abbrev : ""; *c; c++)
            if (!isalnum((unsigned char)*c))
                PROBLEM("%s: abbreviation %s is not a filter name\n", l->key, f->abbrev);
        if (f->kind == NVT_LK_UINT && f->len > 8)
            PROBLEM("%s.%s: integer of %u bytes\n", l->key, f->abbrev, f->len);
        if (f->kind == NVT_LK_U128 && f->len != 16)
            PROBLEM("%s.%s: 128-bit counter of %u bytes\n", l->key, f->abbrev, f->len);
        if (f->count > 1 && nvt_layout_stride(f) < f->len)
            PROBLEM("%s.%s: stride below the width\n", l->key, f->abbrev);
        if (j > 0 && !(l->fields[j - 1].off < f->off))
            PROBLEM("%s.%s: offset %u after %u (not sorted)\n", l->key, f->abbrev, f->off,
                    l->fields[j - 1].off);
        for (size_t k = 0; k < j; k++)
            if (strcmp(l->fields[k].abbrev, f->abbrev) == 0)
                PROBLEM("%s.%s: abbreviation used twice\n", l->key, f->abbrev);
        for (unsigned i = 0; i < f->count; i++) {
            unsigned at = f->off + i * nvt_layout_stride(f);
            if (at + f->len > l->size) {
                PROBLEM("%s.%s[%u]: bytes %u-%u beyond the %u-byte structure\n", l->key,
                        f->abbrev, i, at, at + f->len - 1, l->size);
                break;
            }
            for (unsigned b = at; b < at + f->len; b++) {
                if (used[b]) {
                    PROBLEM("%s.%s[%u]: byte %u overlaps another field\n", l->key, f->abbrev,
                            i, b);
                    break;
                }
                used[b] = 1;
            }
        }
    }
    free(used);
    return errors;
#undef PROBLEM
}

static void test_tables(void)
{
    size_t n = 0;
    for (; nvt_layouts[n]; n++) {
        CHECK(layout_errors(nvt_layouts[n], 0) == 0);
        for (size_t k = 0; k < n; k++)
            CHECK(strcmp(nvt_layouts[k]->key, nvt_layouts[n]->key) != 0);
    }
    CHECK(n >= 17);
}

/* The checker itself finds what it is there to find. */
static void test_checker_fails(void)
{
    static const struct nvt_layout_field overlap[] = {
        {0, 4, 1, 0, NVT_LK_UINT, 0, "A", "A"}, {2, 2, 1, 0, NVT_LK_UINT, 0, "B", "B"}};
    static const struct nvt_layout_field unsorted[] = {
        {4, 1, 1, 0, NVT_LK_UINT, 0, "A", "A"}, {0, 1, 1, 0, NVT_LK_UINT, 0, "B", "B"}};
    static const struct nvt_layout_field beyond[] = {
        {0, 2, 8, 0, NVT_LK_UINT, 0, "A", "A"}};
    const struct nvt_layout bad[] = {
        {"x", "X", "NVMe Base 2.0c", 8, 0, overlap, 2},
        {"y", "Y", "NVMe Base 2.0c", 8, 0, unsorted, 2},
        {"z", "Z", "NVMe Base 2.0c", 15, 0, beyond, 1},
        {"w", "W", "no revision", 8, 0, overlap, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(layout_errors(&bad[i], 1) > 0);
}

static const struct nvt_layout_field *field(const struct nvt_layout *l, const char *abbrev)
{
    for (size_t j = 0; l && j < l->nfields; j++)
        if (strcmp(l->fields[j].abbrev, abbrev) == 0)
            return &l->fields[j];
    return NULL;
}

#define CHECK_FIELD(l, ab, o, w) do { \
    const struct nvt_layout_field *f_ = field(l, ab); \
    CHECK(f_ != NULL); \
    if (f_) { CHECK_EQ_U64(f_->off, o); CHECK_EQ_U64(f_->len, w); } \
} while (0)

static void test_lookups(void)
{
    const struct nvt_layout *smart = nvt_log_page_layout(0x02);
    CHECK(smart && smart->size == 512);
    CHECK_FIELD(smart, "CTEMP", 1, 2);
    CHECK_FIELD(smart, "PUSED", 5, 1);
    CHECK_FIELD(smart, "DUR", 32, 16);
    CHECK_FIELD(smart, "POH", 128, 16);
    CHECK_FIELD(smart, "TSEN", 200, 2);
    CHECK_FIELD(smart, "TTFTMT2", 228, 4);
    const struct nvt_layout *err = nvt_log_page_layout(0x01);
    CHECK(err && err->size == 64 && err->repeats);
    CHECK_FIELD(err, "CMDID", 10, 2);
    CHECK_FIELD(nvt_log_page_layout(0x03), "FRS", 8, 8);
    CHECK(nvt_log_page_layout(0x07) == nvt_log_page_layout(0x08));
    CHECK_FIELD(nvt_log_page_layout(0x0d), "SUBNQN", 116, 256);
    CHECK(nvt_log_page_layout(0x06) && nvt_log_page_layout(0x06)->size == 4 + 20 * 28);
    CHECK(nvt_log_page_layout(0x00) == NULL);
    CHECK(nvt_log_page_layout(0xc0) == NULL);
    CHECK_FIELD(nvt_feature_data_layout(0x0e), "TS", 0, 6);
    CHECK_FIELD(nvt_feature_data_layout(0x16), "ACRE", 0, 1);
    CHECK_FIELD(nvt_feature_data_layout(0x0d), "HMDLEC", 12, 4);
    CHECK(nvt_feature_data_layout(0x07) == NULL); /* Number of Queues: a dword, no data */
    CHECK_FIELD(nvt_identify_layout(0x06, 0), "DMSL", 8, 8);
    CHECK(nvt_identify_layout(0x06, 2) == NULL); /* ZNS: another structure */
    CHECK(nvt_identify_layout(0x05, 0xff) == NULL);
    CHECK_FIELD(nvt_identify_layout(0x08, 0xff), "ENDGID", 12, 2);
    CHECK_FIELD(nvt_identify_layout(0x14, 0), "VIGRAN", 78, 2);
    CHECK_FIELD(nvt_identify_layout(0x15, 0), "SCID", 32, 2);
    CHECK_FIELD(nvt_identify_layout(0x1c, 0), "IOCSC", 0, 8);
    CHECK(nvt_identify_layout(0x01, 0) == NULL); /* Identify Controller: nvt_id_ctrl_fields */
}

static void test_u128(void)
{
    uint8_t le[16] = {0};
    char buf[48];
    CHECK_STR(nvt_u128_dec(le, buf, sizeof buf), "0");
    le[0] = 0x39, le[1] = 0x30; /* 12345 */
    CHECK_STR(nvt_u128_dec(le, buf, sizeof buf), "12345");
    memset(le, 0, sizeof le);
    le[8] = 1; /* 2^64 */
    CHECK_STR(nvt_u128_dec(le, buf, sizeof buf), "18446744073709551616");
    memset(le, 0xff, sizeof le); /* 2^128 - 1 */
    CHECK_STR(nvt_u128_dec(le, buf, sizeof buf), "340282366920938463463374607431768211455");
    CHECK_STR(nvt_u128_dec(le, buf, 4), "340"); /* cut to the buffer */
}

int main(void)
{
    test_tables();
    test_checker_fails();
    test_lookups();
    test_u128();
    TEST_DONE();
}
