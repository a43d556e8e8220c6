/* Linux ftrace text (nvme events, mmiotrace) -> nvmetrace records, seen from the guest.
 *
 * Line shapes (kernel 6.1, the same in trace, trace_pipe and trace-cmd report):
 *   "    kworker/u2:1-24      [000] .....     4.588632: nvme_setup_cmd: nvme0: qid=0, ..."
 *   "R 4 24.117251 1 0xfebf0000 0xf0107ff 0x0 0"        (mmiotrace: width time map phys value)
 *   "# nvt-pci 0000:00:02.0 vendor=0x1b36 ..."         (nvmetrace-guest-record's identity)
 * Each input is read line by line; with two inputs the records are merged by timestamp (each
 * input is in time order already: ftrace merges its per-CPU buffers). State the records need:
 * the devices (from "# nvt-" lines, or made up from the controller name), each device's BARs
 * (MMIO addresses -> BAR and offset), CAP.DSTRD as the driver read it (doorbell stride), and
 * the SQ head of the last nvme_sq event per queue (it precedes the nvme_complete_rq of the
 * same CQE). docs/import.md has the mapping.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/import_linux.h"
#include "nvmetrace/nvme.h"

#define BUF_SIZE (1u << 20)  /* longest line accepted: a 4 KiB config space is 8 KiB of hex */
#define MAX_DEVS 32
#define MAX_CTRLS 64
#define MAX_OTHER_NAMES 32
#define MAX_QID 65536

struct ldev {
    nvt_device dev;
    int out;                 /* writer index, -1 until written */
    int announced;           /* BAR_MAP records written */
    uint64_t bar_start[6], bar_len[6];
    uint32_t bar_flags[6];   /* sysfs resource flags */
    uint8_t cfg[4096];
    size_t cfg_len;
    uint32_t cap_lo, cap_hi; /* CAP as the driver read it */
    uint8_t cap_seen;        /* bit 0: low dword, bit 1: high dword */
    uint8_t msix_bar[2];     /* MSI-X table and PBA: BAR index (0xff: none) ... */
    uint32_t msix_off[2], msix_len[2]; /* ... offset and length, from config space */
    uint16_t *sq_head;       /* per qid: SQ head of the last nvme_sq event, 0xffff none */
};

struct input {
    FILE *f;
    const char *name;
    char *buf;
    size_t len, pos;         /* bytes in buf, start of the next line */
    uint64_t line_no, offset, next_offset;
    int eof;
    nvt_event pend[4];       /* records of the current line not yet written */
    int npend, ipend;
    int pend_dev[4];
    char pend_text[4][160];
};

struct other_name {
    char name[48];
    uint64_t count;
};

struct imp {
    nvt_linux_import_opts opts;
    nvt_linux_import_stats st;
    nvt_writer *w;
    struct ldev devs[MAX_DEVS];
    int ndevs;
    struct { char name[16]; int dev; } ctrls[MAX_CTRLS]; /* "nvme0" -> device */
    int nctrls;
    char kernel[64];
    struct other_name other[MAX_OTHER_NAMES];
    int nother;
    uint64_t other_more;
    uint64_t last_ts;
    struct input *cur;
};

/* ---------------------------------------------------------------- errors ---- */

static int fail_line(struct imp *im, nvt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_line(struct imp *im, nvt_error *err, const char *fmt, ...)
{
    struct input *in = im->cur;
    err->code = NVT_E_FORMAT;
    err->offset = in ? in->offset : UINT64_MAX;
    int n = in ? snprintf(err->msg, sizeof err->msg, "%s:%llu: ", in->name,
                          (unsigned long long)in->line_no)
               : 0;
    if (n < 0 || (size_t)n >= sizeof err->msg)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int bad_line(struct imp *im, nvt_error *err, const char *line, size_t len, const char *why)
{
    if (im->opts.skip_bad) {
        im->st.bad_lines++;
        if (!im->st.first_bad_line)
            im->st.first_bad_line = im->cur->line_no;
        return 0;
    }
    char q[64];
    size_t n = len < sizeof q - 1 ? len : sizeof q - 1;
    for (size_t i = 0; i < n; i++)
        q[i] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
    q[n] = 0;
    return fail_line(im, err, "%s: \"%s%s\"", why, q, len > n ? "..." : "");
}

/* --------------------------------------------------------------- scanning ---- */

static int is_space(char c) { return c == ' ' || c == '\t'; }

static const char *skip_spaces(const char *p, const char *e)
{
    while (p < e && is_space(*p))
        p++;
    return p;
}

/* A number: decimal, or hex with 0x. Returns the end, or NULL if none. */
static const char *parse_num(const char *p, const char *e, uint64_t *v)
{
    uint64_t x = 0;
    const char *s;
    if (e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        s = p += 2;
        for (; p < e; p++) {
            unsigned d;
            if (*p >= '0' && *p <= '9')
                d = (unsigned)(*p - '0');
            else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
                d = (unsigned)((*p | 0x20) - 'a' + 10);
            else
                break;
            if (p - s >= 16)
                return NULL;
            x = x << 4 | d;
        }
    } else {
        for (s = p; p < e && *p >= '0' && *p <= '9'; p++) {
            if (p - s >= 20)
                return NULL;
            x = x * 10 + (uint64_t)(*p - '0');
        }
    }
    if (p == s)
        return NULL;
    *v = x;
    return p;
}

/* "secs.usec" -> ns. */
static const char *parse_time(const char *p, const char *e, uint64_t *ns)
{
    uint64_t s, us = 0;
    const char *q = parse_num(p, e, &s);
    if (!q || q >= e || *q != '.')
        return NULL;
    const char *f = q + 1;
    unsigned digits = 0;
    for (q = f; q < e && *q >= '0' && *q <= '9' && digits < 9; q++, digits++)
        us = us * 10 + (uint64_t)(*q - '0');
    if (!digits || (q < e && *q >= '0' && *q <= '9'))
        return NULL;
    while (digits++ < 9)
        us *= 10;
    *ns = s * 1000000000ull + us;
    return q;
}

/* The value of "key=" in [p, e), where key starts at p or after ' ', ',' or '('. */
static const char *find_key(const char *p, const char *e, const char *key, size_t klen)
{
    for (const char *q = p; q + klen <= e; q++) {
        q = memchr(q, key[0], (size_t)(e - q));
        if (!q || q + klen > e)
            return NULL;
        if (memcmp(q, key, klen) == 0 && (q == p || q[-1] == ' ' || q[-1] == ',' || q[-1] == '('))
            return q + klen;
    }
    return NULL;
}

static int key_num(const char *p, const char *e, const char *key, uint64_t *v)
{
    const char *q = find_key(p, e, key, strlen(key));
    return q && parse_num(q, e, v) ? 0 : -1;
}

/* ---------------------------------------------------------------- devices ---- */

static struct ldev *dev_by_bdf(struct imp *im, const char *bdf, size_t len, int create)
{
    for (int i = 0; i < im->ndevs; i++)
        if (strlen(im->devs[i].dev.bdf) == len && memcmp(im->devs[i].dev.bdf, bdf, len) == 0)
            return &im->devs[i];
    if (!create || im->ndevs == MAX_DEVS || len >= sizeof im->devs[0].dev.bdf)
        return NULL;
    struct ldev *d = &im->devs[im->ndevs++];
    memset(d, 0, sizeof *d);
    memcpy(d->dev.bdf, bdf, len);
    snprintf(d->dev.model, sizeof d->dev.model, "nvme");
    d->dev.vantage = NVT_VANTAGE_GUEST;
    d->out = -1;
    d->msix_bar[0] = d->msix_bar[1] = 0xff;
    return d;
}

/* The device a controller instance ("nvme0") belongs to: from "# nvt-ctrl", else one named
 * after the instance. */
static struct ldev *dev_by_ctrl(struct imp *im, const char *name, size_t len)
{
    for (int i = 0; i < im->nctrls; i++)
        if (strlen(im->ctrls[i].name) == len && memcmp(im->ctrls[i].name, name, len) == 0)
            return &im->devs[im->ctrls[i].dev];
    return dev_by_bdf(im, name, len, 1);
}

static void set_emulator(struct imp *im, struct ldev *d)
{
    snprintf(d->dev.emulator, sizeof d->dev.emulator, "Linux%s%s (guest side)",
             im->kernel[0] ? " " : "", im->kernel);
}

static int write_dev(struct imp *im, struct ldev *d, uint64_t ts, nvt_error *err)
{
    if (d->out < 0) {
        set_emulator(im, d);
        d->out = nvt_writer_add_device(im->w, &d->dev, err);
        if (d->out < 0)
            return -1;
        im->st.devices++;
    }
    if (!d->announced) { /* where the BARs are, as the guest's sysfs said */
        d->announced = 1;
        for (unsigned b = 0; b < 6; b++) {
            if (!d->bar_len[b])
                continue;
            nvt_event ev = {.ts_ns = ts, .device = (uint32_t)d->out, .type = NVT_EV_BAR_MAP};
            ev.u.bar.bar = (uint8_t)b;
            ev.u.bar.addr = d->bar_start[b];
            ev.u.bar.size = d->bar_len[b];
            /* include/linux/ioport.h: IORESOURCE_IO 0x100, _PREFETCH 0x2000, _MEM_64 0x100000 */
            ev.u.bar.flags = (uint8_t)((d->bar_flags[b] & 0x100 ? NVT_BAR_IO : 0) |
                                       (d->bar_flags[b] & 0x2000 ? NVT_BAR_PREFETCH : 0) |
                                       (d->bar_flags[b] & 0x100000 ? NVT_BAR_64BIT : 0));
            if (nvt_writer_write(im->w, &ev, NULL, err) < 0)
                return -1;
            im->st.records++;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- records ---- */

static nvt_event *new_rec(struct imp *im, struct ldev *d, unsigned type, uint64_t ts,
                          uint32_t cpu)
{
    struct input *in = im->cur;
    int i = in->npend++;
    nvt_event *ev = &in->pend[i];
    memset(ev, 0, sizeof *ev);
    ev->type = (uint8_t)type;
    ev->ts_ns = ts;
    ev->thread = cpu;
    in->pend_dev[i] = (int)(d - im->devs);
    return ev;
}

static void sqe_put(nvt_event *ev, unsigned off, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++) {
        ev->u.sub.sqe[off + i] = (uint8_t)(v >> (8 * i));
        ev->u.sub.known |= 1ull << (off + i);
    }
}

/* Linux's opcode identifiers as its trace events print them (include/linux/nvme.h); the
 * values are the spec's (nvmetrace/nvme.h has their names). */
struct linux_opc {
    const char *name;
    uint8_t opc;
    /* Fields of the event's decoded form: name, SQE byte offset, width. */
    struct { const char *key; uint8_t off, width; } f[6];
};

#define RW_FIELDS {{"slba=", 40, 8}, {"len=", 48, 2}, {"ctrl=", 50, 2}, {"dsmgmt=", 52, 4}, {"reftag=", 56, 4}}
static const struct linux_opc admin_opcs[] = {
    {"nvme_admin_delete_sq", 0x00, {{"sqid=", 40, 2}}},
    {"nvme_admin_create_sq", 0x01, {{"sqid=", 40, 2}, {"qsize=", 42, 2}, {"sq_flags=", 44, 2}, {"cqid=", 46, 2}}},
    {"nvme_admin_get_log_page", 0x02, {{NULL, 0, 0}}},
    {"nvme_admin_delete_cq", 0x04, {{"cqid=", 40, 2}}},
    {"nvme_admin_create_cq", 0x05, {{"cqid=", 40, 2}, {"qsize=", 42, 2}, {"cq_flags=", 44, 2}, {"irq_vector=", 46, 2}}},
    {"nvme_admin_identify", 0x06, {{"cns=", 40, 1}, {"ctrlid=", 42, 2}}},
    {"nvme_admin_abort_cmd", 0x08, {{NULL, 0, 0}}},
    {"nvme_admin_set_features", 0x09, {{"fid=", 40, 1}, {"cdw11=", 44, 4}}},
    {"nvme_admin_get_features", 0x0a, {{"fid=", 40, 1}, {"cdw11=", 44, 4}}},
    {"nvme_admin_async_event", 0x0c, {{NULL, 0, 0}}},
    {"nvme_admin_ns_mgmt", 0x0d, {{NULL, 0, 0}}},
    {"nvme_admin_activate_fw", 0x10, {{NULL, 0, 0}}},
    {"nvme_admin_download_fw", 0x11, {{NULL, 0, 0}}},
    {"nvme_admin_dev_self_test", 0x14, {{NULL, 0, 0}}},
    {"nvme_admin_ns_attach", 0x15, {{NULL, 0, 0}}},
    {"nvme_admin_keep_alive", 0x18, {{NULL, 0, 0}}},
    {"nvme_admin_directive_send", 0x19, {{NULL, 0, 0}}},
    {"nvme_admin_directive_recv", 0x1a, {{NULL, 0, 0}}},
    {"nvme_admin_virtual_mgmt", 0x1c, {{NULL, 0, 0}}},
    {"nvme_admin_nvme_mi_send", 0x1d, {{NULL, 0, 0}}},
    {"nvme_admin_nvme_mi_recv", 0x1e, {{NULL, 0, 0}}},
    {"nvme_admin_dbbuf", 0x7c, {{NULL, 0, 0}}},
    {"nvme_admin_format_nvm", 0x80, {{NULL, 0, 0}}},
    {"nvme_admin_security_send", 0x81, {{NULL, 0, 0}}},
    {"nvme_admin_security_recv", 0x82, {{NULL, 0, 0}}},
    {"nvme_admin_sanitize_nvm", 0x84, {{NULL, 0, 0}}},
    {"nvme_admin_get_lba_status", 0x86, {{NULL, 0, 0}}},
    {NULL, 0, {{NULL, 0, 0}}}};
static const struct linux_opc io_opcs[] = {
    {"nvme_cmd_flush", 0x00, {{NULL, 0, 0}}},
    {"nvme_cmd_write", 0x01, RW_FIELDS},
    {"nvme_cmd_read", 0x02, RW_FIELDS},
    {"nvme_cmd_write_uncor", 0x04, {{NULL, 0, 0}}},
    {"nvme_cmd_compare", 0x05, {{NULL, 0, 0}}},
    {"nvme_cmd_write_zeroes", 0x08, RW_FIELDS},
    {"nvme_cmd_dsm", 0x09, {{"nr=", 40, 4}, {"attributes=", 44, 4}}},
    {"nvme_cmd_verify", 0x0c, {{NULL, 0, 0}}},
    {"nvme_cmd_resv_register", 0x0d, {{NULL, 0, 0}}},
    {"nvme_cmd_resv_report", 0x0e, {{NULL, 0, 0}}},
    {"nvme_cmd_resv_acquire", 0x11, {{NULL, 0, 0}}},
    {"nvme_cmd_resv_release", 0x15, {{NULL, 0, 0}}},
    {"nvme_cmd_zone_mgmt_send", 0x79, {{NULL, 0, 0}}},
    {"nvme_cmd_zone_mgmt_recv", 0x7a, {{NULL, 0, 0}}},
    {"nvme_cmd_zone_append", 0x7d, RW_FIELDS},
    {NULL, 0, {{NULL, 0, 0}}}};

/* "cdw10=05 00 ff 03 ..." (the event's raw form): up to 24 bytes from SQE offset 40. */
static int raw_cdws(nvt_event *ev, const char *p, const char *e)
{
    unsigned n = 0;
    while (n < 24 && p + 2 <= e) {
        uint64_t v;
        char two[5] = {'0', 'x', p[0], p[1], 0};
        if (parse_num(two, two + 4, &v) != two + 4)
            return -1;
        sqe_put(ev, 40 + n++, 1, v);
        p += 2;
        if (p < e && *p == ' ')
            p++;
        else
            break;
    }
    return n ? 0 : -1;
}

/* args: "nvme0: [disk=nvme0n1, ]qid=1, ..." -> the device, the rest after "nvme0: ". */
static struct ldev *ctrl_of(struct imp *im, const char **pp, const char *e)
{
    const char *p = *pp, *c = memchr(p, ':', (size_t)(e - p));
    if (!c || c - p < 5 || memcmp(p, "nvme", 4) != 0)
        return NULL;
    *pp = c + 1;
    return dev_by_ctrl(im, p, (size_t)(c - p));
}

static int setup_cmd(struct imp *im, const char *p, const char *e, uint64_t ts, uint32_t cpu,
                     const char *line, size_t len, nvt_error *err)
{
    struct ldev *d = ctrl_of(im, &p, e);
    uint64_t qid, cid, nsid, flags, meta;
    const char *cmd = d ? find_key(p, e, "cmd=(", 5) : NULL;
    if (!cmd || key_num(p, cmd, "qid=", &qid) || key_num(p, cmd, "cmdid=", &cid) ||
        key_num(p, cmd, "nsid=", &nsid) || key_num(p, cmd, "flags=", &flags) ||
        key_num(p, cmd, "meta=", &meta) || qid >= MAX_QID || cid > 0xffff || flags > 0xff)
        return bad_line(im, err, line, len, "nvme_setup_cmd without the fields of kernel 6.1+");
    const char *ce = e;
    while (ce > cmd && ce[-1] != ')')
        ce--;
    if (ce > cmd)
        ce--;
    const char *ne = cmd;
    while (ne < ce && *ne != ' ' && *ne != ',' && *ne != ')')
        ne++;
    const struct linux_opc *o = NULL;
    uint64_t opc;
    for (const struct linux_opc *t = qid ? io_opcs : admin_opcs; t->name; t++)
        if (strlen(t->name) == (size_t)(ne - cmd) && memcmp(t->name, cmd, (size_t)(ne - cmd)) == 0) {
            o = t;
            break;
        }
    if (o)
        opc = o->opc;
    else if (parse_num(cmd, ne, &opc) != ne || opc > 0xff) /* __print_symbolic: 0x.. if unnamed */
        return bad_line(im, err, line, len, "nvme_setup_cmd with an opcode this importer does not know");
    nvt_event *ev = new_rec(im, d, NVT_EV_SUBMISSION, ts, cpu);
    ev->flags = NVT_F_RECONSTRUCTED;
    ev->u.sub.qid = (uint16_t)qid;
    ev->u.sub.slot = NVT_SLOT_UNKNOWN;
    sqe_put(ev, 0, 1, opc);
    sqe_put(ev, 1, 1, flags);
    sqe_put(ev, 2, 2, cid);
    sqe_put(ev, 4, 4, nsid);
    sqe_put(ev, 16, 8, meta); /* MPTR */
    const char *raw = find_key(ne, ce, "cdw10=", 6);
    if (raw) {
        if (raw_cdws(ev, raw, ce) < 0)
            return bad_line(im, err, line, len, "nvme_setup_cmd with a malformed cdw10= byte list");
    } else if (o) {
        for (unsigned i = 0; i < 6 && o->f[i].key; i++) {
            uint64_t v;
            if (key_num(ne, ce, o->f[i].key, &v) == 0)
                sqe_put(ev, o->f[i].off, o->f[i].width, v);
        }
    }
    return 0;
}

static int sq_event(struct imp *im, const char *p, const char *e, const char *line, size_t len,
                    nvt_error *err)
{
    struct ldev *d = ctrl_of(im, &p, e);
    uint64_t qid, head;
    if (!d || key_num(p, e, "qid=", &qid) || key_num(p, e, "head=", &head) || qid >= MAX_QID ||
        head > 0xffff)
        return bad_line(im, err, line, len, "nvme_sq without qid= and head=");
    if (!d->sq_head) {
        d->sq_head = malloc(MAX_QID * sizeof *d->sq_head);
        if (!d->sq_head) {
            err->code = NVT_E_NOMEM;
            snprintf(err->msg, sizeof err->msg, "out of memory");
            return -1;
        }
        memset(d->sq_head, 0xff, MAX_QID * sizeof *d->sq_head);
    }
    d->sq_head[qid] = (uint16_t)head;
    return 0;
}

static int complete_rq(struct imp *im, const char *p, const char *e, uint64_t ts, uint32_t cpu,
                       const char *line, size_t len, nvt_error *err)
{
    struct ldev *d = ctrl_of(im, &p, e);
    uint64_t qid, cid, res, status;
    if (!d || key_num(p, e, "qid=", &qid) || key_num(p, e, "cmdid=", &cid) ||
        key_num(p, e, "res=", &res) || key_num(p, e, "status=", &status) || qid >= MAX_QID ||
        cid > 0xffff || status > 0x7fff)
        return bad_line(im, err, line, len, "nvme_complete_rq without qid, cmdid, res and status");
    nvt_event *ev = new_rec(im, d, NVT_EV_COMPLETION, ts, cpu);
    ev->flags = NVT_F_RECONSTRUCTED;
    ev->u.cpl.qid = (uint16_t)qid; /* Linux pairs SQ y with CQ y */
    ev->u.cpl.slot = NVT_SLOT_UNKNOWN;
    uint8_t *q = ev->u.cpl.cqe;
    for (unsigned i = 0; i < 8; i++)
        q[i] = (uint8_t)(res >> (8 * i));
    uint16_t known = 0x00ff | 0x0c00 | 0x3000 | 0x8000; /* dw0, dw1, SQ id, CID, status high */
    if (d->sq_head && d->sq_head[qid] != 0xffff) {
        q[8] = (uint8_t)d->sq_head[qid];
        q[9] = (uint8_t)(d->sq_head[qid] >> 8);
        known |= 0x0300;
        d->sq_head[qid] = 0xffff;
    }
    q[10] = (uint8_t)qid;
    q[11] = (uint8_t)(qid >> 8);
    q[12] = (uint8_t)cid;
    q[13] = (uint8_t)(cid >> 8);
    uint16_t sf = (uint16_t)(status << 1); /* the phase tag (bit 0) is not in the event */
    q[14] = (uint8_t)sf;
    q[15] = (uint8_t)(sf >> 8);
    ev->u.cpl.known = known;
    return 0;
}

static void annotation(struct imp *im, struct ldev *d, unsigned level, uint64_t ts,
                       const char *text, size_t len)
{
    nvt_event *ev = new_rec(im, d, NVT_EV_ANNOTATION, ts, 0);
    char *t = im->cur->pend_text[im->cur->npend - 1];
    size_t n = len < sizeof im->cur->pend_text[0] ? len : sizeof im->cur->pend_text[0];
    memcpy(t, text, n);
    ev->u.ann.level = (uint8_t)level;
    ev->u.ann.len = (uint16_t)n;
    ev->u.ann.text = t;
}

static void count_other(struct imp *im, const char *name, size_t len)
{
    im->st.other_lines++;
    if (len >= sizeof im->other[0].name)
        len = sizeof im->other[0].name - 1;
    for (int i = 0; i < im->nother; i++)
        if (strlen(im->other[i].name) == len && memcmp(im->other[i].name, name, len) == 0) {
            im->other[i].count++;
            return;
        }
    if (im->nother == MAX_OTHER_NAMES) {
        im->other_more++;
        return;
    }
    memcpy(im->other[im->nother].name, name, len);
    im->other[im->nother].name[len] = 0;
    im->other[im->nother++].count = 1;
}

/* "task-pid [cpu] flags ts: event: args" */
static int event_line(struct imp *im, const char *line, size_t len, nvt_error *err)
{
    const char *e = line + len, *p = memchr(line, '[', len);
    uint64_t cpu, ts;
    if (!p || !(p = parse_num(p + 1, e, &cpu)) || p >= e || *p != ']')
        return bad_line(im, err, line, len, "neither an ftrace event line nor an mmiotrace line");
    p = skip_spaces(p + 1, e);
    const char *t = parse_time(p, e, &ts);
    if (!t) { /* a flags column ("d.h1.") comes first */
        while (p < e && !is_space(*p))
            p++;
        t = parse_time(skip_spaces(p, e), e, &ts);
    }
    if (!t || t >= e || *t != ':')
        return bad_line(im, err, line, len, "ftrace line without a timestamp");
    const char *name = skip_spaces(t + 1, e), *ne = name;
    while (ne < e && *ne != ':' && !is_space(*ne))
        ne++;
    if (ne >= e || *ne != ':')
        return bad_line(im, err, line, len, "ftrace line without an event name");
    if (ne - name == 4 && memcmp(name, "nvme", 4) == 0 && ne + 1 < e && ne[1] != ' ') {
        name = ne + 1; /* perf script's "nvme:nvme_setup_cmd:" */
        for (ne = name; ne < e && *ne != ':'; ne++)
            ;
        if (ne >= e)
            return bad_line(im, err, line, len, "ftrace line without an event name");
    }
    size_t nl = (size_t)(ne - name);
    const char *a = skip_spaces(ne + 1, e);
    uint64_t bad = im->st.bad_lines;
    int rc;
    if (nl == 14 && memcmp(name, "nvme_setup_cmd", 14) == 0)
        rc = setup_cmd(im, a, e, ts, (uint32_t)cpu, line, len, err);
    else if (nl == 16 && memcmp(name, "nvme_complete_rq", 16) == 0)
        rc = complete_rq(im, a, e, ts, (uint32_t)cpu, line, len, err);
    else if (nl == 7 && memcmp(name, "nvme_sq", 7) == 0)
        rc = sq_event(im, a, e, line, len, err);
    else if (nl == 16 && memcmp(name, "nvme_async_event", 16) == 0) {
        struct ldev *d = ctrl_of(im, &a, e);
        if (!d)
            return bad_line(im, err, line, len, "nvme_async_event without its controller");
        annotation(im, d, NVT_ANN_NOTE, ts, skip_spaces(a, e), (size_t)(e - skip_spaces(a, e)));
        rc = 0;
    } else {
        count_other(im, name, nl);
        return 0;
    }
    if (rc == 0 && bad == im->st.bad_lines)
        im->st.nvme_events++;
    return rc;
}

/* ------------------------------------------------------------- mmiotrace ---- */

static struct ldev *bar_of(struct imp *im, uint64_t pa, unsigned *bar, uint32_t *off)
{
    for (int i = 0; i < im->ndevs; i++)
        for (unsigned b = 0; b < 6; b++)
            if (im->devs[i].bar_len[b] && pa >= im->devs[i].bar_start[b] &&
                pa - im->devs[i].bar_start[b] < im->devs[i].bar_len[b]) {
                *bar = b;
                *off = (uint32_t)(pa - im->devs[i].bar_start[b]);
                return &im->devs[i];
            }
    return NULL;
}

/* The MSI-X table or PBA (QEMU puts them in BAR0, after the doorbells). */
static int in_msix(const struct ldev *d, unsigned bar, uint32_t off)
{
    for (unsigned i = 0; i < 2; i++)
        if (d->msix_bar[i] == bar && off >= d->msix_off[i] && off - d->msix_off[i] < d->msix_len[i])
            return 1;
    return 0;
}

/* Finds the MSI-X capability (ID 0x11) in the config space sysfs gave: where table and PBA are. */
static void find_msix(struct ldev *d)
{
    d->msix_bar[0] = d->msix_bar[1] = 0xff;
    if (d->cfg_len < 64 || !(d->cfg[6] & 0x10)) /* Status: Capabilities List */
        return;
    unsigned p = d->cfg[0x34] & 0xfc;
    for (unsigned hops = 0; p >= 0x40 && p + 12 <= d->cfg_len && hops < 48; hops++) {
        if (d->cfg[p] == 0x11) {
            unsigned entries = ((d->cfg[p + 2] | d->cfg[p + 3] << 8) & 0x7ff) + 1;
            for (unsigned i = 0; i < 2; i++) {
                const uint8_t *r = &d->cfg[p + 4 + 4 * i];
                uint32_t v = (uint32_t)r[0] | (uint32_t)r[1] << 8 | (uint32_t)r[2] << 16 |
                             (uint32_t)r[3] << 24;
                d->msix_bar[i] = (uint8_t)(v & 7);
                d->msix_off[i] = v & ~7u;
                d->msix_len[i] = i == 0 ? entries * 16 : ((entries + 63) / 64) * 8;
            }
            return;
        }
        p = d->cfg[p + 1] & 0xfc;
    }
}

static int mmio_rw(struct imp *im, int write, const char *line, size_t len, nvt_error *err)
{
    const char *p = line + 2, *e = line + len;
    uint64_t width, ts, map, pa, val;
    if (!(p = parse_num(skip_spaces(p, e), e, &width)) ||
        !(p = parse_time(skip_spaces(p, e), e, &ts)) ||
        !(p = parse_num(skip_spaces(p, e), e, &map)) ||
        !(p = parse_num(skip_spaces(p, e), e, &pa)) ||
        !(p = parse_num(skip_spaces(p, e), e, &val)) ||
        (width != 1 && width != 2 && width != 4 && width != 8))
        return bad_line(im, err, line, len, "mmiotrace R/W line not of the form "
                                            "\"R|W width secs.usec map-id 0xaddr 0xvalue ...\"");
    unsigned bar;
    uint32_t off;
    struct ldev *d = bar_of(im, pa, &bar, &off);
    if (!d) {
        im->st.mmio_outside++;
        return 0;
    }
    nvt_event *ev = new_rec(im, d, write ? NVT_EV_MMIO_WRITE : NVT_EV_MMIO_READ, ts, 0);
    ev->u.mmio.bar = (uint8_t)bar;
    ev->u.mmio.size = (uint8_t)width;
    ev->u.mmio.offset = off;
    ev->u.mmio.value = val;
    ev->u.mmio.gpa = pa;
    if (bar != 0)
        return 0;
    if (!write && off == NVME_REG_CAP) {
        d->cap_lo = (uint32_t)val;
        d->cap_seen |= 1;
        if (width == 8) {
            d->cap_hi = (uint32_t)(val >> 32);
            d->cap_seen |= 2;
        }
    } else if (!write && off == NVME_REG_CAP + 4 && width == 4) {
        d->cap_hi = (uint32_t)val;
        d->cap_seen |= 2;
    } else if (write && off >= NVME_REG_DBS && (d->cap_seen & 2) && !in_msix(d, bar, off)) {
        uint32_t stride = 4u << (d->cap_hi & 0xf); /* CAP.DSTRD, bits 35:32 */
        uint32_t idx = (off - NVME_REG_DBS) / stride;
        if ((off - NVME_REG_DBS) % stride == 0 && idx / 2 < MAX_QID) {
            nvt_event *db = new_rec(im, d, NVT_EV_DOORBELL, ts, 0);
            db->u.doorbell.qid = (uint16_t)(idx / 2);
            db->u.doorbell.is_cq = (uint8_t)(idx & 1);
            db->u.doorbell.value = (uint32_t)val;
        }
    }
    return 0;
}

static int mmio_line(struct imp *im, const char *line, size_t len, nvt_error *err)
{
    im->st.mmio_lines++;
    if (line[0] == 'R' || line[0] == 'W')
        return mmio_rw(im, line[0] == 'W', line, len, err);
    if (len > 5 && memcmp(line, "MARK ", 5) == 0) {
        uint64_t ts;
        const char *e = line + len, *p = parse_time(line + 5, e, &ts);
        if (!p)
            return bad_line(im, err, line, len, "mmiotrace MARK line without a timestamp");
        p = skip_spaces(p, e);
        if (im->ndevs) /* a marker belongs to the trace: give it to the first device */
            annotation(im, &im->devs[0], NVT_ANN_MARKER, ts, p, (size_t)(e - p));
    }
    return 0; /* MAP/UNMAP (ioremap, not BAR placement), VERSION, PCIDEV: counted only */
}

/* ----------------------------------------------------------- identity lines ---- */

static int meta_line(struct imp *im, const char *line, size_t len, nvt_error *err)
{
    const char *e = line + len, *p = line + 6; /* after "# nvt-" */
    const char *kw = p;
    while (p < e && !is_space(*p))
        p++;
    size_t kl = (size_t)(p - kw);
    p = skip_spaces(p, e);
    if (kl == 12 && memcmp(kw, "guest-record", 12) == 0) {
        const char *k = find_key(p, e, "kernel=", 7);
        if (k) {
            const char *ke = k;
            while (ke < e && !is_space(*ke))
                ke++;
            snprintf(im->kernel, sizeof im->kernel, "%.*s", (int)(ke - k), k);
        }
        return 0;
    }
    if (kl == 3 && !memcmp(kw, "end", 3))
        return 0;
    const char *b = p;
    while (p < e && !is_space(*p))
        p++;
    size_t bl = (size_t)(p - b);
    p = skip_spaces(p, e);
    if (!bl)
        return bad_line(im, err, line, len, "nvt- identity line without a PCI address");
    if (kl == 4 && !memcmp(kw, "ctrl", 4)) { /* "# nvt-ctrl nvme0 0000:00:02.0" */
        struct ldev *d = dev_by_bdf(im, p, (size_t)(e - p), 1);
        if (!d || im->nctrls == MAX_CTRLS || bl >= sizeof im->ctrls[0].name)
            return bad_line(im, err, line, len, "too many devices or a malformed nvt-ctrl line");
        snprintf(im->ctrls[im->nctrls].name, sizeof im->ctrls[0].name, "%.*s", (int)bl, b);
        im->ctrls[im->nctrls++].dev = (int)(d - im->devs);
        return 0;
    }
    struct ldev *d = dev_by_bdf(im, b, bl, 1);
    if (!d)
        return bad_line(im, err, line, len, "too many devices");
    if (kl == 3 && !memcmp(kw, "pci", 3)) {
        uint64_t v;
        if (key_num(p, e, "vendor=", &v) == 0) d->dev.vendor_id = (uint16_t)v;
        if (key_num(p, e, "device=", &v) == 0) d->dev.device_id = (uint16_t)v;
        if (key_num(p, e, "subvendor=", &v) == 0) d->dev.subsys_vendor_id = (uint16_t)v;
        if (key_num(p, e, "subdevice=", &v) == 0) d->dev.subsys_id = (uint16_t)v;
        if (key_num(p, e, "class=", &v) == 0) d->dev.class_code = (uint32_t)v & 0xffffff;
        if (key_num(p, e, "rev=", &v) == 0) d->dev.revision = (uint8_t)v;
        return 0;
    }
    if (kl == 8 && !memcmp(kw, "resource", 8)) { /* "BDF index start end flags" */
        uint64_t i, s, en, fl;
        if (!(p = parse_num(p, e, &i)) || !(p = parse_num(skip_spaces(p, e), e, &s)) ||
            !(p = parse_num(skip_spaces(p, e), e, &en)) ||
            !(p = parse_num(skip_spaces(p, e), e, &fl)) || en < s)
            return bad_line(im, err, line, len, "nvt-resource line not \"BDF index start end flags\"");
        if (i < 6) { /* 6 = the expansion ROM: not a BAR the driver accesses */
            d->bar_start[i] = s;
            d->bar_len[i] = en - s + 1;
            d->bar_flags[i] = (uint32_t)fl;
        }
        return 0;
    }
    if (kl == 6 && !memcmp(kw, "config", 6)) {
        size_t n = 0;
        for (; p + 1 < e && n < sizeof d->cfg; p += 2) {
            uint64_t v;
            char two[5] = {'0', 'x', p[0], p[1], 0};
            if (parse_num(two, two + 4, &v) != two + 4)
                return bad_line(im, err, line, len, "nvt-config line with a non-hex byte");
            d->cfg[n++] = (uint8_t)v;
        }
        d->cfg_len = n;
        find_msix(d);
        return 0;
    }
    im->st.comment_lines++; /* a newer recorder's line: not an error */
    return 0;
}

/* ------------------------------------------------------------------ lines ---- */

static int handle_line(struct imp *im, const char *line, size_t len, nvt_error *err)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (!len)
        return 0;
    if (line[0] == '#') {
        if (len > 6 && memcmp(line, "# nvt-", 6) == 0)
            return meta_line(im, line, len, err);
        im->st.comment_lines++;
        return 0;
    }
    switch (line[0]) {
    case 'R':
    case 'W':
        if (len > 2 && line[1] == ' ')
            return mmio_line(im, line, len, err);
        break;
    case 'M':
        if ((len > 4 && !memcmp(line, "MAP ", 4)) || (len > 5 && !memcmp(line, "MARK ", 5)))
            return mmio_line(im, line, len, err);
        break;
    case 'U':
        if (len > 6 && !memcmp(line, "UNMAP ", 6))
            return mmio_line(im, line, len, err);
        break;
    case 'V':
        if (len > 8 && !memcmp(line, "VERSION ", 8))
            return mmio_line(im, line, len, err);
        break;
    case 'P':
        if (len > 7 && !memcmp(line, "PCIDEV ", 7))
            return mmio_line(im, line, len, err);
        break;
    case 'c': /* trace-cmd report's first line, "cpus=2" */
        if (len > 5 && !memcmp(line, "cpus=", 5)) {
            im->st.comment_lines++;
            return 0;
        }
        break;
    case 'C': { /* "CPU:0 [LOST 12 EVENTS]" */
        const char *l = len > 6 && !memcmp(line, "CPU:", 4) ? memchr(line, '[', len) : NULL;
        uint64_t n;
        if (l && line + len - l > 6 && !memcmp(l, "[LOST ", 6) && parse_num(l + 6, line + len, &n)) {
            im->st.lost_events += n;
            return 0;
        }
        break;
    }
    default:
        break;
    }
    return event_line(im, line, len, err);
}

/* Next line of in (without its newline) into line and len: 1, 0 at the end, -1 on error. */
static int next_line(struct imp *im, struct input *in, const char **line, size_t *len,
                     nvt_error *err)
{
    for (;;) {
        char *s = in->buf + in->pos, *nl = memchr(s, '\n', in->len - in->pos);
        if (nl || (in->eof && in->pos < in->len)) {
            size_t n = nl ? (size_t)(nl - s) : in->len - in->pos;
            in->pos += n + (nl ? 1 : 0);
            in->line_no++;
            in->offset = in->next_offset;
            in->next_offset += n + (nl ? 1 : 0);
            *line = s;
            *len = n;
            return 1;
        }
        if (in->eof)
            return 0;
        if (in->pos == 0 && in->len == BUF_SIZE) {
            im->cur = in;
            in->line_no++;
            in->offset = in->next_offset;
            return fail_line(im, err, "line longer than %u bytes", BUF_SIZE);
        }
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
        size_t got = fread(in->buf + in->len, 1, BUF_SIZE - in->len, in->f);
        in->len += got;
        if (got == 0) {
            if (ferror(in->f)) {
                err->code = NVT_E_IO;
                err->offset = in->next_offset;
                snprintf(err->msg, sizeof err->msg, "%s: read error", in->name);
                return -1;
            }
            in->eof = 1;
        }
    }
}

/* Reads lines of in until it has a pending record or ends. Returns 1 (a record), 0 (end), -1. */
static int fill(struct imp *im, struct input *in, nvt_error *err)
{
    while (in->ipend >= in->npend) {
        in->npend = in->ipend = 0;
        const char *line = NULL;
        size_t len = 0;
        int rc = next_line(im, in, &line, &len, err);
        if (rc <= 0)
            return rc;
        im->st.lines++;
        im->cur = in;
        if (handle_line(im, line, len, err) < 0)
            return -1;
    }
    return 1;
}

static int write_pending(struct imp *im, struct input *in, nvt_error *err)
{
    int i = in->ipend++;
    nvt_event *ev = &in->pend[i];
    struct ldev *d = &im->devs[in->pend_dev[i]];
    if (write_dev(im, d, ev->ts_ns, err) < 0)
        return -1;
    ev->device = (uint32_t)d->out;
    if (nvt_writer_write(im->w, ev, NULL, err) < 0)
        return -1;
    im->st.records++;
    im->last_ts = ev->ts_ns > im->last_ts ? ev->ts_ns : im->last_ts;
    return 0;
}

/* After the trace: each device's config space as sysfs returned it to the recorder. */
static int write_config(struct imp *im, nvt_error *err)
{
    for (int i = 0; i < im->ndevs; i++) {
        struct ldev *d = &im->devs[i];
        if (d->out < 0 || !d->cfg_len)
            continue;
        char note[] = "config space below: as read from sysfs by nvmetrace-guest-record after the trace";
        nvt_event a = {.ts_ns = im->last_ts, .device = (uint32_t)d->out, .type = NVT_EV_ANNOTATION};
        a.u.ann.level = NVT_ANN_NOTE;
        a.u.ann.len = (uint16_t)strlen(note);
        a.u.ann.text = note;
        if (nvt_writer_write(im->w, &a, NULL, err) < 0)
            return -1;
        im->st.records++;
        for (size_t off = 0; off + 4 <= d->cfg_len; off += 4) {
            nvt_event ev = {.ts_ns = im->last_ts, .device = (uint32_t)d->out, .type = NVT_EV_CFG_READ};
            ev.u.cfg.offset = (uint16_t)off;
            ev.u.cfg.size = 4;
            ev.u.cfg.value = (uint32_t)d->cfg[off] | (uint32_t)d->cfg[off + 1] << 8 |
                             (uint32_t)d->cfg[off + 2] << 16 | (uint32_t)d->cfg[off + 3] << 24;
            if (nvt_writer_write(im->w, &ev, NULL, err) < 0)
                return -1;
            im->st.records++;
        }
    }
    return 0;
}

static int write_summary(struct imp *im, nvt_error *err)
{
    int d0 = -1;
    for (int i = 0; i < im->ndevs && d0 < 0; i++)
        d0 = im->devs[i].out;
    if (d0 < 0)
        return 0;
    uint64_t warnings = im->st.other_lines + im->st.bad_lines + im->st.mmio_outside;
    if (warnings || im->st.lost_events) {
        char text[1024];
        size_t n = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (n < sizeof text)                                                                       \
            n += (size_t)snprintf(text + n, sizeof text - n, __VA_ARGS__);                         \
    } while (0)
        ADD("linux-trace import: %llu lines", (unsigned long long)im->st.lines);
        if (im->st.lost_events)
            ADD("; %llu events lost in the kernel's buffer", (unsigned long long)im->st.lost_events);
        if (im->st.bad_lines)
            ADD("; %llu malformed lines skipped, the first at line %llu",
                (unsigned long long)im->st.bad_lines, (unsigned long long)im->st.first_bad_line);
        if (im->st.mmio_outside)
            ADD("; %llu MMIO accesses outside the NVMe BARs", (unsigned long long)im->st.mmio_outside);
        if (im->st.other_lines) {
            ADD("; %llu lines of other events:", (unsigned long long)im->st.other_lines);
            for (int i = 0; i < im->nother; i++)
                ADD(" %s (%llu)", im->other[i].name, (unsigned long long)im->other[i].count);
            if (im->other_more)
                ADD(" others (%llu)", (unsigned long long)im->other_more);
        }
#undef ADD
        if (n >= sizeof text)
            n = sizeof text - 1;
        nvt_event a = {.ts_ns = im->last_ts, .device = (uint32_t)d0, .type = NVT_EV_ANNOTATION};
        a.u.ann.level = NVT_ANN_WARNING;
        a.u.ann.len = (uint16_t)n;
        a.u.ann.text = text;
        if (nvt_writer_write(im->w, &a, NULL, err) < 0)
            return -1;
        im->st.records++;
    }
    nvt_event s = {.ts_ns = im->last_ts, .device = (uint32_t)d0, .type = NVT_EV_CAPTURE_STATS};
    s.u.stats.recorded = im->st.records;
    s.u.stats.dropped = im->st.lost_events;
    s.u.stats.warnings = warnings;
    if (nvt_writer_write(im->w, &s, NULL, err) < 0)
        return -1;
    im->st.records++;
    return 0;
}

static int run(struct imp *im, struct input *in, size_t n, nvt_error *err)
{
    int have[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        if ((have[i] = fill(im, &in[i], err)) < 0)
            return -1;
    while (have[0] || (n > 1 && have[1])) {
        size_t k = 0;
        if (n > 1 && have[1] && (!have[0] || in[1].pend[in[1].ipend].ts_ns < in[0].pend[in[0].ipend].ts_ns))
            k = 1;
        if (write_pending(im, &in[k], err) < 0 || (have[k] = fill(im, &in[k], err)) < 0)
            return -1;
    }
    im->cur = NULL;
    uint64_t usable = im->st.nvme_events + (im->st.mmio_lines ? im->st.records : 0);
    if (!usable || !im->st.records) {
        err->code = NVT_E_FORMAT;
        err->offset = UINT64_MAX;
        snprintf(err->msg, sizeof err->msg,
                 "%s%s%s: no nvme event and no MMIO access of an NVMe function in %llu lines "
                 "(%llu malformed and skipped, %llu of other events, %llu mmiotrace lines, %llu "
                 "of them outside any known NVMe BAR; mmiotrace needs the recorder's "
                 "nvt-resource lines)",
                 in[0].name, n > 1 ? " + " : "", n > 1 ? in[1].name : "",
                 (unsigned long long)im->st.lines, (unsigned long long)im->st.bad_lines,
                 (unsigned long long)im->st.other_lines,
                 (unsigned long long)im->st.mmio_lines, (unsigned long long)im->st.mmio_outside);
        return -1;
    }
    if (write_config(im, err) < 0 || write_summary(im, err) < 0)
        return -1;
    return 0;
}

int nvt_linux_import_files(const char *const *paths, size_t n, const nvt_linux_import_opts *opts,
                           nvt_writer *w, nvt_linux_import_stats *stats, nvt_error *err)
{
    struct imp *im = calloc(1, sizeof *im);
    struct input in[2];
    memset(in, 0, sizeof in);
    int rc = -1;
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!im) {
        err->code = NVT_E_NOMEM;
        snprintf(err->msg, sizeof err->msg, "out of memory");
        return -1;
    }
    if (n < 1 || n > 2 || (n == 2 && !strcmp(paths[0], "-") && !strcmp(paths[1], "-"))) {
        err->code = NVT_E_ARG;
        snprintf(err->msg, sizeof err->msg, "one or two inputs, standard input at most once");
        goto out;
    }
    if (opts)
        im->opts = *opts;
    im->w = w;
    for (size_t i = 0; i < n; i++) {
        in[i].name = paths[i];
        in[i].f = strcmp(paths[i], "-") ? fopen(paths[i], "rb") : stdin;
        in[i].buf = malloc(BUF_SIZE);
        if (!in[i].f || !in[i].buf) {
            err->code = in[i].f ? NVT_E_NOMEM : NVT_E_IO;
            err->offset = UINT64_MAX;
            snprintf(err->msg, sizeof err->msg, "%s: %s", paths[i],
                     in[i].f ? "out of memory" : strerror(errno));
            goto out;
        }
    }
    rc = run(im, in, n, err);
out:
    for (size_t i = 0; i < 2; i++) {
        if (in[i].f && in[i].f != stdin)
            fclose(in[i].f);
        free(in[i].buf);
    }
    for (int i = 0; i < im->ndevs; i++)
        free(im->devs[i].sq_head);
    if (stats)
        *stats = im->st;
    free(im);
    return rc;
}
