/* Traces of the copy engine: see copier_trace.h. */
#include "copier_trace.h"

const uint8_t copier_src[8] = {1, 2, 3, 4, 5, 6, 7, 8};
const uint8_t copier_dst[8] = {2, 3, 4, 5, 6, 7, 8, 9};

int copier_add(nvt_trace *t, nvt_event ev) { return nvt_trace_append(t, &ev); }

nvt_event copier_mmio(int write, uint32_t off, uint64_t v)
{
    nvt_event e = {.type = write ? NVT_EV_MMIO_WRITE : NVT_EV_MMIO_READ};
    e.u.mmio.bar = 0;
    e.u.mmio.size = write ? 8 : 4;
    e.u.mmio.offset = off;
    e.u.mmio.value = v;
    return e;
}

nvt_event copier_dma(int write, uint64_t gpa, const uint8_t *data)
{
    nvt_event e = {.type = write ? NVT_EV_DMA_WRITE : NVT_EV_DMA_READ};
    e.u.dma.gpa = gpa;
    e.u.dma.len = e.u.dma.caplen = 8;
    e.u.dma.sqid = 1;
    e.u.dma.cid = 7;
    e.u.dma.data = data;
    return e;
}

nvt_event copier_msix0(void)
{
    nvt_event e = {.type = NVT_EV_INTERRUPT};
    e.u.irq.kind = NVT_IRQ_MSIX;
    e.u.irq.vector = 0;
    e.u.irq.data = 0x40;
    e.u.irq.addr = 0xfee00000u;
    return e;
}

nvt_trace *copier_trace(const uint8_t *rd, const uint8_t *wr, uint32_t id)
{
    nvt_trace *t = nvt_trace_new("copier");
    nvt_device d = {.bdf = "0000:00:04.0", .model = "nvme"};
    if (!t || nvt_trace_add_device(t, &d) < 0) {
        nvt_trace_free(t);
        return NULL;
    }
    nvt_event c = {.type = NVT_EV_CFG_READ};
    c.u.cfg.size = 4;
    c.u.cfg.value = 0x4e561234u;
    int bad = copier_add(t, c) < 0 || copier_add(t, copier_mmio(0, 0, id)) < 0 ||
              copier_add(t, copier_mmio(1, 0x08, 0x1000)) < 0 ||
              copier_add(t, copier_mmio(1, 0x18, 0x2000)) < 0;
    for (int k = 0; k < 2 && !bad; k++)
        bad = copier_add(t, copier_mmio(1, 0x10, 1)) < 0 ||
              copier_add(t, copier_dma(0, 0x1000, rd)) < 0 ||
              copier_add(t, copier_dma(1, 0x2000, wr)) < 0 || copier_add(t, copier_msix0()) < 0;
    if (bad) {
        nvt_trace_free(t);
        return NULL;
    }
    return t;
}
