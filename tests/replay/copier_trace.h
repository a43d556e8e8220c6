/* Traces of the copy engine (a device with BAR0 0x08 source, 0x18 destination, 0x10 go: it
 * reads 8 bytes, adds 1 to each, writes them and sends MSI-X vector 0), built event by event
 * for the in-process replay tests: the C model of test_target_unit.c and the Rust one of
 * rust_copier.rs both implement it. */
#ifndef NVT_TEST_COPIER_TRACE_H
#define NVT_TEST_COPIER_TRACE_H

#include <stdint.h>

#include "nvmetrace/replay.h"

extern const uint8_t copier_src[8]; /* 01..08 */
extern const uint8_t copier_dst[8]; /* 02..09 */

/* Appends ev; returns 0 or -1 (out of memory). */
int copier_add(nvt_trace *t, nvt_event ev);
nvt_event copier_mmio(int write, uint32_t off, uint64_t v);
nvt_event copier_dma(int write, uint64_t gpa, const uint8_t *data);
nvt_event copier_msix0(void);

/* One device; 0 config read of the ids, 1 BAR0 read of id, 2 source 0x1000, 3 destination
 * 0x2000, then twice: go, DMA read of rd at 0x1000, DMA write of wr at 0x2000, MSI-X 0
 * (events 4-7 and 8-11). rd and wr must outlive the trace. NULL if out of memory. */
nvt_trace *copier_trace(const uint8_t *rd, const uint8_t *wr, uint32_t id);

#endif
