/* docs/format.md shows the bytes of every example record; this test checks them byte for byte
 * against the encoder, and that every record type has an example in the document.
 * With --print it prints the hex blocks (to write the document). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "examples.h"
#include "test.h"

static void hex_block(const uint8_t *b, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += (size_t)snprintf(out + k, cap - k, "%02x%s", b[i],
                              i + 1 == n ? "\n" : (i % 16 == 15 ? "\n" : (i % 8 == 7 ? "  " : " ")));
    }
}

/* Parses hex digits from text into out; returns the byte count. */
static size_t parse_hex(const char *text, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = text; *p && n < cap; p++) {
        if (!isxdigit((unsigned char)*p))
            continue;
        int v = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    uint8_t buf[256];
    char hex[1024];
    if (argc > 1 && strcmp(argv[1], "--print") == 0) {
        for (size_t i = 0; i < NEXAMPLES; i++) {
            nvt_event ev = example_event(i);
            size_t n = nvt_record_encode(&ev, buf, sizeof buf);
            hex_block(buf, n, hex, sizeof hex);
            printf("<!-- example: %s -->\n```\n%s```\n\n", examples[i].name, hex);
        }
        return 0;
    }
    const char *path = argc > 1 ? argv[1] : "docs/format.md";
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    static char doc[1 << 18];
    size_t dlen = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[dlen] = 0;

    unsigned types_seen = 0;
    for (size_t i = 0; i < NEXAMPLES; i++) {
        nvt_event ev = example_event(i);
        size_t n = nvt_record_encode(&ev, buf, sizeof buf);
        CHECK(n > 0);
        char marker[96];
        snprintf(marker, sizeof marker, "<!-- example: %s -->", examples[i].name);
        const char *m = strstr(doc, marker);
        if (!m) {
            fprintf(stderr, "docs: no example '%s'\n", examples[i].name);
            CHECK(m != NULL);
            continue;
        }
        const char *open = strstr(m, "```\n");
        const char *close = open ? strstr(open + 4, "```") : NULL;
        CHECK(open && close);
        if (!open || !close)
            continue;
        char block[1024];
        size_t bl = (size_t)(close - (open + 4));
        if (bl >= sizeof block)
            bl = sizeof block - 1;
        memcpy(block, open + 4, bl);
        block[bl] = 0;
        uint8_t docbytes[256];
        size_t dn = parse_hex(block, docbytes, sizeof docbytes);
        if (dn != n || memcmp(docbytes, buf, n) != 0) {
            hex_block(buf, n, hex, sizeof hex);
            fprintf(stderr, "docs: example '%s' differs from the encoder, which gives:\n%s",
                    examples[i].name, hex);
            CHECK(0);
        } else {
            CHECK(1);
        }
        /* And the document's bytes decode back to the example. */
        nvt_event back;
        char msg[256];
        CHECK(nvt_record_decode(docbytes, dn, &back, msg, sizeof msg) == NVT_OK);
        CHECK_EQ_U64(back.type, ev.type);
        types_seen |= 1u << ev.type;
    }
    for (unsigned t = 1; t <= NVT_EV_TYPE_MAX; t++)
        if (!(types_seen & (1u << t))) {
            fprintf(stderr, "docs: no example of type %s\n", nvt_event_type_name(t));
            CHECK(0);
        }
    TEST_DONE();
}
