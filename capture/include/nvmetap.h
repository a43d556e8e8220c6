/*
 * libnvmetap: the nvmetrace tap shim. An emulator calls it at each stage of its NVMe device
 * model (config and BAR accesses, doorbells, SQE fetch, CQE post, DMA, interrupts) and gets a
 * pcapng trace that `nvmetrace`, Wireshark and the analyzers read.
 *
 *   char errbuf[NVT_TAP_ERRBUF_SIZE];
 *   nvt_tap_opts opts = { .emulator = "QEMU 7.2.22" };        // zero fields = defaults
 *   nvt_tap *tap = nvt_tap_open("boot.pcapng.zst", &opts, errbuf);
 *   nvt_tap_device_info info = { .bdf = "0000:00:04.0", .vendor_id = 0x1b36,
 *                                .device_id = 0x0010, .class_code = 0x010802 };
 *   nvt_tap_dev *dev = nvt_tap_add_device(tap, &info, errbuf);
 *   ...
 *   nvt_tap_doorbell(dev, 1, 0, new_tail);                     // any thread, any time
 *   nvt_tap_submission(dev, 1, sq_head, sqe);
 *   ...
 *   if (nvt_tap_close(tap, errbuf) < 0) fprintf(stderr, "%s\n", errbuf);
 *
 * Threads: every recording call is thread-safe and takes no lock, allocates nothing and makes
 * no system call: it reads the TSC, copies the event into the calling thread's ring and
 * publishes it. A thread's first call takes a slow path that assigns it a ring (a mutex and a
 * system call, once). A writer thread owned by the tap drains the rings into the file.
 * Open, add_device and close must not race with each other or with recording calls on the
 * same tap (record nothing on a tap while or after closing it).
 *
 * Loss: a full ring drops the event (the call returns -1) and counts it; the counts reach the
 * file as capture-statistics records, so a loss is never silent. NVT_TAP_FULL_WAIT makes the
 * caller wait instead.
 *
 * Crash: the rings live in a file-backed shared mapping, <path>.ring. If the process dies
 * (even by SIGKILL) before nvt_tap_close, `nvmetrace recover <path>` rebuilds a valid trace
 * holding every event whose recording call had returned. See docs/capi.md.
 *
 * This header stands alone (no other nvmetrace header is installed with the library); its
 * constants have the values of <nvmetrace/schema.h>.
 */
#ifndef NVMETAP_H
#define NVMETAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NVT_TAP_ERRBUF_SIZE 512

typedef struct nvt_tap nvt_tap;         /* one capture: one trace file */
typedef struct nvt_tap_dev nvt_tap_dev; /* one traced PCI function of a capture */

/* Output compression (nvt_tap_opts.compression). */
#define NVT_TAP_COMPRESS_AUTO 0 /* zstd when the path ends in ".zst" */
#define NVT_TAP_COMPRESS_NONE 1
#define NVT_TAP_COMPRESS_ZSTD 2

/* What a recording call does when its thread's ring is full (nvt_tap_opts.full_policy). */
#define NVT_TAP_FULL_DROP 0 /* drop and count the event; the call returns -1 (default) */
#define NVT_TAP_FULL_WAIT 1 /* spin (then yield) until the writer frees space: lossless, but
                             * the caller stalls; for test harnesses and benchmarks */

/* Options; a zero field takes its default. */
typedef struct nvt_tap_opts {
    int compression;      /* NVT_TAP_COMPRESS_*; default AUTO */
    int zstd_level;       /* default 1 (fast enough to keep up with a busy device) */
    uint32_t snaplen;     /* DMA bytes kept per transfer; default 4096, at most 1 MiB and a
                           * quarter of ring_size. Longer transfers are cut and flagged. */
    uint32_t ring_size;   /* bytes per thread ring, a power of two >= 64 KiB; default 4 MiB */
    uint32_t max_threads; /* rings (threads recording at once); default 32, at most 1024 */
    uint32_t flush_ms;    /* longest time an event waits in the writer before it reaches the
                           * kernel; default 20 */
    int full_policy;      /* NVT_TAP_FULL_*; default DROP */
    const char *emulator; /* emulator name and version for the devices, e.g. "QEMU 7.2.22" */
    const char *comment;  /* trace comment (pcapng SHB comment), or NULL */
    const char *ring_path; /* crash ring file; NULL = "<path>.ring". A tmpfs path (/dev/shm)
                            * avoids disk writeback of the ring pages but is lost at reboot. */
} nvt_tap_opts;

/* Opens a capture: creates (truncates) the trace at path and its ring file, calibrates the
 * TSC against CLOCK_REALTIME (about 10 ms) and starts the writer thread. opts may be NULL.
 * Returns the tap, or NULL with a message in errbuf (NVT_TAP_ERRBUF_SIZE bytes; may be NULL).
 * The tap owns everything it allocates; nvt_tap_close frees it. */
nvt_tap *nvt_tap_open(const char *path, const nvt_tap_opts *opts, char *errbuf);

/* A traced PCI function. Strings are copied; empty strings are allowed. */
typedef struct nvt_tap_device_info {
    const char *bdf;        /* "0000:00:04.0" */
    uint16_t vendor_id, device_id, subsys_vendor_id, subsys_id;
    uint32_t class_code;    /* 24-bit, e.g. 0x010802 (NVM Express) */
    uint8_t revision;
    const char *model;      /* short kind, e.g. "nvme"; NULL = "nvme" */
    const char *emulator;   /* NULL = nvt_tap_opts.emulator */
} nvt_tap_device_info;

/* Registers a traced PCI function (a pcapng interface) and returns its handle, valid until
 * nvt_tap_close; NULL with a message in errbuf if the table (64 devices) is full. */
nvt_tap_dev *nvt_tap_add_device(nvt_tap *tap, const nvt_tap_device_info *info, char *errbuf);

/* Sets the thread/vCPU id stamped on the calling thread's events (default: the kernel thread
 * id). Slow path; call it once per thread, e.g. with the vCPU index. */
void nvt_tap_set_thread_id(nvt_tap *tap, uint32_t id);

/* Drains the rings, writes the final capture statistics, closes the trace and deletes the
 * ring file; frees tap and its device handles. Returns 0, or -1 with a message in errbuf (the
 * ring file is then kept so that `nvmetrace recover` can salvage what the writer could not
 * write). */
int nvt_tap_close(nvt_tap *tap, char *errbuf);

/* Totals so far: events recorded (published into a ring), dropped, and ring overflows (times
 * a ring was found full). Reads counters only; safe from any thread. */
typedef struct nvt_tap_counters {
    uint64_t recorded, dropped, overflows;
} nvt_tap_counters;
void nvt_tap_get_counters(nvt_tap *tap, nvt_tap_counters *out);

/* ---- recording calls ----
 * Each copies one event into the calling thread's ring and returns 0, or -1 if it was dropped
 * (ring full, no free ring, or the writer failed); a drop is counted. Pointers are read during
 * the call only. Values are what the guest or the device saw, in host order. */

/* PCI configuration space read (value returned to the guest) / write. size 1, 2 or 4. */
int nvt_tap_cfg_read(nvt_tap_dev *dev, uint16_t offset, uint8_t size, uint32_t value);
int nvt_tap_cfg_write(nvt_tap_dev *dev, uint16_t offset, uint8_t size, uint32_t value);

/* BAR access: bar 0-5, offset in the BAR, size 1/2/4/8, gpa = guest physical address or 0. */
int nvt_tap_mmio_read(nvt_tap_dev *dev, uint8_t bar, uint32_t offset, uint8_t size,
                      uint64_t value, uint64_t gpa);
int nvt_tap_mmio_write(nvt_tap_dev *dev, uint8_t bar, uint32_t offset, uint8_t size,
                       uint64_t value, uint64_t gpa);

/* BAR mapped at / unmapped from addr. flags: NVT_TAP_BAR_*. */
#define NVT_TAP_BAR_IO 0x01u
#define NVT_TAP_BAR_64BIT 0x02u
#define NVT_TAP_BAR_PREFETCH 0x04u
int nvt_tap_bar_map(nvt_tap_dev *dev, uint8_t bar, uint8_t flags, uint64_t addr, uint64_t size);
int nvt_tap_bar_unmap(nvt_tap_dev *dev, uint8_t bar, uint8_t flags, uint64_t addr, uint64_t size);

/* Doorbell write: qid, is_cq = 1 for a CQ head doorbell, 0 for an SQ tail doorbell. */
int nvt_tap_doorbell(nvt_tap_dev *dev, uint16_t qid, int is_cq, uint32_t value);

/* MSI-X table or PBA access. field: NVT_TAP_MSIX_*; entry = vector (PBA: qword index). */
#define NVT_TAP_MSIX_ADDR_LO 0
#define NVT_TAP_MSIX_ADDR_HI 1
#define NVT_TAP_MSIX_DATA 2
#define NVT_TAP_MSIX_VECTOR_CTRL 3
#define NVT_TAP_MSIX_PBA_LO 4
#define NVT_TAP_MSIX_PBA_HI 5
int nvt_tap_msix_access(nvt_tap_dev *dev, uint16_t entry, uint8_t field, int is_write,
                        uint32_t value);

/* MSI-X Enable / Function Mask changed; msgctl = raw Message Control (0 if unknown). */
int nvt_tap_msix_ctrl(nvt_tap_dev *dev, int enabled, int masked, uint16_t table_size,
                      uint32_t msgctl);

/* Interrupt sent. kind: NVT_TAP_IRQ_*; vector = MSI-X entry or INTx pin (0 = INTA);
 * data/addr = the MSI(-X) message (0 for INTx). */
#define NVT_TAP_IRQ_MSIX 0
#define NVT_TAP_IRQ_MSI 1
#define NVT_TAP_IRQ_INTX_ASSERT 2
#define NVT_TAP_IRQ_INTX_DEASSERT 3
int nvt_tap_interrupt(nvt_tap_dev *dev, uint8_t kind, uint16_t vector, uint32_t data,
                      uint64_t addr);

/* SQE fetched from submission queue sqid at slot (SQ head index; NVT_TAP_SLOT_UNKNOWN if not
 * known): the raw 64 bytes as the guest wrote them. */
#define NVT_TAP_SLOT_UNKNOWN 0xffffu
int nvt_tap_submission(nvt_tap_dev *dev, uint16_t sqid, uint16_t slot, const void *sqe);

/* CQE posted to completion queue cqid at slot (CQ tail index): the raw 16 bytes, phase tag
 * included. */
int nvt_tap_completion(nvt_tap_dev *dev, uint16_t cqid, uint16_t slot, const void *cqe);

/* DMA: the device read (dma_read) or wrote (dma_write) len bytes of guest memory at gpa.
 * Data beyond the snap length is not kept (the record says so). sqid/cid name the command the
 * transfer belongs to, NVT_TAP_QID_UNKNOWN / NVT_TAP_CID_UNKNOWN if not known. */
#define NVT_TAP_QID_UNKNOWN 0xffffu
#define NVT_TAP_CID_UNKNOWN 0xffffu
int nvt_tap_dma_read(nvt_tap_dev *dev, uint64_t gpa, const void *data, uint32_t len,
                     uint16_t sqid, uint16_t cid);
int nvt_tap_dma_write(nvt_tap_dev *dev, uint64_t gpa, const void *data, uint32_t len,
                      uint16_t sqid, uint16_t cid);

/* Controller state change as the device sees it; value = the CC or CSTS value (or 0). */
#define NVT_TAP_STATE_RESET 1
#define NVT_TAP_STATE_ENABLE 2
#define NVT_TAP_STATE_READY 3
#define NVT_TAP_STATE_DISABLE 4
#define NVT_TAP_STATE_SHUTDOWN_START 5
#define NVT_TAP_STATE_SHUTDOWN_DONE 6
#define NVT_TAP_STATE_FATAL 7
#define NVT_TAP_STATE_ENABLE_FAILED 8
int nvt_tap_ctrl_state(nvt_tap_dev *dev, uint8_t state, uint32_t value);

/* Free text (UTF-8, cut at NVT_TAP_ANNOTATION_MAX bytes), e.g. "guest bugcheck 0x7B". */
#define NVT_TAP_ANN_NOTE 0
#define NVT_TAP_ANN_WARNING 1
#define NVT_TAP_ANN_ERROR 2
#define NVT_TAP_ANN_MARKER 3
#define NVT_TAP_ANNOTATION_MAX 2048
int nvt_tap_annotate(nvt_tap_dev *dev, uint8_t level, const char *text);
/* printf-style annotation; formats on the caller's stack (no allocation). */
int nvt_tap_annotatef(nvt_tap_dev *dev, uint8_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif
