/* Event filters shared by `dump` and `convert`. */
#ifndef NVMETRACE_CLI_FILTER_H
#define NVMETRACE_CLI_FILTER_H

#include <stdint.h>

#include "nvmetrace/format.h"

struct ev_filter {
    uint32_t types;            /* bit t set = type t wanted; 0 = all */
    int have_queue;
    uint16_t queue;            /* SQ id (submissions, completions via CQE SQID, doorbells) */
    int have_device;
    uint32_t device;
    uint64_t from, to;         /* ns; to = UINT64_MAX: open */
    int from_rel, to_rel;      /* relative to the first event */
    int resolved;              /* relative bounds made absolute */
};

/* Options a filter understands, for --help texts. */
#define FILTER_HELP                                                                                 \
    "  -t, --type LIST    only these event types, comma-separated: CFGR CFGW MMIOR MMIOW\n"        \
    "                     BARMAP BARUNMAP DB MSIX MSIXCTL IRQ SUB CPL DMAR DMAW STATE NOTE\n"      \
    "                     STATS, or the groups cmd (SUB,CPL), reg (MMIOR,MMIOW,DB),\n"             \
    "                     cfg (CFGR,CFGW), irq (IRQ,MSIX,MSIXCTL), dma (DMAR,DMAW)\n"              \
    "  -q, --queue QID    only events of submission queue QID (SUB, CPL for that SQ, DB)\n"        \
    "  -d, --device N     only events of device N (see `nvmetrace info`)\n"                       \
    "      --from TIME    only events at or after TIME: SEC[.FRAC] since the epoch, or\n"         \
    "                     +SEC[.FRAC] after the first event\n"                                    \
    "      --to TIME      only events before TIME (same forms)\n"

/* Tries to consume a filter option at argv[*i] (and its argument). Returns 1 if consumed,
 * 0 if argv[*i] is not a filter option, -1 on a bad value (message printed). */
int filter_parse_arg(struct ev_filter *f, const char *cmd, int argc, char **argv, int *i);
void filter_init(struct ev_filter *f);
/* 1 if ev passes. Relative times are resolved against the first event offered. */
int filter_match(struct ev_filter *f, const nvt_event *ev);

#endif
