/*
 * nvt_event_describe: the one-line text `nvmetrace dump` prints for an event. docs/dump.md
 * is the reference for every line format; tests/unit/test_describe.c pins them byte for byte.
 *
 * The text is built with snprintf semantics: it is cut to fit buf (always NUL-terminated when
 * len > 0) and the return value is the length the whole text has.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "le.h"
#include "nvmetrace/format.h"
#include "nvmetrace/nvme.h"

/* ---- output ---- */

struct out {
    char *buf;
    size_t len; /* size of buf */
    size_t pos; /* length of the full text so far (may pass len) */
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    char *dst = NULL;
    size_t room = 0;
    if (o->pos < o->len) {
        dst = o->buf + o->pos;
        room = o->len - o->pos;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->pos += (size_t)n;
}

static void put_char(struct out *o, char c)
{
    if (o->pos + 1 < o->len) {
        o->buf[o->pos] = c;
        o->buf[o->pos + 1] = '\0';
    }
    o->pos++;
}

/* Hex digits for a value of size bytes (1, 2, 4, 8); 8 for anything else. */
static int hex_width(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8 ? (int)size * 2 : 8;
}

/* " label=<hex>" or " label=?" */
static void put_hex(struct out *o, const char *label, int known, int width, uint64_t v)
{
    if (known)
        put(o, " %s=%0*" PRIx64, label, width, v);
    else
        put(o, " %s=?", label);
}

/* " label=<decimal>" or " label=?" */
static void put_dec(struct out *o, const char *label, int known, uint64_t v)
{
    if (known)
        put(o, " %s=%" PRIu64, label, v);
    else
        put(o, " %s=?", label);
}

/* " label=0xNN (Name)", " label=0xNN" when the value has no name, " label=?" */
static void put_code(struct out *o, const char *label, int known, unsigned v, const char *name)
{
    if (!known)
        put(o, " %s=?", label);
    else if (name)
        put(o, " %s=0x%02x (%s)", label, v, name);
    else
        put(o, " %s=0x%02x", label, v);
}

/* ---- submission queue entries ---- */

struct sqe {
    const uint8_t *b;
    uint64_t known; /* bit i: byte i known */
};

static int sqe_known(const struct sqe *s, unsigned off, unsigned n)
{
    uint64_t m = (n >= 64 ? ~0ull : (1ull << n) - 1) << off;
    return (s->known & m) == m;
}

static uint32_t cdw(const struct sqe *s, unsigned n) { return get_le32(s->b + 4 * n); }
static int cdw_known(const struct sqe *s, unsigned n) { return sqe_known(s, 4 * n, 4); }

/* A field of CDWn: bits [lo, lo + width) (bit positions as in the spec's figures). */
static uint32_t bits(uint32_t v, unsigned lo, unsigned width)
{
    return (v >> lo) & (width >= 32 ? 0xffffffffu : (1u << width) - 1);
}

/* Prints the data pointer: " prp1=.." (+ " prp2=.." when with_prp2, or when it is non-zero), or
 * the SGL descriptor when PSDT selects SGLs. */
static void put_dptr(struct out *o, const struct sqe *s, int with_prp2)
{
    if (sqe_known(s, 1, 1) && (s->b[1] >> 6) != 0) {
        put_hex(o, "sgl", sqe_known(s, 24, 8), 0, get_le64(s->b + 24));
        put_hex(o, "len", sqe_known(s, 32, 4), 0, get_le32(s->b + 32));
        put_hex(o, "sglid", sqe_known(s, 39, 1), 2, s->b[39]);
        return;
    }
    put_hex(o, "prp1", sqe_known(s, 24, 8), 0, get_le64(s->b + 24));
    int k2 = sqe_known(s, 32, 8);
    uint64_t prp2 = get_le64(s->b + 32);
    if (with_prp2 || (k2 && prp2 != 0))
        put_hex(o, "prp2", k2, 0, prp2);
}

/* " CDWn=xxxxxxxx" for CDW first..15 that are known and non-zero. */
static void put_cdws_nonzero(struct out *o, const struct sqe *s, unsigned first)
{
    for (unsigned n = first; n <= 15; n++)
        if (cdw_known(s, n) && cdw(s, n) != 0)
            put(o, " CDW%u=%08" PRIx32, n, cdw(s, n));
}

/* Commands this file does not decode field by field: data pointer and the command dwords. */
static void put_generic(struct out *o, const struct sqe *s)
{
    put_dptr(o, s, 0);
    put_hex(o, "CDW10", cdw_known(s, 10), 8, cdw(s, 10));
    put_cdws_nonzero(o, s, 11);
}

/* " name=value" for a CDW bit field, printed only when known and non-zero. */
static void put_opt(struct out *o, const struct sqe *s, unsigned n, unsigned lo, unsigned width,
                    const char *label)
{
    if (cdw_known(s, n) && bits(cdw(s, n), lo, width) != 0)
        put(o, " %s=%" PRIu32, label, bits(cdw(s, n), lo, width));
}

/* A flag bit of a CDW, printed as its name when known and set. */
static void put_flag(struct out *o, const struct sqe *s, unsigned n, unsigned bit, const char *name)
{
    if (cdw_known(s, n) && bits(cdw(s, n), bit, 1))
        put(o, " %s", name);
}

static void put_numd(struct out *o, const struct sqe *s, unsigned n)
{
    /* NUMD is 0's based: shown as the number of dwords. */
    put_dec(o, "NUMD", cdw_known(s, n), (uint64_t)cdw(s, n) + 1);
}

static void describe_admin(struct out *o, uint8_t opc, const struct sqe *s)
{
    uint32_t c10 = cdw(s, 10), c11 = cdw(s, 11);
    int k10 = cdw_known(s, 10), k11 = cdw_known(s, 11);
    switch (opc) {
    case 0x00: /* Delete I/O Submission Queue */
    case 0x04: /* Delete I/O Completion Queue */
        put_dec(o, "QID", sqe_known(s, 40, 2), bits(c10, 0, 16));
        break;
    case 0x01:   /* Create I/O Submission Queue */
    case 0x05: { /* Create I/O Completion Queue */
        int cq = opc == 0x05;
        put_dptr(o, s, 0);
        put_dec(o, "QID", sqe_known(s, 40, 2), bits(c10, 0, 16));
        put_dec(o, "QSIZE", sqe_known(s, 42, 2), bits(c10, 16, 16) + 1);
        /* CDW11: CQID or IV in 31:16; QPRIO in 2:1 or IEN in 1; PC in 0 */
        put_dec(o, cq ? "IV" : "CQID", sqe_known(s, 46, 2), bits(c11, 16, 16));
        put_dec(o, cq ? "IEN" : "QPRIO", sqe_known(s, 44, 1), bits(c11, 1, cq ? 1 : 2));
        put_dec(o, "PC", sqe_known(s, 44, 1), bits(c11, 0, 1));
        break;
    }
    case 0x02: { /* Get Log Page */
        put_dptr(o, s, 0);
        put_code(o, "LID", sqe_known(s, 40, 1), s->b[40], nvt_log_page_name(s->b[40]));
        /* NUMD = NUMDU:NUMDL, 0's based */
        put_dec(o, "NUMD", sqe_known(s, 42, 4), ((uint64_t)bits(c11, 0, 16) << 16 | bits(c10, 16, 16)) + 1);
        put_opt(o, s, 10, 8, 7, "LSP");
        put_flag(o, s, 10, 15, "RAE");
        put_opt(o, s, 11, 16, 16, "LSI");
        if (sqe_known(s, 48, 8) && get_le64(s->b + 48) != 0)
            put(o, " LPO=%" PRIu64, get_le64(s->b + 48));
        put_opt(o, s, 14, 24, 8, "CSI");
        break;
    }
    case 0x06: /* Identify */
        put_dptr(o, s, 0);
        put_code(o, "CNS", sqe_known(s, 40, 1), s->b[40], nvt_cns_name(s->b[40]));
        put_opt(o, s, 10, 16, 16, "CNTID");
        put_opt(o, s, 11, 0, 16, "CNSSID");
        put_opt(o, s, 11, 24, 8, "CSI");
        break;
    case 0x08: /* Abort: the command to abort */
        put_dec(o, "SQID", sqe_known(s, 40, 2), bits(c10, 0, 16));
        put_hex(o, "CID", sqe_known(s, 42, 2), 4, bits(c10, 16, 16));
        break;
    case 0x09: /* Set Features */
        put_code(o, "FID", sqe_known(s, 40, 1), s->b[40], nvt_feature_name(s->b[40]));
        put_hex(o, "CDW11", k11, 8, c11);
        put_flag(o, s, 10, 31, "SV");
        put_cdws_nonzero(o, s, 12);
        if (sqe_known(s, 24, 8) && get_le64(s->b + 24) != 0)
            put_dptr(o, s, 0);
        break;
    case 0x0a: { /* Get Features */
        static const char *const sel[8] = {"current", "default", "saved", "supported"};
        put_code(o, "FID", sqe_known(s, 40, 1), s->b[40], nvt_feature_name(s->b[40]));
        if (k10 && bits(c10, 8, 3) != 0) {
            const char *name = sel[bits(c10, 8, 3)];
            if (name)
                put(o, " SEL=%s", name);
            else
                put(o, " SEL=%" PRIu32, bits(c10, 8, 3));
        }
        put_cdws_nonzero(o, s, 11);
        if (sqe_known(s, 24, 8) && get_le64(s->b + 24) != 0)
            put_dptr(o, s, 0);
        break;
    }
    case 0x0d: /* Namespace Management */
    case 0x15: { /* Namespace Attachment */
        static const char *const mgmt[2] = {"create", "delete"}, *const attach[2] = {"attach", "detach"};
        const char *const *names = opc == 0x0d ? mgmt : attach;
        uint32_t v = bits(c10, 0, 4);
        if (k10 && v < 2)
            put(o, " SEL=%s", names[v]);
        else
            put_dec(o, "SEL", k10, v);
        if (opc == 0x0d)
            put_opt(o, s, 11, 24, 8, "CSI");
        if (sqe_known(s, 24, 8) && get_le64(s->b + 24) != 0)
            put_dptr(o, s, 0);
        break;
    }
    case 0x10: /* Firmware Commit */
        put_dec(o, "FS", k10, bits(c10, 0, 3));
        put_dec(o, "CA", k10, bits(c10, 3, 3));
        put_flag(o, s, 10, 31, "BPID");
        break;
    case 0x11: /* Firmware Image Download */
        put_dptr(o, s, 0);
        put_numd(o, s, 10);
        put_dec(o, "OFST", k11, c11);
        break;
    case 0x14: /* Device Self-test */
        put_hex(o, "STC", k10, 0, bits(c10, 0, 4));
        break;
    case 0x19: /* Directive Send */
    case 0x1a: /* Directive Receive */
        put_dptr(o, s, 0);
        put_numd(o, s, 10);
        put_hex(o, "DOPER", sqe_known(s, 44, 1), 2, bits(c11, 0, 8));
        put_hex(o, "DTYPE", sqe_known(s, 45, 1), 2, bits(c11, 8, 8));
        put_dec(o, "DSPEC", sqe_known(s, 46, 2), bits(c11, 16, 16));
        break;
    case 0x1c: /* Virtualization Management */
        put_dec(o, "ACT", k10, bits(c10, 0, 4));
        put_dec(o, "RT", k10, bits(c10, 8, 3));
        put_dec(o, "CNTLID", sqe_known(s, 42, 2), bits(c10, 16, 16));
        put_dec(o, "NR", sqe_known(s, 44, 2), bits(c11, 0, 16));
        break;
    case 0x7c: /* Doorbell Buffer Config: prp1 = shadow doorbells, prp2 = EventIdx */
        put_dptr(o, s, 1);
        break;
    case 0x80: /* Format NVM */
        put_dec(o, "LBAF", k10, bits(c10, 0, 4) | bits(c10, 12, 2) << 4);
        put_dec(o, "MSET", k10, bits(c10, 4, 1));
        put_dec(o, "PI", k10, bits(c10, 5, 3));
        put_dec(o, "PIL", k10, bits(c10, 8, 1));
        put_dec(o, "SES", k10, bits(c10, 9, 3));
        break;
    case 0x81: /* Security Send */
    case 0x82: /* Security Receive */
        put_dptr(o, s, 0);
        put_hex(o, "SECP", sqe_known(s, 43, 1), 2, bits(c10, 24, 8));
        put_hex(o, "SPSP", sqe_known(s, 41, 2), 4, bits(c10, 8, 16));
        put_hex(o, "NSSF", sqe_known(s, 40, 1), 2, bits(c10, 0, 8));
        put_dec(o, opc == 0x81 ? "TL" : "AL", k11, c11);
        break;
    case 0x84: /* Sanitize */
        put_dec(o, "SANACT", k10, bits(c10, 0, 3));
        put_flag(o, s, 10, 3, "AUSE");
        put_flag(o, s, 10, 9, "NDAS");
        put_opt(o, s, 10, 4, 4, "OWPASS");
        put_cdws_nonzero(o, s, 11);
        break;
    case 0x86: /* Get LBA Status */
        put_dptr(o, s, 0);
        put_dec(o, "SLBA", sqe_known(s, 40, 8), get_le64(s->b + 40));
        put_dec(o, "MNDW", cdw_known(s, 12), (uint64_t)cdw(s, 12) + 1);
        put_dec(o, "RL", sqe_known(s, 52, 2), bits(cdw(s, 13), 0, 16));
        put_hex(o, "ATYPE", sqe_known(s, 55, 1), 2, bits(cdw(s, 13), 24, 8));
        break;
    case 0x0c: /* Asynchronous Event Request */
    case 0x18: /* Keep Alive */
        break;
    default:
        put_generic(o, s);
        break;
    }
}

/* SLBA and NLB (shown as a count: the field is 0's based) of the NVM read/write family. */
static void put_lba_range(struct out *o, const struct sqe *s, const char *slba)
{
    put_dec(o, slba, sqe_known(s, 40, 8), get_le64(s->b + 40));
    put_dec(o, "NLB", sqe_known(s, 48, 2), (uint64_t)bits(cdw(s, 12), 0, 16) + 1);
}

/* CDW12 flags of the read/write family: LR, FUA, PRINFO (and DEAC for Write Zeroes). */
static void put_rw_flags(struct out *o, const struct sqe *s, int deac)
{
    put_flag(o, s, 12, 31, "LR");
    put_flag(o, s, 12, 30, "FUA");
    if (deac)
        put_flag(o, s, 12, 25, "DEAC");
    if (cdw_known(s, 12) && bits(cdw(s, 12), 26, 4) != 0)
        put(o, " PRINFO=%" PRIx32, bits(cdw(s, 12), 26, 4));
}

static void describe_io(struct out *o, uint8_t opc, const struct sqe *s)
{
    switch (opc) {
    case 0x00: /* Flush */
        break;
    case 0x01: /* Write */
    case 0x02: /* Read */
    case 0x05: /* Compare */
        put_lba_range(o, s, "SLBA");
        put_dptr(o, s, 1);
        put_rw_flags(o, s, 0);
        break;
    case 0x04: /* Write Uncorrectable */
    case 0x0c: /* Verify */
        put_lba_range(o, s, "SLBA");
        put_rw_flags(o, s, 0);
        break;
    case 0x08: /* Write Zeroes */
        put_lba_range(o, s, "SLBA");
        put_rw_flags(o, s, 1);
        break;
    case 0x7d: /* Zone Append */
        put_lba_range(o, s, "ZSLBA");
        put_dptr(o, s, 1);
        put_rw_flags(o, s, 0);
        break;
    case 0x09: { /* Dataset Management */
        put_dec(o, "NR", sqe_known(s, 40, 1), (uint64_t)s->b[40] + 1);
        if (!cdw_known(s, 11)) {
            put(o, " attr=?");
        } else {
            static const char *const attr[3] = {"IDR", "IDW", "AD"};
            uint32_t a = cdw(s, 11);
            put(o, " attr=");
            if ((a & 7) == 0)
                put(o, "0");
            for (unsigned i = 0, first = 1; i < 3; i++)
                if (a & 1u << i) {
                    put(o, "%s%s", first ? "" : ",", attr[i]);
                    first = 0;
                }
        }
        put_dptr(o, s, 0);
        break;
    }
    case 0x19: /* Copy */
        put_dec(o, "SDLBA", sqe_known(s, 40, 8), get_le64(s->b + 40));
        put_dec(o, "NR", sqe_known(s, 48, 1), (uint64_t)s->b[48] + 1);
        put_dptr(o, s, 0);
        break;
    default:
        put_generic(o, s);
        break;
    }
}

static void describe_submission(struct out *o, const nvt_event *ev)
{
    struct sqe s = {ev->u.sub.sqe, ev->flags & NVT_F_RECONSTRUCTED ? ev->u.sub.known : ~0ull};
    int admin = ev->u.sub.qid == 0;
    put(o, "%-3s SQ=%u", admin ? "ADM" : "IO", ev->u.sub.qid);
    put_hex(o, "CID", sqe_known(&s, 2, 2), 4, get_le16(s.b + 2));

    int kopc = sqe_known(&s, 0, 1);
    uint8_t opc = s.b[0];
    const char *name = admin ? nvt_admin_opcode_name(opc) : nvt_io_opcode_name(opc);
    if (!kopc)
        put(o, " OPC=?");
    else if (name)
        put(o, " OPC=%s", name);
    else if (nvt_opcode_vendor_specific(admin, opc))
        put(o, " OPC=Vendor specific (0x%02x)", opc);
    else
        put(o, " OPC=0x%02x", opc);

    uint32_t nsid = get_le32(s.b + 4);
    if (sqe_known(&s, 4, 4) && nsid == 0xffffffffu)
        put(o, " NSID=0xffffffff");
    else
        put_dec(o, "NSID", sqe_known(&s, 4, 4), nsid);

    if (sqe_known(&s, 1, 1) && (s.b[1] & 3) != 0) {
        static const char *const fuse[4] = {NULL, "first", "second", "3"};
        put(o, " FUSE=%s", fuse[s.b[1] & 3]);
    }

    if (!kopc)
        put_generic(o, &s);
    else if (admin)
        describe_admin(o, opc, &s);
    else
        describe_io(o, opc, &s);
}

/* ---- completion queue entries ---- */

static void describe_completion(struct out *o, const nvt_event *ev)
{
    const uint8_t *c = ev->u.cpl.cqe;
    unsigned known = ev->flags & NVT_F_RECONSTRUCTED ? ev->u.cpl.known : 0xffffu;
#define CQE_KNOWN(off, n) ((known & (((1u << (n)) - 1) << (off))) == (((1u << (n)) - 1) << (off)))
    int ksq = CQE_KNOWN(10, 2);
    uint16_t sqid = get_le16(c + 10);
    put(o, "%s", nvt_event_type_name(ev->type));
    put_dec(o, "SQ", ksq, sqid);
    put_hex(o, "CID", CQE_KNOWN(12, 2), 4, get_le16(c + 12));

    int ksts = CQE_KNOWN(14, 2);
    uint16_t word = get_le16(c + 14);
    uint16_t sts = word >> 1; /* the status field without the phase tag */
    put_dec(o, "P", CQE_KNOWN(14, 1), word & 1);
    if (!ksts) {
        put(o, " STS=?");
    } else {
        put(o, " STS=0x%04x", sts);
        if (sts != 0) {
            uint8_t sct = (sts >> 8) & 7, sc = sts & 0xff;
            const char *name = nvt_status_name(sct, sc);
            const char *type = nvt_name_lookup(nvt_status_types, sct);
            if (name)
                put(o, " (%s)", name);
            else if (type)
                put(o, " (%s 0x%02x)", type, sc);
            else
                put(o, " (SCT %u SC 0x%02x)", sct, sc);
        }
    }
    put_hex(o, "CDW0", CQE_KNOWN(0, 4), 8, get_le32(c));
    if (CQE_KNOWN(4, 4) && get_le32(c + 4) != 0)
        put(o, " CDW1=%08" PRIx32, get_le32(c + 4));
    put_hex(o, "SQHD", CQE_KNOWN(8, 2), 4, get_le16(c + 8));
    if (!ksq || sqid != ev->u.cpl.qid)
        put(o, " CQ=%u", ev->u.cpl.qid);
#undef CQE_KNOWN
}

/* ---- registers, config space, BARs ---- */

/* 64-bit registers, named at their low dword: an access to the high dword is shown as "+4". */
static const uint32_t reg64[] = {NVME_REG_CAP, NVME_REG_ASQ, NVME_REG_ACQ, 0x48 /* BPMBL */,
                                 0x50 /* CMBMSC */};

static void put_reg_name(struct out *o, uint32_t off)
{
    const char *name = nvt_register_name(off);
    if (name) {
        put(o, " (%s)", name);
        return;
    }
    for (size_t i = 0; i < sizeof reg64 / sizeof reg64[0]; i++)
        if (off == reg64[i] + 4) {
            put(o, " (%s+4)", nvt_register_name(reg64[i]));
            return;
        }
}

static void describe_mmio(struct out *o, const nvt_event *ev)
{
    int write = ev->type == NVT_EV_MMIO_WRITE;
    if (ev->u.mmio.bar == 0)
        put(o, "REG %04" PRIx32, ev->u.mmio.offset);
    else
        put(o, "BAR%u %04" PRIx32, ev->u.mmio.bar, ev->u.mmio.offset);
    put(o, " %s ", write ? "<-" : "->");
    if (ev->flags & NVT_F_VALUE_UNKNOWN)
        put(o, "?");
    else
        put(o, "%0*" PRIx64, hex_width(ev->u.mmio.size), ev->u.mmio.value);
    if (ev->u.mmio.bar == 0)
        put_reg_name(o, ev->u.mmio.offset);
}

static void describe_cfg(struct out *o, const nvt_event *ev)
{
    put(o, "CFG %04x %s ", ev->u.cfg.offset, ev->type == NVT_EV_CFG_WRITE ? "<-" : "->");
    if (ev->flags & NVT_F_VALUE_UNKNOWN)
        put(o, "?");
    else
        put(o, "%0*" PRIx32, hex_width(ev->u.cfg.size), ev->u.cfg.value);
    put(o, " (%u)", ev->u.cfg.size);
}

static void describe_bar(struct out *o, const nvt_event *ev)
{
    uint8_t f = ev->u.bar.flags;
    put(o, "BAR%u %s %" PRIx64 " size %" PRIx64, ev->u.bar.bar,
        ev->type == NVT_EV_BAR_MAP ? "map" : "unmap", ev->u.bar.addr, ev->u.bar.size);
    if (f & NVT_BAR_IO)
        put(o, " (io)");
    else
        put(o, " (%s%s)", f & NVT_BAR_64BIT ? "64-bit" : "32-bit", f & NVT_BAR_PREFETCH ? ", prefetch" : "");
}

/* ---- doorbells, MSI-X, interrupts ---- */

static void describe_doorbell(struct out *o, const nvt_event *ev)
{
    put(o, "%s %s%u%s <- %" PRIu32, nvt_event_type_name(ev->type), ev->u.doorbell.is_cq ? "CQ" : "SQ",
        ev->u.doorbell.qid, ev->u.doorbell.is_cq ? "H" : "T", ev->u.doorbell.value);
}

static void describe_msix(struct out *o, const nvt_event *ev)
{
    static const char *const fields[] = {
        [NVT_MSIX_ADDR_LO] = "addr_lo", [NVT_MSIX_ADDR_HI] = "addr_hi", [NVT_MSIX_DATA] = "data",
        [NVT_MSIX_VECTOR_CTRL] = "ctrl",   [NVT_MSIX_PBA_LO] = "lo",       [NVT_MSIX_PBA_HI] = "hi"};
    uint8_t field = ev->u.msix.field;
    int known = !(ev->flags & NVT_F_VALUE_UNKNOWN);
    put(o, "%s", nvt_event_type_name(ev->type));
    if (field == NVT_MSIX_PBA_LO || field == NVT_MSIX_PBA_HI)
        put(o, " pba=%u %s", ev->u.msix.entry, fields[field]);
    else if (field <= NVT_MSIX_VECTOR_CTRL)
        put(o, " vec=%u %s", ev->u.msix.entry, fields[field]);
    else
        put(o, " entry=%u field=%u", ev->u.msix.entry, field);
    put(o, " %s ", ev->u.msix.is_write ? "<-" : "->");
    if (!known)
        put(o, "?");
    else
        put(o, "%08" PRIx32, ev->u.msix.value);
    if (known && field == NVT_MSIX_VECTOR_CTRL)
        put(o, " (%s)", ev->u.msix.value & 1 ? "masked" : "unmasked");
}

static void describe_msix_ctrl(struct out *o, const nvt_event *ev)
{
    put(o, "%s enable=%u fmask=%u size=%u", nvt_event_type_name(ev->type), ev->u.msix_ctrl.enabled,
        ev->u.msix_ctrl.masked, ev->u.msix_ctrl.table_size);
    if (ev->u.msix_ctrl.msgctl != 0)
        put(o, " ctrl=%04" PRIx32, ev->u.msix_ctrl.msgctl);
}

static void describe_irq(struct out *o, const nvt_event *ev)
{
    put(o, "%s ", nvt_event_type_name(ev->type));
    switch (ev->u.irq.kind) {
    case NVT_IRQ_MSIX:
    case NVT_IRQ_MSI:
        put(o, "%s vec=%u", ev->u.irq.kind == NVT_IRQ_MSIX ? "MSI-X" : "MSI", ev->u.irq.vector);
        if (ev->u.irq.addr)
            put(o, " addr=%" PRIx64, ev->u.irq.addr);
        else
            put(o, " addr=?");
        put(o, " data=%" PRIx32, ev->u.irq.data);
        break;
    case NVT_IRQ_INTX_ASSERT:
    case NVT_IRQ_INTX_DEASSERT:
        put(o, "INTx %s", ev->u.irq.kind == NVT_IRQ_INTX_ASSERT ? "assert" : "deassert");
        if (ev->u.irq.vector != 0) {
            if (ev->u.irq.vector < 4)
                put(o, " pin=INT%c", 'A' + ev->u.irq.vector);
            else
                put(o, " pin=%u", ev->u.irq.vector);
        }
        break;
    default:
        put(o, "kind=%u vec=%u addr=%" PRIx64 " data=%" PRIx32, ev->u.irq.kind, ev->u.irq.vector,
            ev->u.irq.addr, ev->u.irq.data);
        break;
    }
}

/* ---- DMA, state, annotations, stats ---- */

static void describe_dma(struct out *o, const nvt_event *ev)
{
    put(o, "DMA-%c gpa=%" PRIx64 " len=%" PRIu32, ev->type == NVT_EV_DMA_READ ? 'R' : 'W',
        ev->u.dma.gpa, ev->u.dma.len);
    if (ev->u.dma.sqid != NVT_QID_UNKNOWN)
        put(o, " SQ=%u", ev->u.dma.sqid);
    if (ev->u.dma.cid != 0xffff)
        put(o, " CID=%04x", ev->u.dma.cid);
    if ((ev->flags & NVT_F_TRUNCATED) || ev->u.dma.caplen < ev->u.dma.len)
        put(o, " trunc=%" PRIu32, ev->u.dma.caplen);
}

static void describe_state(struct out *o, const nvt_event *ev)
{
    const char *name = nvt_name_lookup(nvt_ctrl_states, ev->u.state.state);
    put(o, "%s", nvt_event_type_name(ev->type));
    if (name)
        put(o, " %s", name);
    else
        put(o, " %u", ev->u.state.state);
    if (ev->u.state.value != 0)
        put(o, " value=%08" PRIx32, ev->u.state.value);
}

/* The text stays one line: control characters and backslashes are escaped C-style. */
static void describe_annotation(struct out *o, const nvt_event *ev)
{
    static const char *const levels[] = {[NVT_ANN_NOTE] = NULL, [NVT_ANN_WARNING] = "warning",
                                         [NVT_ANN_ERROR] = "error", [NVT_ANN_MARKER] = "marker"};
    uint8_t level = ev->u.ann.level;
    put(o, "%s", nvt_event_type_name(ev->type));
    if (level >= sizeof levels / sizeof levels[0])
        put(o, " level=%u:", level);
    else if (levels[level])
        put(o, " %s:", levels[level]);
    const char *t = ev->u.ann.text;
    if (t && ev->u.ann.len > 0)
        put_char(o, ' ');
    for (uint16_t i = 0; t && i < ev->u.ann.len; i++) {
        unsigned char ch = (unsigned char)t[i];
        switch (ch) {
        case '\\': put(o, "\\\\"); break;
        case '\n': put(o, "\\n"); break;
        case '\r': put(o, "\\r"); break;
        case '\t': put(o, "\\t"); break;
        default:
            if (ch < 0x20 || ch == 0x7f)
                put(o, "\\x%02x", ch);
            else
                put_char(o, (char)ch);
        }
    }
}

static void describe_stats(struct out *o, const nvt_event *ev)
{
    put(o, "%s recorded=%" PRIu64 " dropped=%" PRIu64 " overflows=%" PRIu64 " warnings=%" PRIu64,
        nvt_event_type_name(ev->type), ev->u.stats.recorded, ev->u.stats.dropped,
        ev->u.stats.overflows, ev->u.stats.warnings);
}

size_t nvt_event_describe(const struct nvt_event *ev, char *buf, size_t len)
{
    struct out o = {buf, buf ? len : 0, 0};
    if (o.len > 0)
        o.buf[0] = '\0';
    switch (ev->type) {
    case NVT_EV_CFG_READ:
    case NVT_EV_CFG_WRITE: describe_cfg(&o, ev); break;
    case NVT_EV_MMIO_READ:
    case NVT_EV_MMIO_WRITE: describe_mmio(&o, ev); break;
    case NVT_EV_BAR_MAP:
    case NVT_EV_BAR_UNMAP: describe_bar(&o, ev); break;
    case NVT_EV_DOORBELL: describe_doorbell(&o, ev); break;
    case NVT_EV_MSIX_ACCESS: describe_msix(&o, ev); break;
    case NVT_EV_MSIX_CTRL: describe_msix_ctrl(&o, ev); break;
    case NVT_EV_INTERRUPT: describe_irq(&o, ev); break;
    case NVT_EV_SUBMISSION: describe_submission(&o, ev); break;
    case NVT_EV_COMPLETION: describe_completion(&o, ev); break;
    case NVT_EV_DMA_READ:
    case NVT_EV_DMA_WRITE: describe_dma(&o, ev); break;
    case NVT_EV_CTRL_STATE: describe_state(&o, ev); break;
    case NVT_EV_ANNOTATION: describe_annotation(&o, ev); break;
    case NVT_EV_CAPTURE_STATS: describe_stats(&o, ev); break;
    default: put(&o, "UNKNOWN type=%u", ev->type); break;
    }
    return o.pos;
}
