/* Event filters shared by `dump` and `convert`. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "filter.h"

void filter_init(struct ev_filter *f)
{
    memset(f, 0, sizeof *f);
    f->to = UINT64_MAX;
}

static const struct { const char *name; uint32_t types; } groups[] = {
    {"cmd", 1u << NVT_EV_SUBMISSION | 1u << NVT_EV_COMPLETION},
    {"reg", 1u << NVT_EV_MMIO_READ | 1u << NVT_EV_MMIO_WRITE | 1u << NVT_EV_DOORBELL},
    {"cfg", 1u << NVT_EV_CFG_READ | 1u << NVT_EV_CFG_WRITE},
    {"irq", 1u << NVT_EV_INTERRUPT | 1u << NVT_EV_MSIX_ACCESS | 1u << NVT_EV_MSIX_CTRL},
    {"dma", 1u << NVT_EV_DMA_READ | 1u << NVT_EV_DMA_WRITE},
};

static int parse_types(const char *list, uint32_t *out)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned ty = nvt_event_type_from_name(t);
        if (ty) {
            *out |= 1u << ty;
            continue;
        }
        size_t g = 0;
        for (; g < sizeof groups / sizeof groups[0]; g++)
            if (strcasecmp(t, groups[g].name) == 0)
                break;
        if (g == sizeof groups / sizeof groups[0])
            return -1;
        *out |= groups[g].types;
    }
    return 0;
}

int filter_parse_arg(struct ev_filter *f, const char *cmd, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    int is_type = !strcmp(a, "-t") || !strcmp(a, "--type");
    int is_queue = !strcmp(a, "-q") || !strcmp(a, "--queue");
    int is_dev = !strcmp(a, "-d") || !strcmp(a, "--device");
    int is_from = !strcmp(a, "--from"), is_to = !strcmp(a, "--to");
    if (!is_type && !is_queue && !is_dev && !is_from && !is_to)
        return 0;
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "%s needs a value", a);
        return -1;
    }
    const char *v = argv[++*i];
    uint64_t x;
    if (is_type) {
        if (parse_types(v, &f->types) < 0) {
            cli_usage_error(cmd, "unknown event type in '%s'", v);
            return -1;
        }
    } else if (is_queue || is_dev) {
        if (cli_parse_u64(v, &x) < 0 || x > (is_queue ? 0xffffu : 0xffffffffu)) {
            cli_usage_error(cmd, "bad %s '%s'", is_queue ? "queue id" : "device index", v);
            return -1;
        }
        if (is_queue) {
            f->have_queue = 1;
            f->queue = (uint16_t)x;
        } else {
            f->have_device = 1;
            f->device = (uint32_t)x;
        }
    } else {
        int rel;
        if (cli_parse_time(v, &x, &rel) < 0) {
            cli_usage_error(cmd, "bad time '%s' (SEC[.FRAC] or +SEC[.FRAC])", v);
            return -1;
        }
        if (is_from) {
            f->from = x;
            f->from_rel = rel;
        } else {
            f->to = x;
            f->to_rel = rel;
        }
    }
    return 1;
}

/* SQ an event belongs to, or -1. A completion names its SQ in CQE bytes 10-11 (SQID). */
static int event_sq(const nvt_event *ev)
{
    switch (ev->type) {
    case NVT_EV_SUBMISSION:
        return ev->u.sub.qid;
    case NVT_EV_COMPLETION:
        if ((ev->u.cpl.known & 0x0c00) == 0x0c00)
            return ev->u.cpl.cqe[10] | ev->u.cpl.cqe[11] << 8;
        return -1;
    case NVT_EV_DOORBELL:
        return ev->u.doorbell.qid;
    default:
        return -1;
    }
}

int filter_match(struct ev_filter *f, const nvt_event *ev)
{
    if (!f->resolved) {
        if (f->from_rel)
            f->from += ev->ts_ns;
        if (f->to_rel && f->to != UINT64_MAX)
            f->to += ev->ts_ns;
        f->resolved = 1;
    }
    if (f->types && !(f->types & (1u << ev->type)))
        return 0;
    if (f->have_device && ev->device != f->device)
        return 0;
    if (f->have_queue && event_sq(ev) != f->queue)
        return 0;
    return ev->ts_ns >= f->from && ev->ts_ns < f->to;
}
