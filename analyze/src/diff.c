/* nvt_diff_files: where two devices behave differently for the same guest workload.
 *
 * Each trace is read once through the model and reduced to what the device decided: config
 * and register read values, BAR sizes, Identify data, completion status and DW0/DW1, and how
 * each completion was signalled. Commands are aligned by order and kind — admin commands by a
 * longest common subsequence of their kinds (opcode plus the field that selects what they do:
 * CNS, FID, LID, queue id), I/O commands by (opcode, NSID, SLBA, NLB) occurrence, a field one
 * side does not know matching anything — and only aligned pairs are compared, so one extra or
 * missing command does not shift everything after it. Differences in the commands themselves
 * are the host's (kind "workload"). Registers and fields <nvmetrace/nvme.h> describes are
 * reported by their spec names; a value one side does not hold is never compared, only noted
 * (nvt_diff_result.notes). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/analyze.h"
#include "nvmetrace/nvme.h"
#include "stats_internal.h"
#include "walk.h"

#define PIN_VECTOR 0xffffu

struct readv {          /* one known read value */
    uint32_t offset;
    uint8_t size;
    uint64_t value;
    uint64_t event;
    /* the register it overlaps, when <nvmetrace/nvme.h> describes it field by field: the
     * read's bit 0 is the register's bit shift (negative: the read starts before it) */
    const struct nvt_reg_desc *desc;
    int16_t shift;
    uint8_t desc_size;  /* bytes of the read (a log import's unsized read: the register's) */
    uint32_t reg_off;   /* the register's offset */
};

struct dcmd {           /* a command reduced to what the diff compares */
    uint64_t id, sub_event, cpl_event;
    uint8_t admin, opc_known, opc, completed, reconstructed;
    uint8_t status_known, dw0_known, dw1_known, cdw10_known, cdw11_known;
    uint16_t sqid, cid, status;
    uint32_t dw0, dw1, cdw10, cdw11;
    /* kind key: UINT32_MAX / UINT64_MAX where the trace does not know the field (or the
     * command has none); an unknown field matches anything */
    uint32_t k1;
    uint64_t k2;
    uint32_t k3;
    /* signalling */
    uint8_t irq_route, irq_seen;
    uint16_t irq_vector;
    uint64_t irq_event;
};

struct did {            /* first successful Identify per (CNS, NSID) */
    uint32_t cns, nsid;
    uint64_t event;
    uint8_t data[4096], known[512];
};

/* PCI identity fields; known from the IDB when it holds them, else from config reads */
enum { ID_VENDOR, ID_DEVICE, ID_SSVID, ID_SSID, ID_CLASS, ID_REV, ID_N };

struct side {
    const char *path;
    uint32_t dev;
    nvt_device info;
    int have_info;
    uint32_t id_val[ID_N];
    uint8_t id_known[ID_N];
    struct walk_info walk;
    uint64_t reg_reads_unknown; /* register reads whose value the trace does not hold */
    struct readv *cfg, *reg;
    size_t ncfg, nreg;
    uint64_t bar_size[6], bar_event[6];
    uint8_t bar_known[6], bar_flags[6];
    struct did *id;
    size_t nid;
    struct dcmd *cmd;
    size_t ncmd;
    /* completions waiting for an interrupt, per vector (PIN_VECTOR: the pin) */
    size_t *wait;
    size_t nwait;
    uint64_t irq_msix, irq_pin, irq_msi;
    uint32_t msix_table;
    uint64_t msix_event;
    int nomem;
};

/* ------------------------------------------------------------------ collect ---- */

static void push_read(struct side *s, struct readv **arr, size_t *n, uint32_t off, uint8_t size,
                      uint64_t v, uint64_t event)
{
    struct readv *r = grow(arr, n, sizeof *r);
    if (!r) {
        s->nomem = 1;
        return;
    }
    r->offset = off;
    r->size = size;
    r->value = v;
    r->event = event;
}

static int on_device(void *ctx, uint32_t index, const nvt_device *dev, nvt_error *err)
{
    struct side *s = ctx;
    (void)err;
    if (index == s->dev) {
        s->info = *dev;
        s->have_info = 1;
    }
    return 0;
}

/* What a config read says about the function's identity (PCI 3.0, 6.2.1). A reconstructed
 * read's size is a guess (docs/import.md): its value is trusted only as wide as it shows. */
static void learn_ids(struct side *s, const nvt_event *ev)
{
    uint32_t off = ev->u.cfg.offset, v = ev->u.cfg.value;
    unsigned size = ev->u.cfg.size;
    if ((ev->flags & NVT_F_RECONSTRUCTED) && size == 4 && v <= 0xffff)
        size = 2;
    struct { uint32_t off; unsigned size, shift, bits; int id; } map[] = {
        {0x00, 2, 0, 16, ID_VENDOR}, {0x00, 4, 16, 16, ID_DEVICE}, {0x02, 2, 0, 16, ID_DEVICE},
        {0x08, 1, 0, 8, ID_REV},     {0x08, 4, 8, 24, ID_CLASS},   {0x2c, 2, 0, 16, ID_SSVID},
        {0x2c, 4, 16, 16, ID_SSID},  {0x2e, 2, 0, 16, ID_SSID},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].off == off && size >= map[i].size && !s->id_known[map[i].id]) {
            s->id_known[map[i].id] = 1;
            s->id_val[map[i].id] = (uint32_t)((v >> map[i].shift) & ((1ull << map[i].bits) - 1));
        }
}

/* The register of a PCI capability a config read falls in, if <nvmetrace/nvme.h> describes
 * it (PCIe Device Capabilities, MSI-X Message Control), found through the capability list the
 * model follows. A log import's read has no known size (0): one at the register's own offset
 * is taken as the whole register (config accesses are naturally aligned). */
static void describe_cfg(const struct mdev *d, struct readv *r)
{
    for (unsigned at = 0x40; at < 0x100; at += 4) {
        uint8_t id = d->cap_at[at];
        if (!id || id == 0xff || r->offset < at)
            continue;
        for (unsigned rel = 0; rel < 0x40 && at + rel < 0x100; rel++) {
            const struct nvt_reg_desc *desc = nvt_pci_cap_reg(id, rel);
            uint32_t reg = at + rel;
            if (!desc || (r->size ? r->offset >= reg + desc->bytes || r->offset + r->size <= reg
                                  : r->offset != reg))
                continue;
            r->desc = desc;
            r->desc_size = r->size ? r->size : desc->bytes;
            r->shift = (int16_t)(((int)r->offset - (int)reg) * 8);
            r->reg_off = reg;
            return;
        }
    }
}

/* The controller register a BAR0 read falls in, if described (CAP, VS, CC, CSTS). */
static void describe_reg(struct readv *r)
{
    static const uint32_t regs[] = {NVME_REG_CAP, NVME_REG_VS, NVME_REG_CC, NVME_REG_CSTS};
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        const struct nvt_reg_desc *desc = nvt_register_desc(regs[i]);
        if (desc && r->size && r->offset >= regs[i] &&
            r->offset + r->size <= regs[i] + desc->bytes) {
            r->desc = desc;
            r->desc_size = r->size;
            r->shift = (int16_t)((r->offset - regs[i]) * 8);
            r->reg_off = regs[i];
        }
    }
}

/* Completions posted since the last interrupt of their route get that interrupt. */
static void irq_arrives(struct side *s, uint16_t vector, uint64_t event)
{
    size_t keep = 0;
    for (size_t i = 0; i < s->nwait; i++) {
        struct dcmd *c = &s->cmd[s->wait[i]];
        uint16_t v = c->irq_route == IRQ_MSIX ? c->irq_vector : PIN_VECTOR;
        if (v == vector) {
            c->irq_seen = 1;
            c->irq_event = event;
        } else
            s->wait[keep++] = s->wait[i];
    }
    s->nwait = keep;
}

static int on_event(void *ctx, struct model *m, const nvt_event *ev, uint64_t index,
                    const struct mstep *st, nvt_error *err)
{
    struct side *s = ctx;
    (void)err;
    if (ev->device != s->dev)
        return 0;
    struct mdev *d = model_dev(m, ev->device);
    switch (ev->type) {
    case NVT_EV_CFG_READ: {
        int hi;
        if ((ev->flags & NVT_F_VALUE_UNKNOWN) || (d && dev_bar_of(d, ev->u.cfg.offset, &hi) >= 0) ||
            (ev->u.cfg.offset >= 0x10 && ev->u.cfg.offset < 0x28) || ev->u.cfg.offset == 0x30)
            break; /* BAR registers hold addresses the guest chose: compared as sizes */
        /* a reconstructed access size is a guess from the value (docs/import.md): compare
         * such reads by offset alone (size 0) */
        learn_ids(s, ev);
        push_read(s, &s->cfg, &s->ncfg, ev->u.cfg.offset,
                  (ev->flags & NVT_F_RECONSTRUCTED) ? 0 : ev->u.cfg.size, ev->u.cfg.value, index);
        if (s->ncfg && d)
            describe_cfg(d, &s->cfg[s->ncfg - 1]);
        break;
    }
    case NVT_EV_MMIO_READ:
        if (ev->u.mmio.bar != 0 || ev->u.mmio.offset >= NVME_REG_DBS)
            break;
        if (ev->flags & NVT_F_VALUE_UNKNOWN) {
            s->reg_reads_unknown++;
            break;
        }
        push_read(s, &s->reg, &s->nreg, ev->u.mmio.offset, ev->u.mmio.size, ev->u.mmio.value,
                  index);
        if (s->nreg)
            describe_reg(&s->reg[s->nreg - 1]);
        break;
    case NVT_EV_BAR_MAP:
        if (ev->u.bar.bar < 6 && !s->bar_known[ev->u.bar.bar]) {
            s->bar_known[ev->u.bar.bar] = 1;
            s->bar_size[ev->u.bar.bar] = ev->u.bar.size;
            s->bar_flags[ev->u.bar.bar] = ev->u.bar.flags;
            s->bar_event[ev->u.bar.bar] = index;
        }
        break;
    case NVT_EV_INTERRUPT:
        if (ev->u.irq.kind == NVT_IRQ_MSIX) {
            s->irq_msix++;
            irq_arrives(s, ev->u.irq.vector, index);
        } else if (ev->u.irq.kind == NVT_IRQ_INTX_ASSERT) {
            s->irq_pin++;
            irq_arrives(s, PIN_VECTOR, index);
        } else if (ev->u.irq.kind == NVT_IRQ_MSI) {
            s->irq_msi++;
            irq_arrives(s, PIN_VECTOR, index);
        }
        break;

    default:
        break;
    }
    /* a BAR sizing read-back: the first size each BAR reports */
    if (st->bar_probe && d && !s->bar_known[st->bar_index] && d->bar[st->bar_index].size_known) {
        s->bar_known[st->bar_index] = 1;
        s->bar_size[st->bar_index] = d->bar[st->bar_index].size;
        s->bar_flags[st->bar_index] = (uint8_t)((d->bar[st->bar_index].is64 ? NVT_BAR_64BIT : 0) |
                                                (d->bar[st->bar_index].is_io ? NVT_BAR_IO : 0));
        s->bar_event[st->bar_index] = index;
    }
    /* the MSI-X table size as last shown (Message Control read or MSIXCTL record) */
    if (d && d->msix_table_size && d->msix_table_size != s->msix_table) {
        s->msix_table = d->msix_table_size;
        s->msix_event = index;
    }
    /* The completion just posted waits for its interrupt; those of the same route still
     * waiting had none of their own before this one (coalesced, or missing). */
    if (st->cpl && s->ncmd && s->cmd[s->ncmd - 1].id == st->cpl->id) {
        struct dcmd *c = &s->cmd[s->ncmd - 1];
        if (c->irq_route == IRQ_MSIX || c->irq_route == IRQ_PIN) {
            uint16_t v = c->irq_route == IRQ_MSIX ? c->irq_vector : PIN_VECTOR;
            size_t keep = 0;
            for (size_t i = 0; i < s->nwait; i++) {
                const struct dcmd *w = &s->cmd[s->wait[i]];
                if ((w->irq_route == IRQ_MSIX ? w->irq_vector : PIN_VECTOR) != v)
                    s->wait[keep++] = s->wait[i];
            }
            s->nwait = keep;
            size_t *w = grow(&s->wait, &s->nwait, sizeof *w);
            if (w)
                *w = s->ncmd - 1;
            else
                s->nomem = 1;
        }
    }
    return 0;
}

static void kind_key(const struct mcmd *c, struct dcmd *k)
{
    uint64_t v;
    k->k1 = k->k3 = UINT32_MAX;
    k->k2 = UINT64_MAX;
    if (!k->opc_known)
        return;
    if (k->admin) {
        switch (k->opc) {
        case 0x06: /* Identify: CNS, NSID */
            if (cmd_sqe_field(c, 40, 1, &v))
                k->k1 = (uint32_t)v;
            if (cmd_sqe_field(c, 4, 4, &v))
                k->k2 = v;
            break;
        case 0x09:
        case 0x0a: /* Set/Get Features: FID */
        case 0x02: /* Get Log Page: LID */
            if (cmd_sqe_field(c, 40, 1, &v))
                k->k1 = (uint32_t)v;
            break;
        case 0x00:
        case 0x01:
        case 0x04:
        case 0x05: /* queues: QID */
            if (cmd_sqe_field(c, 40, 2, &v))
                k->k1 = (uint32_t)v;
            break;
        default:
            break;
        }
        return;
    }
    if (cmd_sqe_field(c, 4, 4, &v))
        k->k1 = (uint32_t)v;
    /* SLBA and NLB of the NVM commands that have them */
    if (k->opc != 0x01 && k->opc != 0x02 && k->opc != 0x04 && k->opc != 0x05 &&
        k->opc != 0x08 && k->opc != 0x0c)
        return;
    if (cmd_sqe_field(c, 40, 8, &v))
        k->k2 = v;
    if (cmd_sqe_field(c, 48, 2, &v))
        k->k3 = (uint32_t)v;
}

static void on_cmd_done(void *ctx, struct model *m, struct mcmd *c)
{
    struct side *s = ctx;
    (void)m;
    if (c->device != s->dev)
        return;
    struct dcmd *k = grow(&s->cmd, &s->ncmd, sizeof *k);
    if (!k) {
        s->nomem = 1;
        return;
    }
    unsigned opc = 0, status = 0;
    uint64_t v = 0;
    k->id = c->id;
    k->sub_event = c->sub_event;
    k->cpl_event = c->cpl_event;
    k->admin = (uint8_t)cmd_admin(c);
    k->reconstructed = c->reconstructed;
    k->sqid = c->sqid;
    k->cid = c->cid;
    k->opc_known = (uint8_t)cmd_opcode(c, &opc);
    k->opc = (uint8_t)opc;
    k->completed = c->end == CMD_COMPLETED;
    k->status_known = (uint8_t)cmd_status(c, &status);
    k->status = (uint16_t)status;
    k->dw0_known = (uint8_t)cmd_dw0(c, &k->dw0);
    k->dw1_known = (uint8_t)cmd_dw1(c, &k->dw1);
    k->cdw10_known = (uint8_t)cmd_sqe_field(c, 40, 4, &v);
    k->cdw10 = (uint32_t)v;
    k->cdw11_known = (uint8_t)cmd_sqe_field(c, 44, 4, &v);
    k->cdw11 = (uint32_t)v;
    k->irq_route = c->irq_route;
    k->irq_vector = c->irq_vector;
    kind_key(c, k);
}

static void on_identify(void *ctx, struct model *m, struct mdev *d, const struct mcmd *c,
                        unsigned cns)
{
    struct side *s = ctx;
    (void)m;
    uint64_t nsid = 0;
    if (d->index != s->dev || !c->data)
        return;
    cmd_sqe_field(c, 4, 4, &nsid);
    for (size_t i = 0; i < s->nid; i++)
        if (s->id[i].cns == cns && s->id[i].nsid == nsid)
            return;
    struct did *id = grow(&s->id, &s->nid, sizeof *id);
    if (!id) {
        s->nomem = 1;
        return;
    }
    id->cns = cns;
    id->nsid = (uint32_t)nsid;
    id->event = c->cpl_event;
    memcpy(id->data, c->data, 4096);
    memcpy(id->known, c->data_known, 512);
}

static int by_cmd_id(const void *a, const void *b)
{
    const struct dcmd *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int collect(struct side *s, nvt_error *err)
{
    struct walk_hooks h = {on_device, on_event, on_cmd_done, NULL, on_identify, s};
    if (walk_file(s->path, &h, NULL, NULL, NULL, &s->walk, NULL, err) < 0)
        return -1;
    if (s->nomem) {
        set_err(err, NVT_E_NOMEM, "out of memory reading %s", s->path);
        return -1;
    }
    if (!s->have_info) {
        set_err(err, NVT_E_ARG, "%s: no device %u in the trace", s->path, s->dev);
        return -1;
    }
    /* the IDB's ids where it has them (0 = not known), config reads for the rest */
    const uint32_t idb[ID_N] = {s->info.vendor_id, s->info.device_id, s->info.subsys_vendor_id,
                                s->info.subsys_id, s->info.class_code, s->info.revision};
    for (int i = 0; i < ID_N; i++)
        if (i == ID_REV ? s->info.class_code != 0 : idb[i] != 0) {
            s->id_val[i] = idb[i];
            s->id_known[i] = 1;
        }
    /* cmd_done runs in completion order; the alignment wants submission order. The wait
     * list holds positions, so it is cleared first (the trace has ended anyway). */
    s->nwait = 0;
    if (s->ncmd) /* qsort must not see NULL, even for no elements */
        qsort(s->cmd, s->ncmd, sizeof *s->cmd, by_cmd_id);
    return 0;
}

static void side_free(struct side *s)
{
    walk_info_free(&s->walk);
    free(s->cfg);
    free(s->reg);
    free(s->id);
    free(s->cmd);
    free(s->wait);
}

/* ------------------------------------------------------------------ report ---- */

/* Per route (vector, or the pin): aligned completions signalled the same way in both
 * traces, and how many had an interrupt of their own (none coalesced with the next). */
struct signal {
    uint16_t vector;
    uint64_t completions, own_a, own_b, first_a, first_b;
};

struct out {
    nvt_diff_result *res;
    size_t max;
    size_t kept[NVT_DIFF_NKINDS];
    struct signal *sig;
    size_t nsig;
    int nomem;
};

/* d->what from fmt, d->a and d->b from a_b: "A-value\tB-value" */
__attribute__((format(printf, 3, 0))) static void set_text(nvt_divergence *d, const char *a_b,
                                                          const char *fmt, va_list ap)
{
    vsnprintf(d->what, sizeof d->what, fmt, ap);
    const char *tab = strchr(a_b, '\t');
    size_t la = tab ? (size_t)(tab - a_b) : strlen(a_b);
    snprintf(d->a, sizeof d->a, "%.*s", (int)la, a_b);
    snprintf(d->b, sizeof d->b, "%s", tab ? tab + 1 : "-");
}

__attribute__((format(printf, 6, 7))) static void diverge(struct out *o, int kind,
                                                         uint64_t ea, uint64_t eb,
                                                         const char *a_b, const char *fmt, ...)
{
    o->res->total[kind]++;
    if (o->kept[kind] >= o->max)
        return;
    nvt_divergence *d = grow(&o->res->items, &o->res->nitems, sizeof *d);
    if (!d) {
        o->nomem = 1;
        return;
    }
    o->kept[kind]++;
    d->kind = kind;
    d->event_a = ea;
    d->event_b = eb;
    d->order = ea != UINT64_MAX ? ea : eb;
    va_list ap;
    va_start(ap, fmt);
    set_text(d, a_b, fmt, ap);
    va_end(ap);
}

static const char *cfg_name(uint32_t off, char *buf, size_t len)
{
    static const struct {
        uint32_t off;
        const char *name;
    } names[] = {{0x00, "Vendor/Device ID"}, {0x02, "Device ID"},      {0x04, "Command/Status"},
                 {0x06, "Status"},           {0x08, "Revision/Class"}, {0x0c, "Cache Line/Latency/Header/BIST"},
                 {0x0e, "Header Type"},      {0x2c, "Subsystem IDs"},  {0x2e, "Subsystem ID"},
                 {0x34, "Capabilities Pointer"}, {0x3c, "Interrupt Line/Pin"}, {0x3d, "Interrupt Pin"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].off == off) {
            snprintf(buf, len, "config 0x%02x (%s)", off, names[i].name);
            return buf;
        }
    snprintf(buf, len, "config 0x%02x", off);
    return buf;
}

static int by_key_then_event(const void *x, const void *y)
{
    const struct readv *a = x, *b = y;
    if (a->offset != b->offset)
        return a->offset < b->offset ? -1 : 1;
    if (a->size != b->size)
        return a->size - b->size;
    return a->event < b->event ? -1 : a->event > b->event;
}

static void field_value(const struct nvt_field *f, uint64_t v, char *buf, size_t len)
{
    if (f->width == 1)
        snprintf(buf, len, "%" PRIu64, v);
    else
        snprintf(buf, len, "0x%" PRIx64, v);
}

/* The bits of a read that fall in its register, as register bits; *outside* gets the read's
 * bits that do not. */
static uint64_t reg_bits(const struct readv *dx, uint64_t value, uint64_t *outside)
{
    unsigned rbits = dx->desc->bytes * 8u, nbits = dx->desc_size * 8u;
    uint64_t read_mask = nbits >= 64 ? UINT64_MAX : (1ull << nbits) - 1;
    uint64_t reg_mask = rbits >= 64 ? UINT64_MAX : (1ull << rbits) - 1, in_read;
    value &= read_mask;
    if (dx->shift >= 0) {
        in_read = (reg_mask >> dx->shift) & read_mask; /* read bits inside the register */
        *outside = value & ~in_read;
        return (value & in_read) << dx->shift;
    }
    unsigned k = (unsigned)-dx->shift;
    in_read = (reg_mask << k) & read_mask;
    *outside = value & ~in_read;
    return (value & in_read) >> k;
}

/* Two reads of a register that differ, described by dx (x or y), field by field with the
 * spec's names: "CAP.MQES (Maximum Queue Entries Supported)", a named bit of a field
 * ("CAP.CSS: No I/O Command Set Support"), "Device Capabilities (0x84) Extended Tag Field
 * Supported". Returns the number of divergences, or 0 (the caller shows the raw values) when
 * a differing bit lies outside every field the read covers whole: reserved bits, or bytes of
 * the read beyond the register. */
static int compare_fields(struct out *o, int kind, const struct readv *dx, const struct readv *x,
                          const struct readv *y, size_t nth)
{
    const struct nvt_reg_desc *desc = dx->desc;
    int lo = dx->shift > 0 ? dx->shift : 0, hi = dx->shift + dx->desc_size * 8;
    uint64_t oa, ob;
    uint64_t va = reg_bits(dx, x->value, &oa), vb = reg_bits(dx, y->value, &ob);
    if (oa != ob)
        return 0;
    uint64_t covered = 0;
    for (const struct nvt_field *f = desc->fields; f->name; f++)
        if (f->lsb >= lo && f->lsb + f->width <= hi)
            covered |= (f->width >= 64 ? UINT64_MAX : (1ull << f->width) - 1) << f->lsb;
    if ((va ^ vb) & ~covered)
        return 0;
    char reg[64], rd[32] = "";
    if (kind == NVT_DIFF_CONFIG)
        snprintf(reg, sizeof reg, "%s (0x%02x)", desc->name, dx->reg_off);
    else
        snprintf(reg, sizeof reg, "%s", desc->name);
    if (nth > 1)
        snprintf(rd, sizeof rd, " (read #%zu)", nth);
    int found = 0;
    for (const struct nvt_field *f = desc->fields; f->name; f++) {
        if (f->lsb < lo || f->lsb + f->width > hi)
            continue;
        uint64_t fa = nvt_field_get(f, va), fb = nvt_field_get(f, vb);
        if (fa == fb)
            continue;
        char sa[24], sb[24], ab[64];
        int named = f->bits != NULL;
        for (unsigned bit = 0; named && bit < f->width; bit++)
            if (((fa ^ fb) >> bit & 1) && !nvt_name_lookup(f->bits, bit))
                named = 0; /* a bit without a name differs: show the whole field */
        if (named) {
            for (const struct nvt_name *b = f->bits; b->name; b++) {
                if (!((fa ^ fb) >> b->value & 1))
                    continue;
                snprintf(ab, sizeof ab, "%u\t%u", (unsigned)(fa >> b->value & 1),
                         (unsigned)(fb >> b->value & 1));
                diverge(o, kind, x->event, y->event, ab, "%s.%s: %s%s", reg, f->name, b->name, rd);
                found++;
            }
            continue;
        }
        field_value(f, fa, sa, sizeof sa);
        field_value(f, fb, sb, sizeof sb);
        snprintf(ab, sizeof ab, "%s\t%s", sa, sb);
        if (!strcmp(f->name, f->title))
            diverge(o, kind, x->event, y->event, ab, "%s %s%s", reg, f->title, rd);
        else
            diverge(o, kind, x->event, y->event, ab, "%s.%s (%s)%s", reg, f->name, f->title, rd);
        found++;
    }
    return found;
}

/* Reads of each (offset, size) compared in order, repeats collapsed (polling loops differ in
 * length, not in meaning); the first difference per register is reported. Sorts ra and rb. */
static void compare_reads(struct out *o, int kind, struct readv *ra, size_t na,
                          struct readv *rb, size_t nb)
{
    if (na)
        qsort(ra, na, sizeof *ra, by_key_then_event);
    if (nb)
        qsort(rb, nb, sizeof *rb, by_key_then_event);
    size_t i = 0, j = 0;
    while (i < na) {
        uint32_t off = ra[i].offset;
        uint8_t size = ra[i].size;
        size_t ea = i;
        while (ea < na && ra[ea].offset == off && ra[ea].size == size)
            ea++;
        while (j < nb && by_key_then_event(&rb[j], &ra[i]) < 0 &&
               (rb[j].offset != off || rb[j].size != size))
            j++;
        size_t eb = j;
        while (eb < nb && rb[eb].offset == off && rb[eb].size == size)
            eb++;
        /* walk the distinct values of both runs [i, ea) and [j, eb) */
        size_t x = i, y = j, n = 0;
        while (x < ea && y < eb) {
            n++;
            if (ra[x].value != rb[y].value) {
                /* by field when a side knows the register and the width of its read (a log
                 * import's reads have no width: the other side's tells) */
                const struct readv *dx = ra[x].desc ? &ra[x] : rb[y].desc ? &rb[y] : NULL;
                if (dx && (!ra[x].desc || !rb[y].desc ||
                           (ra[x].desc == rb[y].desc && ra[x].shift == rb[y].shift)) &&
                    compare_fields(o, kind, dx, &ra[x], &rb[y], n))
                    break;
                char what[64], ab[96];
                const char *reg = kind == NVT_DIFF_REGISTER ? nvt_register_name(off) : NULL;
                if (kind == NVT_DIFF_CONFIG)
                    cfg_name(off, what, sizeof what);
                else if (reg)
                    snprintf(what, sizeof what, "%s", reg);
                else
                    snprintf(what, sizeof what, "register 0x%03x", off);
                int w = size ? size * 2 : 1;
                snprintf(ab, sizeof ab, "0x%0*" PRIx64 "\t0x%0*" PRIx64, w, ra[x].value, w,
                         rb[y].value);
                if (size)
                    diverge(o, kind, ra[x].event, rb[y].event, ab, "%s read #%zu (%u bytes)",
                            what, n, size);
                else
                    diverge(o, kind, ra[x].event, rb[y].event, ab, "%s read #%zu", what, n);
                break;
            }
            uint64_t v = ra[x].value;
            while (x < ea && ra[x].value == v)
                x++;
            while (y < eb && rb[y].value == v)
                y++;
        }
        i = ea;
        j = eb;
    }
}

static void compare_bars(struct out *o, const struct side *a, const struct side *b)
{
    for (int i = 0; i < 6; i++) {
        if (!a->bar_known[i] && !b->bar_known[i])
            continue;
        char ab[96];
        if (a->bar_known[i] && b->bar_known[i] && a->bar_size[i] == b->bar_size[i] &&
            a->bar_flags[i] == b->bar_flags[i])
            continue;
        if (a->bar_known[i] != b->bar_known[i]) {
            snprintf(ab, sizeof ab, "%s\t%s", a->bar_known[i] ? "sized" : "-",
                     b->bar_known[i] ? "sized" : "-");
            diverge(o, NVT_DIFF_BAR, a->bar_known[i] ? a->bar_event[i] : UINT64_MAX,
                    b->bar_known[i] ? b->bar_event[i] : UINT64_MAX, ab, "BAR%d present", i);
            continue;
        }
        if (a->bar_size[i] != b->bar_size[i]) {
            snprintf(ab, sizeof ab, "%" PRIu64 "\t%" PRIu64, a->bar_size[i], b->bar_size[i]);
            diverge(o, NVT_DIFF_BAR, a->bar_event[i], b->bar_event[i], ab, "BAR%d size (bytes)", i);
        }
        if (a->bar_flags[i] != b->bar_flags[i]) {
            snprintf(ab, sizeof ab, "%s%s\t%s%s", a->bar_flags[i] & NVT_BAR_IO ? "I/O" : "memory",
                     a->bar_flags[i] & NVT_BAR_64BIT ? " 64-bit" : "",
                     b->bar_flags[i] & NVT_BAR_IO ? "I/O" : "memory",
                     b->bar_flags[i] & NVT_BAR_64BIT ? " 64-bit" : "");
            diverge(o, NVT_DIFF_BAR, a->bar_event[i], b->bar_event[i], ab, "BAR%d type", i);
        }
    }
}

static void field_text(const struct nvt_id_field *f, const uint8_t *data, char *buf, size_t len)
{
    if (f->text) {
        unsigned n = f->len;
        while (n > 0 && (data[f->off + n - 1] == ' ' || data[f->off + n - 1] == 0))
            n--;
        size_t k = 0;
        buf[k++] = '"';
        for (unsigned i = 0; i < n && k + 3 < len; i++)
            buf[k++] = data[f->off + i] >= 0x20 && data[f->off + i] < 0x7f ? (char)data[f->off + i] : '?';
        buf[k++] = '"';
        buf[k] = 0;
    } else if (f->len <= 8) {
        snprintf(buf, len, "0x%" PRIx64 " (%" PRIu64 ")", le_get(data + f->off, f->len),
                 le_get(data + f->off, f->len));
    }
}

static void compare_identify(struct out *o, const struct side *a, const struct side *b)
{
    for (size_t i = 0; i < a->nid; i++) {
        const struct did *x = &a->id[i], *y = NULL;
        for (size_t j = 0; j < b->nid && !y; j++)
            if (b->id[j].cns == x->cns && b->id[j].nsid == x->nsid)
                y = &b->id[j];
        if (!y)
            continue;
        const struct nvt_id_field *fields = NULL;
        char what[48];
        if (x->cns == 0x01) {
            fields = nvt_id_ctrl_fields;
            snprintf(what, sizeof what, "Identify Controller");
        } else if (x->cns == 0x00) {
            fields = nvt_id_ns_fields;
            snprintf(what, sizeof what, "Identify Namespace %u", x->nsid);
        } else {
            /* other CNS values: compare the bytes */
            for (unsigned k = 0; k < 4096; k++)
                if (id_bytes_known(x->known, k, 1) && id_bytes_known(y->known, k, 1) &&
                    x->data[k] != y->data[k]) {
                    char ab[96];
                    snprintf(ab, sizeof ab, "0x%02x\t0x%02x", x->data[k], y->data[k]);
                    diverge(o, NVT_DIFF_IDENTIFY, x->event, y->event, ab,
                            "Identify CNS 0x%02x NSID %u byte %u", x->cns, x->nsid, k);
                    break;
                }
            continue;
        }
        for (const struct nvt_id_field *fd = fields; fd->name; fd++) {
            if (!id_bytes_known(x->known, fd->off, fd->len) ||
                !id_bytes_known(y->known, fd->off, fd->len) ||
                !memcmp(x->data + fd->off, y->data + fd->off, fd->len))
                continue;
            char va[96], vb[96], ab[200];
            field_text(fd, x->data, va, sizeof va);
            field_text(fd, y->data, vb, sizeof vb);
            snprintf(ab, sizeof ab, "%s\t%s", va, vb);
            diverge(o, NVT_DIFF_IDENTIFY, x->event, y->event, ab, "%s %s", what, fd->name);
        }
    }
}

/* The same command in both traces, judged on the fields both know: a field one side does
 * not know (a QEMU log import lacks NSID and SLBA of some commands, see the SQE known-byte
 * mask) matches any value on the other. */
static int same_kind(const struct dcmd *x, const struct dcmd *y)
{
    if (x->admin != y->admin)
        return 0;
    if (x->opc_known && y->opc_known && x->opc != y->opc)
        return 0;
    if (x->k1 != UINT32_MAX && y->k1 != UINT32_MAX && x->k1 != y->k1)
        return 0;
    if (x->k2 != UINT64_MAX && y->k2 != UINT64_MAX && x->k2 != y->k2)
        return 0;
    return x->k3 == UINT32_MAX || y->k3 == UINT32_MAX || x->k3 == y->k3;
}

static void describe(const struct dcmd *c, size_t nth, char *buf, size_t len)
{
    char name[48];
    opcode_label(c->admin, c->opc_known ? c->opc : -1, name, sizeof name);
    int n = snprintf(buf, len, "%s #%zu %s", c->admin ? "admin" : "I/O", nth, name);
    if (n < 0 || (size_t)n >= len)
        return;
    if (!c->opc_known || c->k1 == UINT32_MAX)
        return;
    if (c->admin && c->opc == 0x06)
        snprintf(buf + n, len - (size_t)n, " (CNS 0x%02x)", c->k1);
    else if (c->admin && (c->opc == 0x09 || c->opc == 0x0a)) {
        const char *f = nvt_feature_name((uint8_t)c->k1);
        snprintf(buf + n, len - (size_t)n, " (%s)", f ? f : "FID ?");
    } else if (c->admin && c->opc == 0x02) {
        const char *l = nvt_log_page_name((uint8_t)c->k1);
        snprintf(buf + n, len - (size_t)n, " (%s)", l ? l : "log ?");
    } else if (c->admin && c->opc <= 0x05)
        snprintf(buf + n, len - (size_t)n, " (QID %u)", c->k1);
    else if (!c->admin && c->k2 != UINT64_MAX)
        snprintf(buf + n, len - (size_t)n, " (SLBA %" PRIu64 ")", c->k2);
}

static void status_text(uint16_t st, char *buf, size_t len)
{
    const char *n = nvt_status_name((uint8_t)((st >> 8) & 7), (uint8_t)st);
    snprintf(buf, len, "%s (0x%04x)", n ? n : "status", st);
}

static void count_signal(struct out *o, const struct dcmd *x, const struct dcmd *y)
{
    uint16_t v = x->irq_route == IRQ_MSIX ? x->irq_vector : PIN_VECTOR;
    struct signal *g = NULL;
    for (size_t i = 0; i < o->nsig && !g; i++)
        if (o->sig[i].vector == v)
            g = &o->sig[i];
    if (!g) {
        if (!(g = grow(&o->sig, &o->nsig, sizeof *g))) {
            o->nomem = 1;
            return;
        }
        g->vector = v;
        g->first_a = g->first_b = UINT64_MAX;
    }
    g->completions++;
    g->own_a += x->irq_seen;
    g->own_b += y->irq_seen;
    /* where the two first differ, for the report */
    if (x->irq_seen != y->irq_seen && g->first_a == UINT64_MAX) {
        g->first_a = x->cpl_event;
        g->first_b = y->cpl_event;
    }
}

/* Coalescing in an emulator depends on timing (QEMU posts the completions of one bottom
 * half under one interrupt), so a single completion signalled differently is noise; a share
 * that differs by more than a tenth of the completions (and by more than one) is behaviour. */
static void compare_signals(struct out *o)
{
    for (size_t i = 0; i < o->nsig; i++) {
        const struct signal *g = &o->sig[i];
        uint64_t d = g->own_a > g->own_b ? g->own_a - g->own_b : g->own_b - g->own_a;
        if (d <= 1 || d * 10 <= g->completions)
            continue;
        char ab[96], route[24];
        if (g->vector == PIN_VECTOR)
            snprintf(route, sizeof route, "the pin");
        else
            snprintf(route, sizeof route, "vector %u", g->vector);
        snprintf(ab, sizeof ab, "%" PRIu64 " of %" PRIu64 "\t%" PRIu64 " of %" PRIu64, g->own_a,
                 g->completions, g->own_b, g->completions);
        diverge(o, NVT_DIFF_INTERRUPT, g->first_a, g->first_b, ab,
                "completions on %s with an interrupt of their own", route);
    }
}

static void compare_pair(struct out *o, const struct dcmd *x, const struct dcmd *y, size_t nth)
{
    char what[96], ab[200], sa[80], sb[80];
    describe(x, nth, what, sizeof what);
    if (x->completed != y->completed) {
        snprintf(ab, sizeof ab, "%s\t%s", x->completed ? "completed" : "no completion",
                 y->completed ? "completed" : "no completion");
        diverge(o, NVT_DIFF_COMPLETION, x->sub_event, y->sub_event, ab, "%s", what);
        return;
    }
    if (x->status_known && y->status_known && x->status != y->status) {
        status_text(x->status, sa, sizeof sa);
        status_text(y->status, sb, sizeof sb);
        snprintf(ab, sizeof ab, "%s\t%s", sa, sb);
        diverge(o, NVT_DIFF_COMPLETION, x->cpl_event, y->cpl_event, ab, "%s status", what);
    }
    if (x->dw0_known && y->dw0_known && x->dw0 != y->dw0) {
        snprintf(ab, sizeof ab, "0x%08x\t0x%08x", x->dw0, y->dw0);
        diverge(o, NVT_DIFF_COMPLETION, x->cpl_event, y->cpl_event, ab, "%s DW0", what);
    }
    if (x->dw1_known && y->dw1_known && x->dw1 != y->dw1) {
        snprintf(ab, sizeof ab, "0x%08x\t0x%08x", x->dw1, y->dw1);
        diverge(o, NVT_DIFF_COMPLETION, x->cpl_event, y->cpl_event, ab, "%s DW1", what);
    }
    /* Signalling. The route (vector, pin, none) follows from how the host set the CQ and
     * MSI-X up, so a different route is the workload's; whether the device raised an
     * interrupt for the completion before the next one on that route is the device's. */
    if (x->completed && x->irq_route != IRQ_UNKNOWN && y->irq_route != IRQ_UNKNOWN) {
        char ra[48], rb[48];
        const struct dcmd *c[2] = {x, y};
        char *r[2] = {ra, rb};
        for (int i = 0; i < 2; i++) {
            if (c[i]->irq_route == IRQ_NONE)
                snprintf(r[i], 48, "polled (IEN 0)");
            else if (c[i]->irq_route == IRQ_PIN)
                snprintf(r[i], 48, "pin");
            else
                snprintf(r[i], 48, "vector %u", c[i]->irq_vector);
        }
        if (strcmp(ra, rb) != 0) {
            snprintf(ab, sizeof ab, "%s\t%s", ra, rb);
            diverge(o, NVT_DIFF_WORKLOAD, x->cpl_event, y->cpl_event, ab,
                    "%s completion routed to", what);
        } else if (x->irq_route != IRQ_NONE)
            count_signal(o, x, y);
    }
    /* the host's side: the command fields differ */
    if (x->cdw10_known && y->cdw10_known && x->cdw10 != y->cdw10) {
        snprintf(ab, sizeof ab, "0x%08x\t0x%08x", x->cdw10, y->cdw10);
        diverge(o, NVT_DIFF_WORKLOAD, x->sub_event, y->sub_event, ab, "%s CDW10", what);
    }
    if (x->cdw11_known && y->cdw11_known && x->cdw11 != y->cdw11) {
        snprintf(ab, sizeof ab, "0x%08x\t0x%08x", x->cdw11, y->cdw11);
        diverge(o, NVT_DIFF_WORKLOAD, x->sub_event, y->sub_event, ab, "%s CDW11", what);
    }
}

/* Longest common subsequence of two kind sequences: match[i] = index in b, or SIZE_MAX. */
static int lcs(const struct dcmd *const *a, size_t na, const struct dcmd *const *b, size_t nb,
               size_t *match)
{
    for (size_t i = 0; i < na; i++)
        match[i] = SIZE_MAX;
    if (!na || !nb)
        return 0;
    if ((double)na * (double)nb > 64e6) {
        /* too big for the table: match greedily, in order */
        size_t j = 0;
        for (size_t i = 0; i < na; i++)
            for (size_t k = j; k < nb && k < j + 64; k++)
                if (same_kind(a[i], b[k])) {
                    match[i] = k;
                    j = k + 1;
                    break;
                }
        return 0;
    }
    uint32_t *t = calloc((na + 1) * (nb + 1), sizeof *t);
    if (!t)
        return -1;
#define T(i, j) t[(i) * (nb + 1) + (j)]
    for (size_t i = na; i-- > 0;)
        for (size_t j = nb; j-- > 0;)
            T(i, j) = same_kind(a[i], b[j]) ? T(i + 1, j + 1) + 1
                      : T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (same_kind(a[i], b[j])) {
            match[i++] = j++;
        } else if (T(i + 1, j) >= T(i, j + 1))
            i++;
        else
            j++;
    }
#undef T
    free(t);
    return 0;
}

static int compare_commands(struct out *o, const struct side *a, const struct side *b)
{
    int rc = 0;
    for (int admin = 1; admin >= 0 && rc == 0; admin--) {
        size_t na = 0, nb = 0;
        const struct dcmd **xa = malloc((a->ncmd + 1) * sizeof *xa);
        const struct dcmd **xb = malloc((b->ncmd + 1) * sizeof *xb);
        size_t *match = malloc((a->ncmd + 1) * sizeof *match);
        uint8_t *used = calloc(b->ncmd + 1, 1);
        if (!xa || !xb || !match || !used) {
            free(xa);
            free(xb);
            free(match);
            free(used);
            return -1;
        }
        for (size_t i = 0; i < a->ncmd; i++)
            if (a->cmd[i].admin == admin)
                xa[na++] = &a->cmd[i];
        for (size_t i = 0; i < b->ncmd; i++)
            if (b->cmd[i].admin == admin)
                xb[nb++] = &b->cmd[i];
        if (admin)
            rc = lcs(xa, na, xb, nb, match);
        else {
            /* I/O: the k-th command of a kind in A with the k-th of that kind in B; the
             * interleaving of CPUs' queues may differ between runs, the kinds do not */
            size_t from = 0;
            for (size_t i = 0; i < na; i++) {
                match[i] = SIZE_MAX;
                for (size_t j = from; j < nb; j++)
                    if (!used[j] && same_kind(xa[i], xb[j])) {
                        match[i] = j;
                        used[j] = 1;
                        break;
                    }
                while (from < nb && used[from])
                    from++;
            }
        }
        memset(used, 0, b->ncmd + 1);
        for (size_t i = 0; i < na && rc == 0; i++) {
            char what[96];
            if (match[i] == SIZE_MAX) {
                describe(xa[i], i + 1, what, sizeof what);
                diverge(o, NVT_DIFF_WORKLOAD, xa[i]->sub_event, UINT64_MAX, "issued\t-",
                        "%s only in A", what);
                continue;
            }
            used[match[i]] = 1;
            o->res->aligned++;
            compare_pair(o, xa[i], xb[match[i]], i + 1);
        }
        for (size_t j = 0; j < nb; j++)
            if (!used[j]) {
                char what[96];
                describe(xb[j], j + 1, what, sizeof what);
                diverge(o, NVT_DIFF_WORKLOAD, UINT64_MAX, xb[j]->sub_event, "-\tissued",
                        "%s only in B", what);
            }
        free(xa);
        free(xb);
        free(match);
        free(used);
    }
    return rc;
}

/* One side lacks the data to compare what the other holds: said, never compared. */
__attribute__((format(printf, 3, 4))) static void note(struct out *o, const char *a_b,
                                                      const char *fmt, ...)
{
    nvt_divergence *d = grow(&o->res->notes, &o->res->nnotes, sizeof *d);
    if (!d) {
        o->nomem = 1;
        return;
    }
    memset(d, 0, sizeof *d);
    d->kind = -1;
    d->event_a = d->event_b = d->order = UINT64_MAX;
    va_list ap;
    va_start(ap, fmt);
    set_text(d, a_b, fmt, ap);
    va_end(ap);
}

/* "1af4:1100" ("010802 rev 02"), "unknown" for a half the trace does not know */
static void id_pair(const struct side *s, int hi, int lo, int digits, char *buf, size_t len)
{
    char h[12] = "unknown", l[12] = "unknown";
    if (s->id_known[hi])
        snprintf(h, sizeof h, "%0*x", digits, s->id_val[hi]);
    if (s->id_known[lo])
        snprintf(l, sizeof l, "%0*x", digits == 6 ? 2 : 4, s->id_val[lo]);
    if (!s->id_known[hi] && !s->id_known[lo])
        snprintf(buf, len, "unknown");
    else
        snprintf(buf, len, digits == 6 ? "%s rev %s" : "%s:%s", h, l);
}

static void compare_device(struct out *o, const struct side *a, const struct side *b)
{
    static const struct { int hi, lo, digits; const char *what; } ids[] = {
        {ID_VENDOR, ID_DEVICE, 4, "PCI vendor:device"},
        {ID_SSVID, ID_SSID, 4, "PCI subsystem"},
        {ID_CLASS, ID_REV, 6, "PCI class and revision"},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        int f[2] = {ids[i].hi, ids[i].lo}, differ = 0, unknown = 0;
        for (int k = 0; k < 2; k++) {
            if (a->id_known[f[k]] && b->id_known[f[k]])
                differ |= a->id_val[f[k]] != b->id_val[f[k]];
            else if (a->id_known[f[k]] != b->id_known[f[k]])
                unknown = 1;
        }
        if (!differ && !unknown)
            continue;
        char va[40], vb[40], ab[96];
        id_pair(a, ids[i].hi, ids[i].lo, ids[i].digits, va, sizeof va);
        id_pair(b, ids[i].hi, ids[i].lo, ids[i].digits, vb, sizeof vb);
        snprintf(ab, sizeof ab, "%s\t%s", va, vb);
        if (differ)
            diverge(o, NVT_DIFF_DEVICE, UINT64_MAX, UINT64_MAX, ab, "%s", ids[i].what);
        else
            note(o, ab, "%s", ids[i].what);
    }
}

/* What one side holds and the other does not, so that it could not be compared. */
static void note_missing(struct out *o, const struct side *a, const struct side *b)
{
    char ab[96];
    if ((a->nreg == 0) != (b->nreg == 0) && (a->reg_reads_unknown || b->reg_reads_unknown)) {
        snprintf(ab, sizeof ab, "%zu known\t%zu known", a->nreg, b->nreg);
        note(o, ab, "controller register read values");
    }
    int ca = 0, cb = 0;
    for (size_t i = 0; i < a->nid; i++)
        ca += a->id[i].cns <= 1;
    for (size_t i = 0; i < b->nid; i++)
        cb += b->id[i].cns <= 1;
    if ((ca == 0) != (cb == 0)) {
        snprintf(ab, sizeof ab, "%d captured\t%d captured", ca, cb);
        note(o, ab, "Identify Controller/Namespace data");
    }
}

static void compare_interrupts(struct out *o, const struct side *a, const struct side *b)
{
    char ab[96];
    if (a->msix_table && b->msix_table && a->msix_table != b->msix_table) {
        snprintf(ab, sizeof ab, "%u\t%u", a->msix_table, b->msix_table);
        diverge(o, NVT_DIFF_INTERRUPT, a->msix_event, b->msix_event, ab, "MSI-X table size");
    }
    int ka = (a->irq_msix ? 1 : 0) | (a->irq_pin ? 2 : 0) | (a->irq_msi ? 4 : 0);
    int kb = (b->irq_msix ? 1 : 0) | (b->irq_pin ? 2 : 0) | (b->irq_msi ? 4 : 0);
    if (ka != kb) {
        snprintf(ab, sizeof ab, "MSI-X %" PRIu64 ", MSI %" PRIu64 ", INTx %" PRIu64
                 "\tMSI-X %" PRIu64 ", MSI %" PRIu64 ", INTx %" PRIu64,
                 a->irq_msix, a->irq_msi, a->irq_pin, b->irq_msix, b->irq_msi, b->irq_pin);
        diverge(o, NVT_DIFF_INTERRUPT, UINT64_MAX, UINT64_MAX, ab, "interrupt kinds used");
    }
}

/* A log import's config reads have no known size (kept as 0): against such a trace, reads
 * are compared by offset alone on both sides, in the order they happened, so the two traces
 * of one boot compare their config reads rather than never meeting. */
static void unsize_reads(struct side *a, struct side *b)
{
    int any = 0;
    for (size_t i = 0; i < a->ncfg && !any; i++)
        any = a->cfg[i].size == 0;
    for (size_t i = 0; i < b->ncfg && !any; i++)
        any = b->cfg[i].size == 0;
    for (size_t i = 0; any && i < a->ncfg; i++)
        a->cfg[i].size = 0;
    for (size_t i = 0; any && i < b->ncfg; i++)
        b->cfg[i].size = 0;
}

static int by_order(const void *x, const void *y)
{
    const nvt_divergence *a = x, *b = y;
    if (a->kind != b->kind)
        return a->kind - b->kind;
    return a->order < b->order ? -1 : a->order > b->order;
}

int nvt_diff_files(const char *path_a, const char *path_b, const nvt_diff_opts *opts,
                   nvt_diff_result **out, nvt_error *err)
{
    nvt_diff_opts none;
    if (!opts) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    *out = NULL;
    struct side a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.path = path_a;
    b.path = path_b;
    a.dev = opts->device_a;
    b.dev = opts->device_b;
    nvt_diff_result *res = calloc(1, sizeof *res);
    if (!res) {
        set_err(err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    int rc = collect(&a, err);
    if (rc == 0)
        rc = collect(&b, err);
    if (rc == 0) {
        struct out o = {res, opts->max_per_kind ? opts->max_per_kind : 10, {0}, NULL, 0, 0};
        res->commands_a = a.ncmd;
        res->commands_b = b.ncmd;
        res->cov_a = a.walk.cov;
        res->cov_b = b.walk.cov;
        compare_device(&o, &a, &b);
        note_missing(&o, &a, &b);
        unsize_reads(&a, &b);
        compare_reads(&o, NVT_DIFF_CONFIG, a.cfg, a.ncfg, b.cfg, b.ncfg);
        compare_bars(&o, &a, &b);
        compare_reads(&o, NVT_DIFF_REGISTER, a.reg, a.nreg, b.reg, b.nreg);
        compare_identify(&o, &a, &b);
        compare_interrupts(&o, &a, &b);
        int crc = compare_commands(&o, &a, &b);
        compare_signals(&o);
        free(o.sig);
        if (crc < 0 || o.nomem) {
            set_err(err, NVT_E_NOMEM, "out of memory comparing the traces");
            rc = -1;
        }
        if (res->nitems)
            qsort(res->items, res->nitems, sizeof *res->items, by_order);
    }
    side_free(&a);
    side_free(&b);
    if (rc < 0) {
        nvt_diff_free(res);
        return -1;
    }
    *out = res;
    return 0;
}

void nvt_diff_free(nvt_diff_result *res)
{
    if (!res)
        return;
    free(res->items);
    free(res->notes);
    free(res);
}

const char *nvt_diff_kind_name(int kind)
{
    static const char *const names[NVT_DIFF_NKINDS] = {
        "device", "config", "bar", "register", "identify", "completion", "interrupt", "workload"};
    return kind >= 0 && kind < NVT_DIFF_NKINDS ? names[kind] : "?";
}
