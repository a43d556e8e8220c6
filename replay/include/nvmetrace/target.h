/*
 * The in-process replay target ABI: how a device model compiled into a shared object is
 * driven by `nvmetrace replay --target lib:PATH.so` without QEMU or qtest.
 *
 * The model (bhyve-, Propolis- or cloud-hypervisor-style: one PCI function whose config space,
 * BARs and DMA it owns) exports one function:
 *
 *   const nvt_target_ops *nvt_target_v1(void);
 *
 * returning a table of entry points. The replay calls them on one thread, never concurrently:
 *
 *   dev = ops->create(&host, args, err, sizeof err);   // once per replay
 *   ops->reset(dev);                                   // power-on state
 *   for each host action of the trace:                 // in trace order
 *       ops->cfg_read / cfg_write / mmio_read / mmio_write
 *       ops->run(dev)                                  // deferred work, until idle
 *   ops->destroy(dev);
 *
 * and the model calls back, only from inside an entry point, into the host table it was given:
 * guest memory reads and writes (each tagged with what it is: data, SQE fetch or CQE post),
 * MSI-X messages, INTx level changes, controller state changes. The replay answers guest memory
 * reads from the recording and compares every output with it, in order.
 *
 * Addresses: MMIO entry points take a BAR index and an offset inside the BAR (as the trace
 * records them); where the guest put the BAR does not matter to the model. Values are in host
 * order; sizes are 1, 2, 4 or 8 bytes.
 *
 * Determinism: the model must not use threads, timers or the host clock to decide what it does;
 * work a real emulator defers (a bottom half, an I/O thread) runs in run(). A model that needs
 * time can count run() calls.
 *
 * The same callbacks, wrapped by an emulator around libnvmetap (each callback one nvt_tap_*
 * call), record a trace this ABI replays: see docs/integrate.md, section 6, and the test model
 * in tests/target/.
 *
 * This header stands alone: a model needs nothing else from nvmetrace.
 */
#ifndef NVMETRACE_TARGET_H
#define NVMETRACE_TARGET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NVT_TARGET_ABI_VERSION 1

/* The symbol a target library exports, and its type. */
#define NVT_TARGET_ENTRY_SYMBOL "nvt_target_v1"
typedef struct nvt_target_ops nvt_target_ops;
typedef const nvt_target_ops *(*nvt_target_entry_fn)(void);

/* What a guest memory access is (nvt_target_dma.kind). */
enum nvt_target_dma_kind {
    NVT_TARGET_DMA_DATA = 0, /* command data, PRP list, SGL segment, log or identify page:
                                a DMA_READ / DMA_WRITE record */
    NVT_TARGET_DMA_SQE = 1,  /* a submission queue entry fetched (read, 64 bytes):
                                a SUBMISSION record */
    NVT_TARGET_DMA_CQE = 2   /* a completion queue entry posted (write, 16 bytes, phase tag
                                included): a COMPLETION record */
};

#define NVT_TARGET_ID_UNKNOWN 0xffffu

/* The tag passed with every guest memory access. */
typedef struct nvt_target_dma {
    uint8_t kind;      /* enum nvt_target_dma_kind */
    uint16_t qid;      /* DATA: SQ id of the command it belongs to; SQE: the SQ; CQE: the CQ
                          (NVT_TARGET_ID_UNKNOWN if not known) */
    uint16_t cid;      /* DATA: the command's CID (NVT_TARGET_ID_UNKNOWN if not known) */
    uint16_t slot;     /* SQE: the SQ head index fetched from; CQE: the CQ tail index written */
} nvt_target_dma;

/* Controller state changes (host->state); the values of NVT_STATE_* in <nvmetrace/schema.h>
 * and NVT_TAP_STATE_* in <nvmetap.h>. value: the CC (enable, disable, shutdown start, enable
 * failed) or CSTS (ready, shutdown done, fatal) register. */
enum nvt_target_state {
    NVT_TARGET_STATE_RESET = 1,
    NVT_TARGET_STATE_ENABLE = 2,
    NVT_TARGET_STATE_READY = 3,
    NVT_TARGET_STATE_DISABLE = 4,
    NVT_TARGET_STATE_SHUTDOWN_START = 5,
    NVT_TARGET_STATE_SHUTDOWN_DONE = 6,
    NVT_TARGET_STATE_FATAL = 7,
    NVT_TARGET_STATE_ENABLE_FAILED = 8
};

/* The host side, given to create() and valid until destroy(). The model calls these only from
 * inside one of its entry points. None may be NULL. */
typedef struct nvt_target_host {
    void *ctx;                 /* first argument of every callback */
    /* Guest memory. One call per transfer segment (per PRP entry or SGL descriptor), as the
     * recording has them. Return 0, or -1 when [gpa, gpa+len) is not guest memory: the model
     * then fails the command as hardware would (Data Transfer Error). */
    int (*dma_read)(void *ctx, uint64_t gpa, void *buf, uint32_t len, const nvt_target_dma *tag);
    int (*dma_write)(void *ctx, uint64_t gpa, const void *buf, uint32_t len,
                     const nvt_target_dma *tag);
    /* An MSI-X message sent for table entry vector (the address and data programmed there).
     * Not called while the vector or the function is masked. */
    void (*msix)(void *ctx, uint16_t vector, uint64_t addr, uint32_t data);
    /* The INTx line (pin A) changed: 1 asserted, 0 deasserted. */
    void (*intx)(void *ctx, int level);
    /* A controller state change (enum nvt_target_state); only models that set
     * NVT_TARGET_F_STATE call it, and then for every change. */
    void (*state)(void *ctx, uint8_t state, uint32_t value);
    /* Free text for the user ("guest wrote CC.EN with ASQ unset"); a line, no newline. */
    void (*log)(void *ctx, const char *msg);
} nvt_target_host;

/* nvt_target_ops.features */
#define NVT_TARGET_F_STATE 0x1u /* the model reports controller state changes (host->state),
                                   so the replay compares them with the trace's */

struct nvt_target_ops {
    uint32_t abi_version;      /* NVT_TARGET_ABI_VERSION */
    uint32_t size;             /* sizeof(nvt_target_ops) as the model was built */
    const char *name;          /* model name and version, e.g. "testnvme 1.0" */
    uint32_t features;         /* NVT_TARGET_F_* */

    /* Creates one device in its power-on state. args: the text after --target-args ("" if
     * none; the model's own syntax). Returns the device, or NULL with a message in err. */
    void *(*create)(const nvt_target_host *host, const char *args, char *err, size_t errlen);
    void (*destroy)(void *dev);
    /* Conventional (power-on) reset: config space, registers and queues to their initial
     * state, outputs pending dropped. It may report itself through the host (state RESET,
     * intx 0 if the line was up), matched like any output; create() reports nothing. */
    void (*reset)(void *dev);

    /* PCI config space, 4 KiB (offsets past the model's config size read as 0, writes
     * ignored), BAR registers included: the model sizes and holds its own BARs. */
    uint32_t (*cfg_read)(void *dev, uint16_t offset, uint8_t size);
    void (*cfg_write)(void *dev, uint16_t offset, uint8_t size, uint32_t value);
    /* Memory or I/O BAR access, offset inside BAR bar (0..5). */
    uint64_t (*mmio_read)(void *dev, uint8_t bar, uint32_t offset, uint8_t size);
    void (*mmio_write)(void *dev, uint8_t bar, uint32_t offset, uint8_t size, uint64_t value);
    /* Runs deferred work (queued commands, interrupt coalescing) until the device is idle.
     * NULL when the entry points do all the work. */
    void (*run)(void *dev);
};

/* The entry point a target library defines. */
const nvt_target_ops *nvt_target_v1(void);

#ifdef __cplusplus
}
#endif

#endif
