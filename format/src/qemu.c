/* The QEMU version table (nvmetrace/qemu.h). Each row cites the QEMU commit behind it. */
#include "nvmetrace/qemu.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SF_SECRECV_OPCODE (NVT_SF_DNR | NVT_SF_INVALID_OPCODE)
#define SF_SECRECV_FIELD (NVT_SF_DNR | NVT_SF_INVALID_FIELD)

const struct nvt_qemu_line nvt_qemu_lines[] = {
    {7, 2, NVT_QLOG_TID_EPOCH, 0, 0, 0, 0x004018200f0107ffull, 0x14, 0, SF_SECRECV_OPCODE,
     "samples/qemu/nvmetap-qemu-7.2.patch",
     "baseline: Debian 12's QEMU; the oldest line the importer and replay are tested on"},
    {8, 0, NVT_QLOG_TID_EPOCH, 1, 1, 1, 0x004018200f0107ffull, 0x14, 0, SF_SECRECV_OPCODE, NULL,
     "shadow-doorbell events renamed and the CQ EventIdx written (47cd3539e1); "
     "config reads of empty slots traced (1bdad09bf3)"},
    {9, 2, NVT_QLOG_TID_EPOCH, 1, 1, 1, 0x004018200f0107ffull, 0x34, 1, SF_SECRECV_OPCODE, NULL,
     "NSFEAT optimal-performance bits (dbaa2936b3); PCIe Extended Tag Field Supported on "
     "9.2+ machine types (449dca6ac9)"},
    {10, 0, NVT_QLOG_TID_EPOCH, 1, 1, 1, 0x004008200f0107ffull, 0x34, 1, SF_SECRECV_OPCODE, NULL,
     "CAP.CSS: 'no I/O command set' bit cleared (6ccca4b6bb)"},
    {10, 1, NVT_QLOG_ISO8601, 1, 1, 1, 0x004008200f0107ffull, 0x34, 1, SF_SECRECV_OPCODE, NULL,
     "-msg timestamp=on prints an ISO-8601 UTC time and no thread id (012842c075)"},
    {10, 2, NVT_QLOG_ISO8601, 1, 1, 1, 0x004008200f0107ffull, 0x34, 1, SF_SECRECV_FIELD,
     "samples/qemu/nvmetap-qemu-10.2.patch",
     "SPDM Security Send/Receive: Security Receive answers Invalid Field (7f2eeccb4b)"},
};
const size_t nvt_qemu_nlines = sizeof nvt_qemu_lines / sizeof nvt_qemu_lines[0];

const struct nvt_qemu_line *nvt_qemu_line_for(unsigned major, unsigned minor, int *older)
{
    const struct nvt_qemu_line *best = NULL;
    for (size_t i = 0; i < nvt_qemu_nlines; i++) {
        const struct nvt_qemu_line *l = &nvt_qemu_lines[i];
        if (l->major < major || (l->major == major && l->minor <= minor))
            best = l;
    }
    if (older)
        *older = best == NULL;
    return best ? best : &nvt_qemu_lines[0];
}

/* Reads a decimal number of at most 5 digits at *p; -1 if none. */
static long read_num(const char **p)
{
    const char *s = *p;
    long v = 0;
    int n = 0;
    while (isdigit((unsigned char)*s) && n < 5) {
        v = v * 10 + (*s - '0');
        s++;
        n++;
    }
    if (n == 0 || isdigit((unsigned char)*s))
        return -1;
    *p = s;
    return v;
}

int nvt_qemu_parse_version(const char *s, unsigned *major, unsigned *minor, unsigned *micro)
{
    if (!s)
        return -1;
    /* the first "N.N" or "N.N.N" that starts a word */
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > s && (isalnum((unsigned char)p[-1]) ||
                                                      p[-1] == '.')))
            continue;
        const char *q = p;
        long a = read_num(&q);
        if (a < 0 || *q != '.')
            continue;
        q++;
        long b = read_num(&q);
        if (b < 0)
            continue;
        long c = 0;
        if (*q == '.') {
            const char *r = q + 1;
            c = read_num(&r);
            if (c < 0)
                continue;
            q = r;
        }
        if (*q == '.' || isalnum((unsigned char)*q))
            continue;
        *major = (unsigned)a;
        *minor = (unsigned)b;
        *micro = (unsigned)c;
        return 0;
    }
    return -1;
}
