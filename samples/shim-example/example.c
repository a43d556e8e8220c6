/* The smallest emulator-side use of libnvmetap: one NVMe function, the events a device model
 * records while the guest enables the controller and runs one Identify command.
 * Build with CMake (find_package(nvmetrace)) or make (pkg-config nvmetap); run:
 *   ./example trace.pcapng.zst && nvmetrace dump trace.pcapng.zst */
#include <stdio.h>
#include <string.h>

#include <nvmetap.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s TRACE\n", argv[0]);
        return 2;
    }
    char err[NVT_TAP_ERRBUF_SIZE];
    nvt_tap_opts opts = {.emulator = "shim-example 1.0"};
    nvt_tap *tap = nvt_tap_open(argv[1], &opts, err);
    if (!tap) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    nvt_tap_device_info info = {.bdf = "0000:00:04.0", .vendor_id = 0x1b36, .device_id = 0x0010,
                                .class_code = 0x010802};
    nvt_tap_dev *dev = nvt_tap_add_device(tap, &info, err);
    if (!dev) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    nvt_tap_cfg_read(dev, 0x00, 4, 0x00101b36);
    nvt_tap_bar_map(dev, 0, NVT_TAP_BAR_64BIT, 0xfebf0000, 0x4000);
    nvt_tap_mmio_write(dev, 0, 0x14, 4, 0x00460001, 0xfebf0014); /* CC.EN */
    nvt_tap_ctrl_state(dev, NVT_TAP_STATE_READY, 1);
    nvt_tap_doorbell(dev, 0, 0, 1);
    unsigned char sqe[64] = {0x06, 0, 0x2a, 0};                  /* Identify, CID 0x2a */
    sqe[40] = 1;                                                 /* CNS 1: controller */
    nvt_tap_submission(dev, 0, 0, sqe);
    char id[4096];
    memset(id, 0, sizeof id);
    memcpy(id + 24, "shim-example NVMe Ctrl", 22);              /* MN field */
    nvt_tap_dma_write(dev, 0x10000000, id, sizeof id, 0, 0x2a);
    unsigned char cqe[16] = {0};
    cqe[12] = 0x2a;
    cqe[14] = 1; /* phase */
    nvt_tap_completion(dev, 0, 0, cqe);
    nvt_tap_interrupt(dev, NVT_TAP_IRQ_MSIX, 0, 0x4021, 0xfee00000);
    nvt_tap_annotate(dev, NVT_TAP_ANN_MARKER, "example done");
    if (nvt_tap_close(tap, err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    return 0;
}
