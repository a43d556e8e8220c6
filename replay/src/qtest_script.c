/*
 * qtest scripts, the language of QEMU's own fuzzer reproducers and bug reports: import one as a
 * trace, export a trace as one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* ---------------------------------------------------------------------------------------- */
/* import */

struct imp {
    nvt_trace *t;
    nvt_error *err;
    nvt_qtest_import_stats *st;
    uint64_t ts;
    unsigned bus, slot, fn;  /* the device the script drives */
    uint32_t cf8;
    int cf8_pending;         /* a cf8 write not yet consumed by a 0xcfc access */
    uint32_t bar_lo[6], bar_hi[6];
    uint16_t command;
    const char *name;        /* the script's file name, for errors */
    int line;
};

static int add_event(struct imp *m, nvt_event *ev)
{
    ev->ts_ns = m->ts;
    m->ts += 1000; /* one microsecond apart: scripts carry no time */
    ev->device = 0;
    ev->seq = m->st->events;
    if (nvt_trace_append(m->t, ev) < 0) {
        rp_error(m->err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    m->st->events++;
    return 0;
}

static int passthrough(struct imp *m, const char *cmd)
{
    char text[4096];
    int n = snprintf(text, sizeof text, "qtest: %s", cmd);
    if (n < 0 || (size_t)n >= sizeof text) {
        /* A long RAM write: keep it whole. */
        char *big = malloc(strlen(cmd) + 8);
        if (!big) {
            rp_error(m->err, NVT_E_NOMEM, "out of memory");
            return -1;
        }
        sprintf(big, "qtest: %s", cmd);
        nvt_event ev = {.type = NVT_EV_ANNOTATION};
        ev.u.ann.level = NVT_ANN_NOTE;
        size_t len = strlen(big);
        if (len > 0xffff) {
            free(big);
            rp_error(m->err, NVT_E_ARG, "%s: line %d: command longer than 65535 bytes", m->name,
                     m->line);
            return -1;
        }
        ev.u.ann.len = (uint16_t)len;
        ev.u.ann.text = big;
        int rc = add_event(m, &ev);
        free(big);
        m->st->passthrough++;
        return rc;
    }
    nvt_event ev = {.type = NVT_EV_ANNOTATION};
    ev.u.ann.level = NVT_ANN_NOTE;
    ev.u.ann.len = (uint16_t)n;
    ev.u.ann.text = text;
    m->st->passthrough++;
    return add_event(m, &ev);
}

/* The device's BAR holding addr (memory decoding on), or -1. */
static int bar_hit(const struct imp *m, uint64_t addr, uint32_t *off)
{
    if (!(m->command & 0x2))
        return -1;
    for (int b = 0; b < 6; b++) {
        uint32_t lo = m->bar_lo[b];
        if (lo & 1)
            continue; /* I/O BAR */
        int is64 = (lo & 0x6) == 0x4 && b < 5;
        uint64_t base = (uint64_t)(is64 ? m->bar_hi[b] : 0) << 32 | (lo & ~0xfu);
        /* QEMU's NVMe BAR0 is 16 KiB (registers, doorbells, MSI-X table and PBA); a script does
         * not say the size, so accesses beyond it are left as they are. */
        if (base && addr >= base && addr - base < 0x4000) {
            *off = (uint32_t)(addr - base);
            return b;
        }
        if (is64)
            b++;
    }
    return -1;
}

static int cfg_access(struct imp *m, int write, int size, uint16_t port, uint32_t value)
{
    nvt_event ev = {.type = write ? NVT_EV_CFG_WRITE : NVT_EV_CFG_READ};
    uint16_t off = (uint16_t)((m->cf8 & 0xfc) + (port - 0xcfc));
    ev.flags = write ? 0 : NVT_F_VALUE_UNKNOWN;
    ev.u.cfg.offset = off;
    ev.u.cfg.size = (uint8_t)size;
    ev.u.cfg.value = write ? value : 0;
    if (write && size == 4 && off >= 0x10 && off < 0x28 && value != 0xffffffffu) {
        int i = (off - 0x10) / 4;
        if (i > 0 && (m->bar_lo[i - 1] & 0x7) == 0x4)
            m->bar_hi[i - 1] = value; /* high half of a 64-bit memory BAR */
        else
            m->bar_lo[i] = value;
    }
    for (int b = 0; write && b < size; b++) {
        uint16_t byte = (uint16_t)((value >> (8 * b)) & 0xff);
        if (off + b == 0x04)
            m->command = (uint16_t)((m->command & 0xff00) | byte);
        else if (off + b == 0x05)
            m->command = (uint16_t)((m->command & 0x00ff) | byte << 8);
    }
    return add_event(m, &ev);
}

static int target_cf8(const struct imp *m)
{
    return (m->cf8 & 0x80000000u) && ((m->cf8 >> 16) & 0xff) == m->bus &&
           ((m->cf8 >> 11) & 0x1f) == m->slot && ((m->cf8 >> 8) & 7) == m->fn;
}

/* One number of a sized access, as QEMU's qtest reads it (strtoull, base 0): the whole word,
 * no sign, at most 64 bits. Returns 0, or -1 with the error naming file and line. */
static int parse_number(struct imp *m, const char *op, const char *word, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(word, &end, 0);
    if (*word == '-' || *word == '+' || end == word || *end || errno == ERANGE) {
        rp_error(m->err, NVT_E_FORMAT, "%s: line %d: %s: %.40s%s is not a number of at most 64 bits",
                 m->name, m->line, op, word, strlen(word) > 40 ? "..." : "");
        return -1;
    }
    *out = v;
    return 0;
}

static int one_command(struct imp *m, char *line)
{
    char op[32], w1[128], w2[128], rest[2];
    unsigned long long a = 0, v = 0;
    int n = sscanf(line, "%31s %127s %127s %1s", op, w1, w2, rest);
    if (n < 1)
        return 0;
    m->st->commands++;
    int size = 0;
    if (!strcmp(op, "outl") || !strcmp(op, "inl") || !strcmp(op, "writel") || !strcmp(op, "readl"))
        size = 4;
    else if (!strcmp(op, "outw") || !strcmp(op, "inw") || !strcmp(op, "writew") || !strcmp(op, "readw"))
        size = 2;
    else if (!strcmp(op, "outb") || !strcmp(op, "inb") || !strcmp(op, "writeb") || !strcmp(op, "readb"))
        size = 1;
    else if (!strcmp(op, "writeq") || !strcmp(op, "readq"))
        size = 8;
    if (size) {
        /* A sized access is checked whole: a number QEMU would refuse, or one wider than the
         * access or the port space, must not become a different access in the trace. */
        int writes = op[0] == 'o' || op[0] == 'w';
        if (n != (writes ? 3 : 2)) {
            rp_error(m->err, NVT_E_FORMAT, "%s: line %d: %s takes %s, not %d word%s", m->name,
                     m->line, op, writes ? "an address and a value" : "an address", n - 1,
                     n == 2 ? "" : "s");
            return -1;
        }
        if (parse_number(m, op, w1, &a) < 0 || (writes && parse_number(m, op, w2, &v) < 0))
            return -1;
        if ((op[0] == 'o' || op[0] == 'i') && a > 0xffff) {
            rp_error(m->err, NVT_E_FORMAT, "%s: line %d: %s: port 0x%llx is beyond 0xffff",
                     m->name, m->line, op, a);
            return -1;
        }
        if (size < 8 && v >> (8 * size)) {
            rp_error(m->err, NVT_E_FORMAT, "%s: line %d: %s: value 0x%llx does not fit %d byte%s",
                     m->name, m->line, op, v, size, size == 1 ? "" : "s");
            return -1;
        }
    }
    int is_out = !strncmp(op, "out", 3), is_in = !strncmp(op, "in", 2);
    int is_write = !strncmp(op, "write", 5) && size, is_read = !strncmp(op, "read", 4) && size;

    if (is_out && size == 4 && n == 3 && a == 0xcf8) {
        /* Held until we know whether a data access for our device follows. */
        if (m->cf8_pending) {
            char prev[64];
            snprintf(prev, sizeof prev, "outl 0xcf8 0x%x", m->cf8);
            if (passthrough(m, prev) < 0)
                return -1;
        }
        m->cf8 = (uint32_t)v;
        m->cf8_pending = 1;
        return 0;
    }
    if ((is_out && n == 3) || (is_in && n >= 2)) {
        if (a >= 0xcfc && a + (unsigned)size <= 0xd00 && target_cf8(m)) {
            m->cf8_pending = 0;
            return cfg_access(m, is_out, size, (uint16_t)a, (uint32_t)v);
        }
        if (a >= 0xcfc && a <= 0xcff && m->cf8_pending) {
            char prev[64];
            snprintf(prev, sizeof prev, "outl 0xcf8 0x%x", m->cf8);
            m->cf8_pending = 0;
            if (passthrough(m, prev) < 0)
                return -1;
        }
        return passthrough(m, line);
    }
    uint32_t off;
    int bar;
    if ((is_write && n == 3) || (is_read && n >= 2)) {
        if ((bar = bar_hit(m, a, &off)) >= 0) {
            nvt_event ev = {.type = is_write ? NVT_EV_MMIO_WRITE : NVT_EV_MMIO_READ};
            ev.flags = is_write ? 0 : NVT_F_VALUE_UNKNOWN;
            ev.u.mmio.bar = (uint8_t)bar;
            ev.u.mmio.size = (uint8_t)size;
            ev.u.mmio.offset = off;
            ev.u.mmio.value = is_write ? v : 0;
            ev.u.mmio.gpa = a;
            if (add_event(m, &ev) < 0)
                return -1;
            if (is_write && bar == 0 && off >= 0x1000 && off < 0x2000 && size == 4 && !(off & 3)) {
                /* QEMU's doorbell stride is 4 bytes (CAP.DSTRD 0). */
                nvt_event db = {.type = NVT_EV_DOORBELL};
                db.u.doorbell.qid = (uint16_t)((off - 0x1000) / 8);
                db.u.doorbell.is_cq = ((off - 0x1000) / 4) & 1;
                db.u.doorbell.value = (uint32_t)v;
                return add_event(m, &db);
            }
            return 0;
        }
    }
    return passthrough(m, line);
}

/* The ARGS of "... | qemu-system-x86_64 ARGS" up to the end of the (continued) line. */
static void take_args(const char *from, char *out, size_t outlen)
{
    size_t o = 0;
    while (*from == ' ' || *from == '\t')
        from++;
    for (const char *p = from; *p && o + 1 < outlen; p++) {
        if (*p == '\\' && p[1] == '\n') {
            p++;
            continue;
        }
        if (*p == '\n')
            break;
        out[o++] = *p;
    }
    out[o] = 0;
}

/* The device the script drives: -device nvme,addr=SS.F if ARGS say, else the function whose
 * BAR it programs (config writes to 0x10-0x27 through 0xcf8). */
static void pick_device(struct imp *m, const char *text, size_t len, const char *args)
{
    m->bus = 0;
    m->slot = 4;
    m->fn = 0;
    const char *nv = strstr(args, "nvme");
    const char *addr = nv ? strstr(nv, "addr=") : NULL;
    unsigned s, f = 0;
    /* Widths bound the numbers (no overflow); a slot or function PCI does not have is ignored. */
    if (addr && (sscanf(addr, "addr=0x%2x", &s) == 1 || sscanf(addr, "addr=%2x.%1x", &s, &f) >= 1) &&
        s <= 0x1f && f <= 7) {
        m->slot = s;
        m->fn = f;
        return;
    }
    uint32_t cf8 = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char buf[128];
        snprintf(buf, sizeof buf, "%.*s", (int)(l < 127 ? l : 127), p);
        if (!strncmp(buf, "outl 0xcf8 ", 11))
            cf8 = (uint32_t)strtoull(buf + 11, NULL, 0); /* one_command checks the number */
        else if (!strncmp(buf, "outl 0xcfc", 10) && (cf8 & 0xfc) >= 0x10 && (cf8 & 0xfc) < 0x28 &&
                 (cf8 & 0x80000000u) && ((cf8 >> 11) & 0x1f) != 0) {
            m->bus = (cf8 >> 16) & 0xff;
            m->slot = (cf8 >> 11) & 0x1f;
            m->fn = (cf8 >> 8) & 7;
            return;
        }
        p += l + 1;
    }
}

/* Whether the line (leading blanks skipped) starts with a command QEMU's qtest accepts. */
static int is_qtest_command(const char *line)
{
    static const char *const words[] = {
        "outb", "outw", "outl", "inb", "inw", "inl", "writeb", "writew", "writel", "writeq",
        "readb", "readw", "readl", "readq", "read", "write", "b64read", "b64write", "memset",
        "clock_step", "clock_set", "irq_intercept_in", "irq_intercept_out", "set_irq_in",
        "endianness", "module_load", "rtas"};
    while (*line == ' ' || *line == '\t')
        line++;
    size_t wl = strcspn(line, " \t\r\n");
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (wl == strlen(words[i]) && !strncmp(line, words[i], wl))
            return 1;
    return 0;
}

/* The start of the first line that is a qtest command, or the end of the text. */
static char *first_command_line(char *text)
{
    for (char *l = text; *l;) {
        if (is_qtest_command(l))
            return l;
        char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    return text + strlen(text);
}

nvt_trace *nvt_qtest_import(const char *text, size_t len, const char *name,
                            nvt_qtest_import_stats *stats, nvt_error *err)
{
    nvt_qtest_import_stats dummy;
    nvt_qtest_import_stats *st = stats ? stats : &dummy;
    memset(st, 0, sizeof *st);
    if (!name)
        name = "<script>";
    char *buf = malloc(len + 1);
    if (!buf) {
        rp_error(err, NVT_E_NOMEM, "out of memory");
        return NULL;
    }
    memcpy(buf, text, len);
    buf[len] = 0;
    if (strlen(buf) != len) {
        free(buf);
        rp_error(err, NVT_E_FORMAT, "%s: not a text file (NUL byte)", name);
        return NULL;
    }

    /* The bug-report form: "cat << EOF | qemu-system-x86_64 ARGS -qtest stdio" ... "EOF". */
    char *body = buf, *body_end = buf + len;
    char delim[64] = "";
    /* Only before the first qtest command: a command's text (a passthrough line) that holds
     * "<<" and "qemu-system" does not make a bare script a shell one. */
    char *region_end = first_command_line(buf);
    char *heredoc = memmem(buf, (size_t)(region_end - buf), "<<", 2);
    char *q = heredoc ? memmem(heredoc, (size_t)(region_end - heredoc), "qemu-system", 11) : NULL;
    if (q && heredoc) {
        const char *d = heredoc + 2;
        while (*d == '-' || *d == ' ' || *d == '\'' || *d == '"')
            d++;
        size_t dl = strcspn(d, " '\"|\n");
        if (dl && dl < sizeof delim) {
            memcpy(delim, d, dl);
            delim[dl] = 0;
        }
        const char *a = q;
        while (*a && *a != ' ' && *a != '\n')
            a++;
        take_args(a, st->qemu_args, sizeof st->qemu_args);
        /* The body starts after the line the command ends on. */
        char *p = q;
        while (*p && !(*p == '\n' && p[-1] != '\\'))
            p++;
        body = *p ? p + 1 : p;
        if (delim[0]) {
            for (char *l = body; l < body_end;) {
                char *nl = strchr(l, '\n');
                size_t ll = nl ? (size_t)(nl - l) : strlen(l);
                if (ll == strlen(delim) && !strncmp(l, delim, ll)) {
                    body_end = l;
                    break;
                }
                l += ll + (nl ? 1 : 0);
            }
        }
    }
    char comment[2600];
    /* The replay configures its target from the ARGS after " -- " (no file name before them:
     * the trace reader keeps only 255 bytes of a comment). */
    if (st->qemu_args[0])
        snprintf(comment, sizeof comment, "nvmetrace import qtest -- qemu-system-x86_64 %s",
                 st->qemu_args);
    else
        snprintf(comment, sizeof comment, "nvmetrace import qtest %s", name);
    struct imp m;
    memset(&m, 0, sizeof m);
    m.name = name;
    m.err = err;
    m.st = st;
    m.ts = 1000000000ull * 1700000000ull;
    m.t = nvt_trace_new(comment);
    if (!m.t) {
        free(buf);
        rp_error(err, NVT_E_NOMEM, "out of memory");
        return NULL;
    }
    pick_device(&m, body, (size_t)(body_end - body), st->qemu_args);
    nvt_device dev;
    memset(&dev, 0, sizeof dev);
    snprintf(dev.bdf, sizeof dev.bdf, "0000:%02x:%02x.%x", m.bus, m.slot, m.fn);
    dev.vendor_id = 0x1b36;
    dev.device_id = 0x0010;
    dev.class_code = 0x010802;
    snprintf(dev.model, sizeof dev.model, "nvme");
    snprintf(dev.emulator, sizeof dev.emulator, "QEMU (qtest script)");
    if (nvt_trace_add_device(m.t, &dev) < 0) {
        rp_error(err, NVT_E_NOMEM, "out of memory");
        goto fail;
    }
    m.line = 1;
    for (const char *c = buf; c < body; c++)
        m.line += *c == '\n';
    for (char *l = body; l < body_end; m.line++) {
        char *nl = memchr(l, '\n', (size_t)(body_end - l));
        size_t ll = nl ? (size_t)(nl - l) : (size_t)(body_end - l);
        char *next = l + ll + (nl ? 1 : 0);
        l[ll] = 0;
        while (ll && (l[ll - 1] == '\r' || l[ll - 1] == ' '))
            l[--ll] = 0;
        while (*l == ' ' || *l == '\t')
            l++;
        st->lines++;
        if (*l && *l != '#' && !is_qtest_command(l)) {
            /* QEMU would answer FAIL and go on; in a trace it would be a command that is not
             * one (and, exported, could read as the shell form's first line). */
            rp_error(err, NVT_E_FORMAT, "%s: line %d: '%.40s%s' is not a qtest command", name,
                     m.line, l, strlen(l) > 40 ? "..." : "");
            goto fail;
        }
        if (*l && *l != '#' && one_command(&m, l) < 0)
            goto fail;
        l = next;
    }
    if (m.cf8_pending) {
        char prev[64];
        snprintf(prev, sizeof prev, "outl 0xcf8 0x%x", m.cf8);
        if (passthrough(&m, prev) < 0)
            goto fail;
    }
    if (!st->commands) {
        rp_error(err, NVT_E_FORMAT, "%s: no qtest commands found", name);
        goto fail;
    }
    free(buf);
    return m.t;
fail:
    free(buf);
    nvt_trace_free(m.t);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* export */

struct exp {
    const nvt_qtest_export_opts *o;
    int failed;
};

static void export_line(void *ctx, const char *line)
{
    struct exp *x = ctx;
    if (x->failed)
        return;
    if (x->o->write(x->o->ctx, line, strlen(line)) < 0 || x->o->write(x->o->ctx, "\n", 1) < 0)
        x->failed = 1;
}

/* Whether a passthrough command of t is the line d, which would end a here-document. */
static int delim_used(const nvt_trace *t, const char *d)
{
    size_t dl = strlen(d);
    for (size_t i = 0; i < nvt_trace_count(t); i++) {
        const nvt_event *ev = nvt_trace_event(t, i);
        if (ev->type == NVT_EV_ANNOTATION && ev->u.ann.len == 7 + dl &&
            !memcmp(ev->u.ann.text, "qtest: ", 7) && !memcmp(ev->u.ann.text + 7, d, dl))
            return 1;
    }
    return 0;
}

int nvt_qtest_export(const nvt_trace *t, const nvt_qtest_export_opts *o, char *args_out,
                     size_t args_len, nvt_error *err)
{
    struct exp x = {o, 0};
    nvt_replay_opts ro = o->replay;
    ro.compare = 0;
    ro.on_command = export_line;
    ro.on_note = NULL;
    ro.on_divergence = NULL;
    ro.ctx = &x;
    nvt_replay_result res;
    memset(&res, 0, sizeof res);
    struct eng e;
    rp_args args = {0};
    int rc = -1;
    if (rp_setup(&e, t, &ro, &res, err) < 0)
        goto out;
    e.exporting = 1;
    struct rp_prescan p;
    rp_prescan(&e, &p);
    if (p.bad_at >= 0) {
        rp_error(err, NVT_E_ARG, "event %" PRId64 ": guest address 0x%" PRIx64
                 " is neither RAM a q35 target can have nor inside a BAR",
                 p.bad_at, p.bad_addr);
        goto out;
    }
    if (rp_build_args(&e, &p, ro.accel != NVT_ACCEL_TCG_STOPPED, &args) < 0)
        goto out;
    /* ARGS without the binary and without -qtest-log: the reader adds "-qtest stdio". */
    char line[4096];
    size_t lo = 0;
    line[0] = 0;
    for (size_t i = 1; i < args.n; i++) {
        if (!strcmp(args.v[i], "-qtest-log")) {
            i++;
            continue;
        }
        char qw[1024];
        rp_quote_word(args.v[i], qw, sizeof qw);
        lo += (size_t)snprintf(line + lo, sizeof line - lo, "%s%s", lo ? " " : "", qw);
        if (lo >= sizeof line)
            break;
    }
    if (args_out)
        snprintf(args_out, args_len, "%s", line);
    const char *qemu = ro.qemu ? ro.qemu : "qemu-system-x86_64";
    /* The here-document's delimiter: EOF, unless the script itself has that line (which
     * QEMU answers with an error, and which would end the here-document early). */
    static const char *const delims[] = {"EOF", "NVT_EOF", "NVT_EOF_2", "NVT_EOF_3"};
    size_t di = 0;
    while (o->shell_form && di + 1 < sizeof delims / sizeof delims[0] && delim_used(t, delims[di]))
        di++;
    if (o->shell_form && delim_used(t, delims[di])) {
        rp_error(err, NVT_E_ARG, "the trace's qtest commands include every here-document "
                                 "delimiter tried (EOF, NVT_EOF, ...): export the bare form");
        goto out;
    }
    const char *delim = delims[di];
    if (o->shell_form) {
        uint64_t nev = 0; /* the capture statistics (the end marker) are no device event */
        for (size_t i = 0; i < nvt_trace_count(t); i++)
            nev += nvt_trace_event(t, i)->type != NVT_EV_CAPTURE_STATS;
        char head[5000];
        snprintf(head, sizeof head,
                 "# A trace of %" PRIu64 " event%s, exported by nvmetrace as a qtest script "
                 "(QEMU 7.2's qtest protocol).\n"
                 "# Without the qtest accelerator (Debian): QEMU_MODULE_DIR=<folder with "
                 "accel-qtest-x86_64.so>,\n"
                 "# or replace accel=qtest by accel=tcg and add -S.\n"
                 "cat << %s | %s %s -qtest stdio\n",
                 nev, nev == 1 ? "" : "s", delim, qemu, line);
        if (o->write(o->ctx, head, strlen(head)) < 0)
            x.failed = 1;
    }
    rp_prologue(&e, &p);
    if (rp_walk(&e) < 0)
        goto out;
    if (o->shell_form && !x.failed &&
        (o->write(o->ctx, delim, strlen(delim)) < 0 || o->write(o->ctx, "\n", 1) < 0))
        x.failed = 1;
    if (x.failed) {
        rp_error(err, NVT_E_IO, "cannot write the script");
        goto out;
    }
    rc = 0;
out:
    rp_args_free(&args);
    rp_teardown(&e);
    return rc;
}
