/* libFuzzer target: the pcapng/zstd reader must never crash, hang or leak on any input, and
 * every failure must carry a message naming the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/format.h"
#include "nvmetrace/nvme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int lenient = 0; lenient <= 1; lenient++) {
        nvt_error err;
        nvt_reader_opts o = {.allow_truncated = lenient};
        nvt_reader *r = nvt_reader_open_mem(data, size, "fuzz", &o, &err);
        if (!r) {
            if (strncmp(err.msg, "fuzz: ", 6) != 0)
                abort();
            continue;
        }
        nvt_event ev;
        int rc;
        char line[512];
        while ((rc = nvt_reader_next(r, &ev, &err)) == 1) {
            /* Everything downstream of the reader sees these fields: touch them all. */
            nvt_event_describe(&ev, line, sizeof line);
            if (ev.raw_len < NVT_HDR_LEN || ev.device >= nvt_reader_device_count(r))
                abort();
        }
        if (rc < 0 && strncmp(err.msg, "fuzz: ", 6) != 0)
            abort();
        nvt_reader_close(r);
    }
    return 0;
}
