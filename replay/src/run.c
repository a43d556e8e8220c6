/*
 * Setting up a replay: the target's shape from the trace (devices, RAM, BARs, MSI-X), the QEMU
 * command line, starting QEMU (qtest accelerator, else TCG stopped), finding out what the
 * target device really looks like, then the walk (engine.c).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "inproc.h"
#include "nvmetrace/nvme.h"

#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)
#define Q35_HOLE ((uint64_t)0xb0000000)   /* q35 keeps RAM below this when it has < 2.75 GiB */
#define RAM_LIMIT (64 * GIB)

void nvt_replay_opts_init(nvt_replay_opts *o)
{
    memset(o, 0, sizeof *o);
    o->compare = 1;
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }


/* ---------------------------------------------------------------------------------------- */
/* what the trace needs of the target */


static void need(struct rp_prescan *p, int64_t at, uint64_t gpa, uint64_t len, int must)
{
    if (!len)
        return;
    uint64_t end = gpa + len;
    if (end < gpa || (gpa >= Q35_HOLE && gpa < 4 * GIB) || end > 4 * GIB + RAM_LIMIT) {
        if (must && p->bad_at < 0) {
            p->bad_at = at;
            p->bad_addr = gpa;
        }
        return;
    }
    if (end <= 4 * GIB && end > p->low_need) {
        p->low_need = end;
        p->low_at = at;
    } else if (gpa >= 4 * GIB && end > p->high_need) {
        p->high_need = end;
        p->high_at = at;
    }
}

static int in_trace_bar(const struct eng *e, uint64_t gpa)
{
    for (size_t i = 0; i < e->ndev; i++)
        for (int b = 0; b < 6; b++) {
            const struct rp_bar *bar = &e->dev[i].bar[b];
            if (bar->hint && gpa >= bar->hint && gpa - bar->hint < (bar->size ? bar->size : 0x4000))
                return 1;
        }
    return 0;
}

/* Walks the trace once for the RAM it needs (queues, DMA, shadow doorbells), config space
 * beyond 256 bytes, INTx, BAR addresses and sizes. */
void rp_prescan(struct eng *e, struct rp_prescan *p)
{
    memset(p, 0, sizeof *p);
    p->low_at = p->high_at = p->bad_at = -1;
    size_t n = nvt_trace_count(e->t);
    uint32_t *aqa = calloc(e->ndev ? e->ndev : 1, sizeof *aqa);
    uint64_t *asq = calloc(e->ndev ? e->ndev : 1, sizeof *asq);
    uint64_t *acq = calloc(e->ndev ? e->ndev : 1, sizeof *acq);
    if (!aqa || !asq || !acq)
        goto out;
    /* BAR addresses first: RAM is what is not in a BAR. */
    for (size_t i = 0; i < n; i++) {
        const nvt_event *ev = nvt_trace_event(e->t, i);
        if (!rp_kept(e, i) || ev->device >= e->ndev)
            continue;
        if (ev->type == NVT_EV_BAR_MAP && ev->u.bar.bar < 6 && !e->dev[ev->device].bar[ev->u.bar.bar].hint)
            e->dev[ev->device].bar[ev->u.bar.bar].hint = ev->u.bar.addr;
    }
    for (size_t i = 0; i < n; i++) {
        const nvt_event *ev = nvt_trace_event(e->t, i);
        if (!rp_kept(e, i))
            continue;
        int64_t at = (int64_t)i;
        if (ev->type == NVT_EV_ANNOTATION && ev->u.ann.len > 7 &&
            !strncmp(ev->u.ann.text, "qtest: ", 7)) {
            /* Verbatim RAM writes of imported scripts: "write ADDR LEN ..." and friends. */
            char op[16];
            unsigned long long addr, len;
            if (sscanf(ev->u.ann.text + 7, "%15s %lli %lli", op, &addr, &len) == 3 &&
                (!strcmp(op, "write") || !strcmp(op, "memset") || !strcmp(op, "b64write")) &&
                !in_trace_bar(e, addr))
                need(p, at, addr, len, 0);
            continue;
        }
        if (ev->device >= e->ndev)
            continue;
        size_t d = ev->device;
        switch (ev->type) {
        case NVT_EV_CFG_READ:
        case NVT_EV_CFG_WRITE:
            if (ev->u.cfg.offset >= 0x100)
                p->ext_config = 1;
            break;
        case NVT_EV_COMPLETION:
            e->dev[d].has_cpl_events = 1;
            break;
        case NVT_EV_MSIX_ACCESS:
            if (ev->u.msix.is_write && ev->u.msix.field <= NVT_MSIX_VECTOR_CTRL)
                e->dev[d].has_msix_writes = 1;
            break;
        case NVT_EV_INTERRUPT:
            e->dev[d].has_irq_events = 1;
            if (ev->u.irq.kind == NVT_IRQ_MSIX)
                e->dev[d].has_msix_events = 1;
            if (ev->u.irq.kind == NVT_IRQ_INTX_ASSERT || ev->u.irq.kind == NVT_IRQ_INTX_DEASSERT)
                p->intx = 1;
            break;
        case NVT_EV_MMIO_WRITE: {
            const struct rp_dev *dv = &e->dev[d];
            if (dv->msix_cap && ev->u.mmio.bar == dv->tbir && ev->u.mmio.offset >= dv->toff &&
                ev->u.mmio.offset < dv->toff + 16u * dv->msix_n)
                e->dev[d].has_msix_writes = 1;
            if (ev->u.mmio.bar != 0)
                break;
            if (ev->u.mmio.offset == NVME_REG_AQA)
                aqa[d] = (uint32_t)ev->u.mmio.value;
            else if (ev->u.mmio.offset == NVME_REG_ASQ)
                asq[d] = ev->u.mmio.size == 8 ? ev->u.mmio.value
                                              : (asq[d] & ~0xffffffffull) | (uint32_t)ev->u.mmio.value;
            else if (ev->u.mmio.offset == NVME_REG_ASQ + 4)
                asq[d] = (asq[d] & 0xffffffffull) | ev->u.mmio.value << 32;
            else if (ev->u.mmio.offset == NVME_REG_ACQ)
                acq[d] = ev->u.mmio.size == 8 ? ev->u.mmio.value
                                              : (acq[d] & ~0xffffffffull) | (uint32_t)ev->u.mmio.value;
            else if (ev->u.mmio.offset == NVME_REG_ACQ + 4)
                acq[d] = (acq[d] & 0xffffffffull) | ev->u.mmio.value << 32;
            else if (ev->u.mmio.offset == NVME_REG_CC && (ev->u.mmio.value & 1)) {
                if (!in_trace_bar(e, asq[d]))
                    need(p, at, asq[d], 64ull * ((aqa[d] & 0xfff) + 1), 1);
                if (!in_trace_bar(e, acq[d]))
                    need(p, at, acq[d], 16ull * (((aqa[d] >> 16) & 0xfff) + 1), 1);
            }
            break;
        }
        case NVT_EV_SUBMISSION: {
            const uint8_t *s = ev->u.sub.sqe;
            if (ev->u.sub.qid != 0 || (ev->u.sub.known & 0x0000ff00ff000000ull) != 0x0000ff00ff000000ull)
                break;
            uint64_t prp1 = rp_le(s + 24, 8), prp2 = rp_le(s + 32, 8);
            uint32_t entries = (uint32_t)(rp_le(s + 40, 4) >> 16) + 1;
            if (in_trace_bar(e, prp1))
                break;
            if (s[0] == 0x05)
                need(p, at, prp1, 16ull * entries, 1);
            else if (s[0] == 0x01)
                need(p, at, prp1, 64ull * entries, 1);
            else if (s[0] == 0x7c) {
                need(p, at, prp1, 4096, 1);
                need(p, at, prp2, 4096, 1);
            }
            break;
        }
        case NVT_EV_DMA_READ:
        case NVT_EV_DMA_WRITE:
            if (!in_trace_bar(e, ev->u.dma.gpa))
                need(p, at, ev->u.dma.gpa, ev->u.dma.len, 0);
            break;
        default:
            break;
        }
    }
out:
    free(aqa);
    free(asq);
    free(acq);
}

/* ---------------------------------------------------------------------------------------- */
/* what the target device looks like, as far as the trace tells (used without a target, and
 * as the starting point before discovery) */

static void device_defaults(struct rp_dev *d)
{
    /* QEMU 7.2's NVMe: one 16 KiB 64-bit memory BAR holding registers, MSI-X table and PBA. */
    d->bar[0].size = 0x4000;
    d->bar[0].is64 = 1;
    d->bar[0].flags_lo = 0x4;
    d->msix_cap = 0x40;
    d->msix_n = 65;
    d->tbir = d->pbir = 0;
    d->toff = 0x2000;
    d->poff = 0x3000;
}

/* The trace's own config reads as an image of config space: sizes of BARs it probed, the
 * capability list it walked. */
static void device_from_trace(struct eng *e, struct rp_dev *d)
{
    uint8_t img[256], have[256];
    memset(have, 0, sizeof have);
    memset(img, 0, sizeof img);
    size_t n = nvt_trace_count(e->t);
    int sizing[6] = {0};
    for (size_t i = 0; i < n; i++) {
        const nvt_event *ev = nvt_trace_event(e->t, i);
        if (ev->device != d->index || (ev->type != NVT_EV_CFG_READ && ev->type != NVT_EV_CFG_WRITE))
            continue;
        uint16_t off = ev->u.cfg.offset;
        if (ev->type == NVT_EV_CFG_WRITE) {
            if (off >= 0x10 && off < 0x28 && !(off & 3))
                sizing[(off - 0x10) / 4] = ev->u.cfg.value == 0xffffffffu;
            continue;
        }
        if (ev->flags & NVT_F_VALUE_UNKNOWN)
            continue;
        if (off >= 0x10 && off < 0x28 && !(off & 3) && sizing[(off - 0x10) / 4]) {
            /* The value read after writing all ones: the BAR's size mask. */
            int b = (off - 0x10) / 4;
            uint32_t m = ev->u.cfg.value;
            sizing[b] = 0;
            if (m & 1) {
                d->bar[b].io = 1;
                d->bar[b].size = (~(m & ~0x3u) + 1) & 0xffff;
            } else if (m && !(b > 0 && d->bar[b - 1].is64)) {
                d->bar[b].size = (uint32_t)(~(m & ~0xfu) + 1);
                d->bar[b].is64 = (m & 0x6) == 0x4;
                d->bar[b].flags_lo = m & 0xf;
            }
            continue;
        }
        for (int k = 0; k < ev->u.cfg.size && off + k < 256; k++) {
            img[off + k] = (uint8_t)(ev->u.cfg.value >> (8 * k));
            have[off + k] = 1;
        }
    }
    /* Capability list: 0x34 points at the first; each has id, next. */
    if (!have[0x34])
        return;
    unsigned p = img[0x34] & 0xfc;
    for (int guard = 0; p >= 0x40 && guard < 48; guard++) {
        if (!have[p] || !have[p + 1])
            return;
        if (img[p] == 0x11 && have[p + 2] && have[p + 3] && have[p + 4] && have[p + 7]) {
            d->msix_cap = (uint8_t)p;
            d->msix_n = (uint16_t)((rp_le(img + p + 2, 2) & 0x7ff) + 1);
            uint32_t t = (uint32_t)rp_le(img + p + 4, 4);
            d->tbir = t & 7;
            d->toff = t & ~7u;
            if (have[p + 8] && have[p + 11]) {
                uint32_t pb = (uint32_t)rp_le(img + p + 8, 4);
                d->pbir = pb & 7;
                d->poff = pb & ~7u;
            } else {
                d->pbir = d->tbir;
                d->poff = align_up(d->toff + 16u * d->msix_n, 0x1000);
            }
            return;
        }
        p = img[p + 1] & 0xfc;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* asking the target (synchronously: these happen once, before the trace) */

struct sync_reply {
    uint64_t v;
    int ok;
};

static void on_value(void *ctx, const char *line, const void *arg)
{
    (void)ctx;
    struct sync_reply *r;
    memcpy(&r, arg, sizeof r);
    r->ok = rp_reply_value(line, &r->v) == 0;
}

static int cfg_get(struct eng *e, struct rp_dev *d, uint16_t off, int size, uint32_t *out)
{
    struct sync_reply r = {0, 0};
    struct sync_reply *rp = &r;
    uint32_t a = 0x80000000u | d->bus << 16 | d->slot << 11 | d->fn << 8 | (off & 0xfc);
    qt_cmd(e->q, -1, 1, NULL, NULL, 0, "outl 0xcf8 0x%x", a);
    qt_cmd(e->q, -1, 1, on_value, &rp, sizeof rp, "in%s 0x%x",
           size == 1 ? "b" : size == 2 ? "w" : "l", 0xcfc + (off & 3));
    if (qt_sync(e->q) < 0 || !r.ok)
        return -1;
    *out = (uint32_t)r.v;
    return 0;
}

static int cfg_put(struct eng *e, struct rp_dev *d, uint16_t off, uint32_t v)
{
    uint32_t a = 0x80000000u | d->bus << 16 | d->slot << 11 | d->fn << 8 | (off & 0xfc);
    qt_cmd(e->q, -1, 1, NULL, NULL, 0, "outl 0xcf8 0x%x", a);
    qt_cmd(e->q, -1, 1, NULL, NULL, 0, "outl 0xcfc 0x%x", v);
    return qt_sync(e->q);
}

/* Reads the target device's BAR sizes and MSI-X capability. */
static int discover(struct eng *e, struct rp_dev *d)
{
    uint32_t id;
    if (cfg_get(e, d, 0, 4, &id) < 0)
        return -1;
    if (id == 0xffffffffu || id == 0) {
        rp_error(e->err, NVT_E_ARG,
                 "the target has no device at %02x:%02x.%x for trace device %u (%s): check the "
                 "QEMU arguments",
                 d->bus, d->slot, d->fn, d->index, d->meta->bdf);
        return -1;
    }
    for (int b = 0; b < 6; b++) {
        uint32_t orig, mask;
        uint16_t off = (uint16_t)(0x10 + 4 * b);
        if (cfg_get(e, d, off, 4, &orig) < 0 || cfg_put(e, d, off, 0xffffffffu) < 0 ||
            cfg_get(e, d, off, 4, &mask) < 0 || cfg_put(e, d, off, orig) < 0)
            return -1;
        struct rp_bar *bar = &d->bar[b];
        memset(bar, 0, sizeof *bar);
        if (!mask)
            continue;
        if (mask & 1) {
            bar->io = 1;
            bar->size = (~(mask & ~0x3u) + 1) & 0xffff;
            continue;
        }
        bar->flags_lo = mask & 0xf;
        bar->is64 = (mask & 0x6) == 0x4;
        uint64_t m = mask & ~0xfull;
        if (bar->is64 && b < 5) {
            uint32_t hi_orig, hi;
            uint16_t hoff = (uint16_t)(off + 4);
            if (cfg_get(e, d, hoff, 4, &hi_orig) < 0 || cfg_put(e, d, hoff, 0xffffffffu) < 0 ||
                cfg_get(e, d, hoff, 4, &hi) < 0 || cfg_put(e, d, hoff, hi_orig) < 0)
                return -1;
            m |= (uint64_t)hi << 32;
            bar->size = ~m + 1;
            b++; /* the high half is not a BAR of its own */
            memset(&d->bar[b], 0, sizeof d->bar[b]);
        } else {
            bar->size = (uint32_t)(~(uint32_t)m + 1);
        }
    }
    d->msix_cap = 0;
    uint32_t st, ptr;
    if (cfg_get(e, d, 0x06, 2, &st) < 0)
        return -1;
    if (!(st & 0x10))
        return 0;
    if (cfg_get(e, d, 0x34, 1, &ptr) < 0)
        return -1;
    for (int guard = 0; (ptr & 0xfc) >= 0x40 && guard < 48; guard++) {
        uint32_t hdr;
        if (cfg_get(e, d, (uint16_t)(ptr & 0xfc), 4, &hdr) < 0)
            return -1;
        if ((hdr & 0xff) == 0x11) {
            uint32_t t, pb;
            if (cfg_get(e, d, (uint16_t)((ptr & 0xfc) + 4), 4, &t) < 0 ||
                cfg_get(e, d, (uint16_t)((ptr & 0xfc) + 8), 4, &pb) < 0)
                return -1;
            d->msix_cap = (uint8_t)(ptr & 0xfc);
            d->msix_n = (uint16_t)(((hdr >> 16) & 0x7ff) + 1);
            d->tbir = t & 7;
            d->toff = t & ~7u;
            d->pbir = pb & 7;
            d->poff = pb & ~7u;
            break;
        }
        ptr = (hdr >> 8) & 0xff;
    }
    if (d->msix_n > RP_MAX_VECTORS) {
        rp_error(e->err, NVT_E_ARG, "target device %u has %u MSI-X vectors (at most %u supported)",
                 d->index, d->msix_n, RP_MAX_VECTORS);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* the QEMU command line */

static int parse_bdf(const char *s, unsigned *bus, unsigned *slot, unsigned *fn)
{
    unsigned dom;
    if (sscanf(s, "%x:%x:%x.%x", &dom, bus, slot, fn) == 4)
        return 0;
    if (sscanf(s, "%x:%x.%x", bus, slot, fn) == 3)
        return 0;
    return -1;
}

static int is_nvme(const nvt_device *m)
{
    return (m->vendor_id == 0x1b36 && m->device_id == 0x0010) || !strcmp(m->model, "nvme") ||
           (m->class_code >> 8) == 0x0108;
}

/* "-m 512", "-m 512M", "-m size=2G" -> bytes (0 if not understood). */
static uint64_t parse_mem(const char *s)
{
    if (!strncmp(s, "size=", 5))
        s += 5;
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return 0;
    switch (toupper((unsigned char)*end)) {
    case 'K': return (uint64_t)(v * 1024);
    case 'G': return (uint64_t)(v * GIB);
    case 'T': return (uint64_t)(v * 1024 * GIB);
    case 'M': case 0: case ',': return (uint64_t)(v * MIB);
    default: return 0;
    }
}

/* The value of key in a QEMU option string "a=1,b=2" (",," escapes a comma); out "" if absent. */
static void opt_get(const char *opts, const char *key, char *out, size_t outlen)
{
    size_t kl = strlen(key);
    out[0] = 0;
    const char *p = opts;
    while (*p) {
        const char *q = p;
        while (*q && !(*q == ',' && q[1] != ','))
            q += (*q == ',' && q[1] == ',') ? 2 : 1;
        if ((size_t)(q - p) > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            size_t n = (size_t)(q - p) - kl - 1;
            if (n >= outlen)
                n = outlen - 1;
            memcpy(out, p + kl + 1, n);
            out[n] = 0;
            return;
        }
        p = *q ? q + 1 : q;
    }
}

/* Copies a disk image to a temporary file removed when the replay ends. The copy's name goes
 * into the QEMU command line, so it is a fixed pattern plus a counter-free mkstemp suffix;
 * reports show it. Returns 0 or -1. */
static int copy_disk(struct eng *e, const char *src, char *path, size_t pathlen)
{
    if (e->ntmp >= RP_MAX_TMP)
        return -1;
    snprintf(path, pathlen, "/tmp/nvt-replay-disk-XXXXXX");
    int out = mkstemp(path);
    if (out < 0)
        return -1;
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int rc = in < 0 ? -1 : 0;
    char buf[1 << 16];
    while (rc == 0) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0 || write(out, buf, (size_t)n) != n)
            rc = -1;
    }
    if (in >= 0)
        close(in);
    if (close(out) != 0)
        rc = -1;
    if (rc < 0) {
        unlink(path);
        return -1;
    }
    snprintf(e->tmp[e->ntmp++], sizeof e->tmp[0], "%s", path);
    return 0;
}

/* A -drive/-blockdev option string with its image replaced by a null-co disk of the image's
 * size (or kept with snapshot=on): I/O completion then takes no real time and the original
 * file is never written. */
static void rewrite_drive(struct eng *e, const char *opt, int blockdev, char *out, size_t outlen)
{
    char file[512], driver[64];
    opt_get(opt, "driver", driver, sizeof driver);
    if (!strcmp(driver, "null-co")) {
        snprintf(out, outlen, "%s", opt); /* already what the replay wants */
        return;
    }
    opt_get(opt, blockdev ? "filename" : "file", file, sizeof file);
    struct stat st;
    int exists = file[0] && stat(file, &st) == 0 && S_ISREG(st.st_mode);
    if (exists && e->o->copy_disks && !blockdev && e->exporting) {
        /* A script outlives this process: it names the image itself, never written. */
        snprintf(out, outlen, "%s,snapshot=on", opt);
        return;
    }
    if (exists && e->o->copy_disks && !blockdev) {
        /* A private raw copy, not snapshot=on: QEMU's temporary qcow2 overlay would change
         * what the controller reports (Identify Namespace NPDG/NPDA follow the overlay's
         * 64 KiB clusters). */
        char copy[64];
        if (copy_disk(e, file, copy, sizeof copy) == 0) {
            char fmt[32];
            opt_get(opt, "format", fmt, sizeof fmt);
            size_t o = (size_t)snprintf(out, outlen, "file=%s,format=%s", copy, fmt[0] ? fmt : "raw");
            static const char *const keep[] = {"id", "if", "node-name", "index", "bus", "unit",
                                                NULL};
            for (const char *const *k = keep; *k && o < outlen; k++) {
                char v[256];
                opt_get(opt, *k, v, sizeof v);
                if (v[0])
                    o += (size_t)snprintf(out + o, outlen - o, ",%s=%s", *k, v);
            }
            return;
        }
        rp_note(e, "cannot copy disk image %s: using it with snapshot=on", file);
        snprintf(out, outlen, "%s,snapshot=on", opt);
        return;
    }
    uint64_t size = exists ? (uint64_t)st.st_size : GIB;
    if (!exists && file[0] && strncmp(file, "null-co", 7))
        rp_note(e, "disk image %s is not here: replaced by a %" PRIu64 " MiB null-co disk "
                   "(identify data and reads past that size may differ)",
                file, size / MIB);
    size_t o = (size_t)snprintf(out, outlen, "driver=null-co,size=%" PRIu64 ",read-zeroes=on", size);
    /* Keep the keys that name and attach the drive; drop those of the image. */
    static const char *const keep[] = {"id", "if", "node-name", "index", "bus", "unit", NULL};
    for (const char *const *k = keep; *k && o < outlen; k++) {
        char v[256];
        opt_get(opt, *k, v, sizeof v);
        if (v[0])
            o += (size_t)snprintf(out + o, outlen - o, ",%s=%s", *k, v);
    }
}

/* Is this word a QEMU option that takes a value? (for filtering a command line) */
static int takes_value(const char *w)
{
    static const char *const flags[] = {"-nographic", "-nodefaults", "-S", "-no-reboot",
                                        "-no-shutdown", "-snapshot", "-enable-kvm",
                                        "-daemonize", "-no-user-config", "-no-hpet", NULL};
    for (const char *const *f = flags; *f; f++)
        if (!strcmp(w, *f))
            return 0;
    return w[0] == '-';
}

static int add_common(rp_args *a, const char *qemu, const char *machine, int accel_qtest,
                      uint64_t ram)
{
    int rc = 0;
    rc |= rp_args_add(a, qemu);
    rc |= rp_args_add(a, "-machine");
    rc |= rp_args_addf(a, "%s,accel=%s", machine, accel_qtest ? "qtest" : "tcg");
    if (!accel_qtest)
        rc |= rp_args_add(a, "-S");
    rc |= rp_args_add(a, "-qtest-log");
    rc |= rp_args_add(a, "none");
    rc |= rp_args_add(a, "-nodefaults");
    rc |= rp_args_add(a, "-display");
    rc |= rp_args_add(a, "none");
    rc |= rp_args_add(a, "-m");
    rc |= rp_args_addf(a, "%" PRIu64 "M", ram / MIB);
    return rc;
}

/* Turns a command line add_common built for the qtest accelerator into the TCG-stopped one
 * ("-machine M,accel=tcg -S"), keeping every other word as it is. Returns 0 or -1. */
static int args_to_tcg_stopped(rp_args *a)
{
    rp_args out = {0};
    int rc = 0;
    for (size_t i = 0; i < a->n && !rc; i++) {
        size_t l = strlen(a->v[i]);
        if (i == 2 && l > 12 && !strcmp(a->v[i] + l - 12, ",accel=qtest")) {
            rc |= rp_args_addf(&out, "%.*s,accel=tcg", (int)(l - 12), a->v[i]);
            rc |= rp_args_add(&out, "-S");
        } else {
            rc |= rp_args_add(&out, a->v[i]);
        }
    }
    if (rc) {
        rp_args_free(&out);
        return -1;
    }
    rp_args_free(a);
    *a = out;
    return 0;
}

/* The machine type in a -machine value ("q35,accel=kvm" -> "q35"). */
static void machine_type(const char *v, char *out, size_t outlen)
{
    char t[64];
    opt_get(v, "type", t, sizeof t);
    if (t[0]) {
        snprintf(out, outlen, "%s", t);
        return;
    }
    size_t n = strcspn(v, ",");
    if (memchr(v, '=', n))
        return;
    snprintf(out, outlen, "%.*s", (int)n, v);
}

/* Device arguments from a captured command line: the NVMe devices and what backs them. */
static int args_from_capture(struct eng *e, rp_args *src, rp_args *out, char *machine,
                             size_t mlen, uint64_t *user_ram)
{
    size_t nvme_seen = 0;
    for (size_t i = 0; i < src->n; i++) {
        const char *w = src->v[i];
        const char *v = i + 1 < src->n ? src->v[i + 1] : NULL;
        if (!takes_value(w) || !v)
            continue;
        i++;
        if (!strcmp(w, "-machine") || !strcmp(w, "-M")) {
            machine_type(v, machine, mlen);
        } else if (!strcmp(w, "-m")) {
            *user_ram = parse_mem(v);
        } else if (!strcmp(w, "-device") && !strncmp(v, "nvme", 4)) {
            char opt[1024];
            snprintf(opt, sizeof opt, "%s", v);
            if (!strncmp(v, "nvme,", 5) || !strcmp(v, "nvme")) {
                char addr[32], bus[64];
                opt_get(v, "addr", addr, sizeof addr);
                opt_get(v, "bus", bus, sizeof bus);
                /* Our machine has no default devices: put the controller where the trace saw
                 * it, so config accesses reach it. */
                while (nvme_seen < e->ndev && !is_nvme(e->dev[nvme_seen].meta))
                    nvme_seen++;
                if (!addr[0] && !bus[0] && nvme_seen < e->ndev) {
                    struct rp_dev *d = &e->dev[nvme_seen];
                    size_t l = strlen(opt);
                    snprintf(opt + l, sizeof opt - l, ",addr=%02x.%x", d->slot, d->fn);
                }
                nvme_seen++;
            }
            if (rp_args_add(out, "-device") || rp_args_add(out, opt))
                return -1;
        } else if (!strcmp(w, "-drive") || !strcmp(w, "-blockdev")) {
            char opt[1024];
            rewrite_drive(e, v, !strcmp(w, "-blockdev"), opt, sizeof opt);
            if (rp_args_add(out, w) || rp_args_add(out, opt))
                return -1;
        } else if (!strcmp(w, "-object") && strstr(v, "memory-backend")) {
            if (rp_args_add(out, w) || rp_args_add(out, v))
                return -1;
        }
    }
    return 0;
}

/* Arguments of an imported qtest script: everything except what the replay sets itself. */
static int args_from_import(rp_args *src, rp_args *out, char *machine, size_t mlen,
                            uint64_t *user_ram)
{
    static const char *const drop_with_value[] = {"-qtest", "-qtest-log", "-accel", "-display",
                                                  "-D", "-d", "-trace", "-msg", NULL};
    static const char *const drop[] = {"-nographic", "-nodefaults", "-S", "-daemonize", NULL};
    for (size_t i = 0; i < src->n; i++) {
        const char *w = src->v[i];
        const char *v = i + 1 < src->n ? src->v[i + 1] : NULL;
        int dropped = 0;
        for (const char *const *d = drop; *d && !dropped; d++)
            dropped = !strcmp(w, *d);
        if (dropped)
            continue;
        for (const char *const *d = drop_with_value; *d && !dropped; d++)
            dropped = !strcmp(w, *d);
        if (dropped) {
            i++;
            continue;
        }
        if ((!strcmp(w, "-machine") || !strcmp(w, "-M")) && v) {
            machine_type(v, machine, mlen);
            i++;
            continue;
        }
        if (!strcmp(w, "-m") && v) {
            *user_ram = parse_mem(v);
            i++;
            continue;
        }
        if (rp_args_add(out, w))
            return -1;
    }
    return 0;
}

/* Our own device arguments when the trace does not say how it was made. */
static int args_synth(struct eng *e, rp_args *out)
{
    for (size_t i = 0; i < e->ndev; i++) {
        struct rp_dev *d = &e->dev[i];
        if (!is_nvme(d->meta))
            continue;
        if (rp_args_add(out, "-drive") ||
            rp_args_addf(out, "driver=null-co,size=%llu,read-zeroes=on,if=none,id=nvt-disk%zu",
                         (unsigned long long)GIB, i) ||
            rp_args_add(out, "-device") ||
            rp_args_addf(out, "nvme,drive=nvt-disk%zu,serial=nvt%04zu,addr=%02x.%x", i, i, d->slot,
                         d->fn))
            return -1;
    }
    return 0;
}

static int has_nvme_device(const rp_args *a)
{
    for (size_t i = 0; i + 1 < a->n; i++)
        if (!strcmp(a->v[i], "-device") && !strncmp(a->v[i + 1], "nvme", 4))
            return 1;
    return 0;
}

/* Builds the whole command line (without -qtest) and decides the RAM layout. */
int rp_build_args(struct eng *e, const struct rp_prescan *p, int accel_qtest, rp_args *out)
{
    rp_args src = {0}, dev = {0};
    char machine[64] = "q35";
    uint64_t user_ram = 0;
    int from_import = 0, rc = -1;
    const char *qemu = e->o->qemu ? e->o->qemu : "qemu-system-x86_64";
    if (e->o->replace_args && e->o->qemu_args) {
        for (const char *const *a = e->o->qemu_args; *a; a++)
            if (rp_args_add(&src, *a))
                goto out;
        if (args_from_import(&src, &dev, machine, sizeof machine, &user_ram))
            goto out;
    } else if (rp_comment_qemu_args(nvt_trace_comment(e->t), &src, &from_import) == 0 &&
               (from_import || has_nvme_device(&src))) {
        if (from_import ? args_from_import(&src, &dev, machine, sizeof machine, &user_ram)
                        : args_from_capture(e, &src, &dev, machine, sizeof machine, &user_ram))
            goto out;
        if (!from_import)
            rp_note(e, "target configured from the command line in the trace's comment");
    } else {
        if (src.n) {
            /* A captured command line without its -device nvme: cut short (the trace reader
             * keeps 255 bytes of a comment). Still take the machine type and RAM size. */
            rp_args ignored = {0};
            args_from_capture(e, &src, &ignored, machine, sizeof machine, &user_ram);
            rp_args_free(&ignored);
        }
        if (args_synth(e, &dev))
            goto out;
        rp_note(e, "%s: replaying into a default QEMU NVMe controller with a 1 GiB null-co disk "
                   "(--qemu-args to choose)",
                src.n ? "the command line in the trace's comment is incomplete (no -device nvme)"
                      : "the trace does not say how its device was configured");
    }
    if (!e->o->replace_args && e->o->qemu_args)
        for (const char *const *a = e->o->qemu_args; *a; a++)
            if (rp_args_add(&dev, *a))
                goto out;

    /* RAM: what the trace touches, plus a free MiB on top for the MSI-X message slots. */
    uint64_t space = align_up((uint64_t)RP_MSI_AREA * (e->ndev ? e->ndev : 1), MIB);
    uint64_t ram;
    if (!p->high_need && align_up(p->low_need, MIB) + space <= Q35_HOLE - MIB) {
        ram = align_up(p->low_need, MIB) + space;
        if (ram < 128 * MIB)
            ram = 128 * MIB;
    } else {
        ram = 2 * GIB + (p->high_need > 4 * GIB ? align_up(p->high_need, MIB) - 4 * GIB : 0) + space;
        if (ram < Q35_HOLE)
            ram = Q35_HOLE;
    }
    if (user_ram > ram)
        ram = user_ram;
    if (ram > RAM_LIMIT) {
        rp_error(e->err, NVT_E_ARG, "event %" PRId64 ": guest address 0x%" PRIx64
                 " needs more RAM than the replay gives a target (%" PRIu64 " GiB)",
                 p->high_at, p->high_need, RAM_LIMIT / GIB);
        goto out;
    }
    e->ram_size = ram;
    if (ram < Q35_HOLE) {
        e->ram_low_end = ram;
        e->ram_high_end = 0;
        e->msi_base = ram - space;
    } else {
        e->ram_low_end = 2 * GIB;
        e->ram_high_end = 4 * GIB + (ram - 2 * GIB);
        e->msi_base = e->ram_high_end - space;
        if (p->low_need > 2 * GIB) {
            rp_error(e->err, NVT_E_ARG,
                     "event %" PRId64 ": guest address below 0x%" PRIx64 " together with "
                     "addresses above 4 GiB: a q35 machine cannot have RAM at both",
                     p->low_at, p->low_need);
            goto out;
        }
    }
    for (size_t i = 0; i < e->ndev; i++)
        e->dev[i].msi_area = e->msi_base + i * RP_MSI_AREA;

    if (add_common(out, qemu, machine, accel_qtest, ram))
        goto out;
    for (size_t i = 0; i < dev.n; i++)
        if (rp_args_add(out, dev.v[i]))
            goto out;
    e->media_zero = 0;
    for (size_t i = 0; i < out->n; i++)
        if (strstr(out->v[i], "null-co"))
            e->media_zero = 1; /* read data is zeros: recorded reads are not comparable */
    rc = 0;
out:
    rp_args_free(&src);
    rp_args_free(&dev);
    return rc;
}

/* The command line for reports: the same in every run (disk copies named DISKCOPY<n>). */
static void show_cmdline(const struct eng *e, const rp_args *a, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < a->n && o < outlen; i++) {
        char w[1024], q[1024];
        snprintf(w, sizeof w, "%s", a->v[i]);
        for (size_t t = 0; t < e->ntmp; t++) {
            char *hit = strstr(w, e->tmp[t]);
            if (hit) {
                char rest[1024];
                snprintf(rest, sizeof rest, "%s", hit + strlen(e->tmp[t]));
                snprintf(hit, sizeof w - (size_t)(hit - w), "DISKCOPY%zu%s", t, rest);
            }
        }
        rp_quote_word(w, q, sizeof q);
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? " " : "", q);
    }
    if (o < outlen)
        snprintf(out + o, outlen - o, " -qtest unix:SOCK");
}

/* ---------------------------------------------------------------------------------------- */

int rp_setup(struct eng *e, const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res,
             nvt_error *err)
{
    memset(e, 0, sizeof *e);
    e->t = t;
    e->o = o;
    e->res = res;
    e->err = err;
    e->ndev = nvt_trace_device_count(t);
    if (!e->ndev) {
        rp_error(err, NVT_E_ARG, "the trace describes no device");
        return -1;
    }
    if (e->ndev > RP_MAX_DEVICES) {
        rp_error(err, NVT_E_ARG, "the trace has %zu devices; at most %d can be replayed", e->ndev,
                 RP_MAX_DEVICES);
        return -1;
    }
    e->dev = calloc(e->ndev, sizeof *e->dev);
    e->placed = calloc(nvt_trace_count(t) ? nvt_trace_count(t) : 1, 1);
    e->cpl_matched = calloc(nvt_trace_count(t) ? nvt_trace_count(t) : 1, 1);
    if (!e->dev || !e->placed || !e->cpl_matched) {
        rp_error(err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    rp_args words = {0};
    if (rp_comment_qemu_args(nvt_trace_comment(t), &words, &e->from_import) < 0)
        e->from_import = 0;
    rp_args_free(&words);
    for (size_t i = 0; i < e->ndev; i++) {
        struct rp_dev *d = &e->dev[i];
        d->index = (uint32_t)i;
        d->meta = nvt_trace_device(t, i);
        d->last_db_index = d->last_mmio_index = -1;
        d->sq = calloc(RP_MAX_QID + 1, sizeof *d->sq);
        d->cq = calloc(RP_MAX_QID + 1, sizeof *d->cq);
        if (!d->sq || !d->cq) {
            rp_error(err, NVT_E_NOMEM, "out of memory");
            return -1;
        }
        unsigned bus = 0, slot = 0, fn = 0;
        if (parse_bdf(d->meta->bdf, &bus, &slot, &fn) < 0 || bus != 0 || slot == 0 ||
            slot >= 0x1f || slot > 31 || fn > 7) {
            /* Not on the root bus of a q35 (behind a bridge, or unknown): use a free slot. */
            bus = 0;
            slot = 4 + (unsigned)i;
            fn = 0;
        }
        d->bus = bus;
        d->slot = slot;
        d->fn = fn;
        for (unsigned v = 0; v < RP_MAX_VECTORS; v++) {
            d->vdata[v] = RP_MSI_MARKER | v;
        }
        device_defaults(d);
        device_from_trace(e, d);
    }
    return 0;
}

void rp_teardown(struct eng *e)
{
    for (size_t i = 0; i < e->ntmp; i++)
        unlink(e->tmp[i]);
    e->ntmp = 0;
    for (size_t i = 0; e->dev && i < e->ndev; i++) {
        free(e->dev[i].sq);
        free(e->dev[i].cq);
    }
    free(e->dev);
    free(e->placed);
    free(e->cpl_matched);
    free(e->pend);
    free(e->pend_sub);
    free(e->ex);
    e->dev = NULL;
    e->placed = NULL;
    e->cpl_matched = NULL;
    e->pend = NULL;
    e->pend_sub = NULL;
    e->npend = 0;
    e->ex = NULL;
}

/* Commands before the trace: config space beyond 256 bytes needs the ECAM window (q35's MCH
 * PCIEXBAR, where SeaBIOS puts it); INTx needs the IOAPIC's inputs intercepted. */
void rp_prologue(struct eng *e, const struct rp_prescan *p)
{
    if (p->ext_config) {
        e->ecam = 1;
        e->ecam_base = Q35_HOLE;
        if (e->q) {
            qt_cmd(e->q, -1, 0, NULL, NULL, 0, "outl 0xcf8 0x%x", 0x80000060u);
            qt_cmd(e->q, -1, 0, NULL, NULL, 0, "outl 0xcfc 0x%x", (uint32_t)Q35_HOLE | 1);
            qt_cmd(e->q, -1, 0, NULL, NULL, 0, "outl 0xcf8 0x%x", 0x80000064u);
            qt_cmd(e->q, -1, 0, NULL, NULL, 0, "outl 0xcfc 0x0");
        } else if (e->o->on_command) {
            char l[64];
            snprintf(l, sizeof l, "outl 0xcf8 0x%x", 0x80000060u);
            e->o->on_command(e->o->ctx, l);
            snprintf(l, sizeof l, "outl 0xcfc 0x%x", (uint32_t)Q35_HOLE | 1);
            e->o->on_command(e->o->ctx, l);
        }
    }
    if (p->intx && e->q)
        qt_cmd(e->q, -1, 1, NULL, NULL, 0, "irq_intercept_in ioapic");
}

void rp_intx_cb(void *ctx, int raise, int line);

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int nvt_replay_run(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res,
                   nvt_error *err)
{
    memset(res, 0, sizeof *res);
    res->crash_index = res->last_acked_index = -1;
    res->exit_status = -1;
    if (!t || !o) {
        rp_error(err, NVT_E_ARG, "no trace or options");
        return -1;
    }
    size_t n = nvt_trace_count(t);
    for (size_t i = 0; i < n; i++)
        res->events += !o->keep || o->keep[i];
    if (o->target_lib)
        return rp_inproc_run(t, o, res, err);
    if (!nvt_trace_device_count(t) && o->compare) {
        /* Nothing to configure a target for, nothing to compare: not clean, and no QEMU. */
        snprintf(res->accel, sizeof res->accel, "none");
        rp_final_status(t, o, res);
        return 0;
    }
    struct eng e;
    int rc = -1;
    rp_args args = {0};
    if (rp_setup(&e, t, o, res, err) < 0)
        goto out;
    struct rp_prescan p;
    rp_prescan(&e, &p);
    if (p.bad_at >= 0) {
        rp_error(err, NVT_E_ARG,
                 "event %" PRId64 ": guest address 0x%" PRIx64 " is neither RAM a q35 target can "
                 "have (below 2.75 GiB, or from 4 GiB up to %llu GiB) nor inside a BAR",
                 p.bad_at, p.bad_addr, (unsigned long long)(RAM_LIMIT / GIB));
        goto out;
    }
    const char *qemu = o->qemu ? o->qemu : "qemu-system-x86_64";
    if (qt_qemu_version(qemu, res->qemu_version, sizeof res->qemu_version) < 0) {
        rp_error(err, NVT_E_IO, "cannot run '%s --version': QEMU is missing or broken", qemu);
        goto out;
    }
    int accel_qtest = o->accel != NVT_ACCEL_TCG_STOPPED;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Built once: building copies the --copy-disks images and reports how the target was
     * configured, neither of which a retry with TCG may do a second time. */
    if (rp_build_args(&e, &p, accel_qtest, &args) < 0)
        goto out;
    for (;;) {
        qt_start_opts so = {args.v, o->module_dir, o->timeout_ms, &e, rp_intx_cb, o->on_command};
        int early = 0;
        nvt_error serr;
        e.q = qt_start(&so, &early, &serr);
        if (e.q)
            break;
        /* Debian's QEMU has no qtest accelerator unless its module is supplied. */
        if (o->accel == NVT_ACCEL_AUTO && accel_qtest && early && strstr(serr.msg, "accelerator")) {
            accel_qtest = 0;
            if (args_to_tcg_stopped(&args) < 0) {
                rp_error(err, NVT_E_NOMEM, "out of memory");
                goto out;
            }
            continue;
        }
        *err = serr;
        show_cmdline(&e, &args, res->cmdline, sizeof res->cmdline);
        goto out;
    }
    e.accel_qtest = accel_qtest;
    snprintf(res->accel, sizeof res->accel, "%s", accel_qtest ? "qtest" : "tcg -S");
    show_cmdline(&e, &args, res->cmdline, sizeof res->cmdline);
    for (size_t i = 0; i < e.ndev; i++)
        if (discover(&e, &e.dev[i]) < 0) {
            if (qt_dead(e.q)) {
                /* QEMU connects its qtest socket before it creates devices: an option it
                 * refuses shows up here, before any event of the trace. */
                nvt_replay_result dead;
                memset(&dead, 0, sizeof dead);
                qt_finish(e.q, &dead);
                e.q = NULL;
                size_t l = strlen(dead.stderr_tail);
                while (l && dead.stderr_tail[l - 1] == '\n')
                    dead.stderr_tail[--l] = 0;
                rp_error(err, NVT_E_IO, "QEMU exited before the replay started (%s): %s",
                         dead.signature, dead.stderr_tail[0] ? dead.stderr_tail : "no message");
                goto out;
            }
            qt_finish(e.q, NULL);
            e.q = NULL;
            goto out;
        }
    rp_prologue(&e, &p);
    if (rp_walk(&e) < 0) {
        qt_finish(e.q, NULL);
        e.q = NULL;
        goto out;
    }
    qt_finish(e.q, res);
    e.q = NULL;
    res->seconds = seconds_since(&t0);
    if (res->status != NVT_REPLAY_CRASHED)
        rp_final_status(t, o, res);
    if (res->sqes_rebuilt)
        rp_note(&e, "%" PRIu64 " SQEs rebuilt from reconstructed records: bytes the trace does not "
                    "know were sent as zero",
                res->sqes_rebuilt);
    if (e.nsid_defaulted)
        rp_note(&e, "%" PRIu64 " Get Log Page SQEs had no NSID in the trace: sent with FFFFFFFFh "
                    "(controller scope, as drivers send it)",
                e.nsid_defaulted);
    if (res->bytes_unknown)
        rp_note(&e, "%" PRIu64 " bytes the device read are not in the trace (not captured): the "
                    "target read whatever its RAM held there",
                res->bytes_unknown);
    rc = 0;
out:
    rp_args_free(&args);
    rp_teardown(&e);
    return rc;
}
