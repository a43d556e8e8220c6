/* One example event of every record type: docs/format.md shows each one's bytes, and
 * test_format_doc checks the document against the encoder. The capture statistics come last
 * and count the 18 records before them, so the examples written in order make a whole trace. */
#ifndef NVT_EXAMPLES_H
#define NVT_EXAMPLES_H

#include <string.h>

#include "nvmetrace/format.h"

static const uint8_t example_sqe[64] = {
    0x06, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x40, 0xb2, 0xbf, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
static const uint8_t example_cqe[16] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x01, 0x00,
};
static const uint8_t example_dma[8] = {'Q', 'E', 'M', 'U', ' ', 'N', 'V', 'M'};

#define EX(t, f) .type = (t), .flags = (f), .thread = 3, .seq = 42

static const struct example {
    const char *name;
    nvt_event ev;
} examples[] = {
    {"cfg-read", {EX(NVT_EV_CFG_READ, 0), .u.cfg = {0x0000, 4, 0x00101b36}}},
    {"cfg-write", {EX(NVT_EV_CFG_WRITE, 0), .u.cfg = {0x0010, 4, 0xfebf0004}}},
    {"mmio-read", {EX(NVT_EV_MMIO_READ, 0), .u.mmio = {0, 4, 0x1c, 0x00000001, 0xfebf001c}}},
    {"mmio-read-unknown",
     {EX(NVT_EV_MMIO_READ, NVT_F_VALUE_UNKNOWN), .u.mmio = {0, 4, 0x1c, 0, 0xfebf001c}}},
    {"mmio-write", {EX(NVT_EV_MMIO_WRITE, 0), .u.mmio = {0, 4, 0x14, 0x00460001, 0xfebf0014}}},
    {"bar-map", {EX(NVT_EV_BAR_MAP, 0), .u.bar = {0, NVT_BAR_64BIT, 0xfebf0000, 0x4000}}},
    {"bar-unmap", {EX(NVT_EV_BAR_UNMAP, 0), .u.bar = {0, NVT_BAR_64BIT, 0xfebf0000, 0x4000}}},
    {"doorbell", {EX(NVT_EV_DOORBELL, 0), .u.doorbell = {1, 0, 5}}},
    {"msix-access", {EX(NVT_EV_MSIX_ACCESS, 0), .u.msix = {1, NVT_MSIX_DATA, 1, 0x00004022}}},
    {"msix-ctrl", {EX(NVT_EV_MSIX_CTRL, 0), .u.msix_ctrl = {1, 0, 65, 0x8040}}},
    {"interrupt", {EX(NVT_EV_INTERRUPT, 0), .u.irq = {NVT_IRQ_MSIX, 1, 0x00004022, 0xfee00000}}},
    {"submission", {EX(NVT_EV_SUBMISSION, 0), .u.sub = {0, 5, UINT64_MAX, {0}}}},
    {"submission-reconstructed",
     {EX(NVT_EV_SUBMISSION, NVT_F_RECONSTRUCTED), .u.sub = {0, NVT_SLOT_UNKNOWN, 0x00000f00ff00000full, {0}}}},
    {"completion", {EX(NVT_EV_COMPLETION, 0), .u.cpl = {0, 5, 0xffff, {0}}}},
    {"dma-write", {EX(NVT_EV_DMA_WRITE, NVT_F_TRUNCATED), .u.dma = {0xbfb24000, 4096, 8, 0, 42, example_dma}}},
    {"dma-read", {EX(NVT_EV_DMA_READ, 0), .u.dma = {0xbfb25000, 8, 8, 1, 7, example_dma}}},
    {"ctrl-state", {EX(NVT_EV_CTRL_STATE, 0), .u.state = {NVT_STATE_ENABLE, 0x00460001}}},
    {"annotation", {EX(NVT_EV_ANNOTATION, 0), .u.ann = {NVT_ANN_MARKER, 9, "boot done"}}},
    {"capture-stats", {EX(NVT_EV_CAPTURE_STATS, 0), .u.stats = {18, 12, 3, 0}}},
};
#define NEXAMPLES (sizeof examples / sizeof examples[0])

/* The raw SQE/CQE arrays cannot be designated-initialized from arrays: copy them in. */
static inline nvt_event example_event(size_t i)
{
    nvt_event ev = examples[i].ev;
    if (ev.type == NVT_EV_SUBMISSION)
        memcpy(ev.u.sub.sqe, example_sqe, sizeof example_sqe);
    if (ev.type == NVT_EV_COMPLETION)
        memcpy(ev.u.cpl.cqe, example_cqe, sizeof example_cqe);
    return ev;
}

#endif
