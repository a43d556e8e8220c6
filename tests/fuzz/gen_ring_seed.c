/* Writes a crash ring the way a crashed emulator leaves one, as a seed for fuzz_recover: a
 * capture (1 ring of 64 KiB, a long flush interval so the events stay unreleased) records
 * every event type on two devices, then the process ends without nvt_tap_close. The seed is
 * the ring file cut after the last entry (fuzz_recover zero-extends it to the header's size).
 * usage: nvt-gen-ring-seed DIR OUT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvmetap.h"
#include "tap_ring.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DIR OUT\n", argv[0]);
        return 2;
    }
    char trace[4096], ring[4200];
    snprintf(trace, sizeof trace, "%s/seed.pcapng", argv[1]);
    snprintf(ring, sizeof ring, "%s.ring", trace);
    nvt_tap_opts o = {.ring_size = 64 * 1024, .max_threads = 1, .flush_ms = 600000,
                      .emulator = "nvt-gen-ring-seed"};
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    nvt_tap *tap = nvt_tap_open(trace, &o, errbuf);
    if (!tap) {
        fprintf(stderr, "%s\n", errbuf);
        return 1;
    }
    nvt_tap_device_info a = {.bdf = "0000:00:04.0", .vendor_id = 0x1b36, .device_id = 0x10,
                             .class_code = 0x010802, .model = "nvme"};
    nvt_tap_device_info b = {.bdf = "0000:00:05.0", .vendor_id = 0x8086, .device_id = 0x5845};
    nvt_tap_dev *d0 = nvt_tap_add_device(tap, &a, errbuf), *d1 = nvt_tap_add_device(tap, &b, errbuf);
    if (!d0 || !d1)
        return 1;
    uint8_t sqe[64], cqe[16], data[300];
    for (size_t i = 0; i < sizeof sqe; i++)
        sqe[i] = (uint8_t)(i * 3);
    for (size_t i = 0; i < sizeof cqe; i++)
        cqe[i] = (uint8_t)(0xc0 + i);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    nvt_tap_set_thread_id(tap, 3);
    nvt_tap_cfg_write(d0, 0x04, 2, 0x0006);
    nvt_tap_cfg_read(d0, 0x00, 4, 0x00101b36);
    nvt_tap_bar_map(d0, 0, 0x04, 0xfebf0000, 0x4000);
    nvt_tap_mmio_write(d0, 0, 0x14, 4, 0x460001, 0xfebf0014);
    nvt_tap_mmio_read(d0, 0, 0x1c, 4, 1, 0xfebf001c);
    nvt_tap_ctrl_state(d0, 2, 1);
    nvt_tap_msix_ctrl(d0, 1, 0, 65, 0x8040);
    nvt_tap_msix_access(d0, 0, 2, 1, 0x4021);
    nvt_tap_submission(d0, 0, 0, sqe);
    nvt_tap_doorbell(d0, 0, 0, 1);
    nvt_tap_dma_read(d0, 0x110000, data, sizeof data, 0, 1);
    nvt_tap_dma_write(d0, 0x120000, data, 17, 0, 1);
    nvt_tap_completion(d0, 0, 0, cqe);
    nvt_tap_interrupt(d0, 1, 0, 0x4021, 0xfee00000);
    nvt_tap_doorbell(d0, 0, 1, 1);
    nvt_tap_annotate(d1, 1, "seed annotation");
    nvt_tap_bar_unmap(d1, 0, 0x04, 0xfebf0000, 0x4000);
    fflush(NULL);
    /* The cut: header, control blocks and the ring's data up to its head. */
    FILE *f = fopen(ring, "rb");
    if (!f)
        return 1;
    struct nvt_ring_header h;
    struct nvt_ring_ctl c;
    if (fread(&h, sizeof h, 1, f) != 1 || fseek(f, NVT_RING_HEADER_SIZE, SEEK_SET) != 0 ||
        fread(&c, sizeof c, 1, f) != 1)
        return 1;
    uint64_t len = nvt_ring_data_offset(h.ring_count) + atomic_load(&c.head);
    uint8_t *buf = calloc(1, len);
    if (!buf || fseek(f, 0, SEEK_SET) != 0 || fread(buf, 1, len, f) != len)
        return 1;
    fclose(f);
    FILE *out = fopen(argv[2], "wb");
    if (!out || fwrite(buf, 1, len, out) != len || fclose(out) != 0)
        return 1;
    unlink(ring);
    unlink(trace);
    _exit(0); /* as a crash would: no nvt_tap_close */
}
