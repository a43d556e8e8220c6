/* The IDB if_description of a device: space-separated key=value pairs (docs/format.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"

void nvt_device_format_description(const nvt_device *dev, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (n < len) {                                                                             \
            int k = snprintf(buf + n, len - n, "%s", n ? " " : "");                                \
            n += (size_t)k;                                                                        \
        }                                                                                          \
        if (n < len)                                                                               \
            n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__);                                  \
    } while (0)
    if (dev->vendor_id || dev->device_id) {
        ADD("vendor=%04x", dev->vendor_id);
        ADD("device=%04x", dev->device_id);
    }
    if (dev->subsys_vendor_id || dev->subsys_id) {
        ADD("subvendor=%04x", dev->subsys_vendor_id);
        ADD("subdevice=%04x", dev->subsys_id);
    }
    if (dev->class_code)
        ADD("class=%06x", dev->class_code & 0xffffffu);
    if (dev->revision)
        ADD("rev=%02x", dev->revision);
    if (dev->model[0])
        ADD("model=%.*s", (int)sizeof dev->model, dev->model);
    if (dev->vantage == NVT_VANTAGE_GUEST)
        ADD("vantage=guest");
#undef ADD
}

void nvt_device_parse_description(nvt_device *dev, const char *desc)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", desc);
    for (char *save = NULL, *tok = strtok_r(tmp, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = 0;
        const char *k = tok, *v = eq + 1;
        unsigned long x = strtoul(v, NULL, 16);
        if (strcmp(k, "vendor") == 0)
            dev->vendor_id = (uint16_t)x;
        else if (strcmp(k, "device") == 0)
            dev->device_id = (uint16_t)x;
        else if (strcmp(k, "subvendor") == 0)
            dev->subsys_vendor_id = (uint16_t)x;
        else if (strcmp(k, "subdevice") == 0)
            dev->subsys_id = (uint16_t)x;
        else if (strcmp(k, "class") == 0)
            dev->class_code = (uint32_t)(x & 0xffffff);
        else if (strcmp(k, "rev") == 0)
            dev->revision = (uint8_t)x;
        else if (strcmp(k, "model") == 0)
            snprintf(dev->model, sizeof dev->model, "%s", v);
        else if (strcmp(k, "vantage") == 0)
            dev->vantage = strcmp(v, "guest") == 0 ? NVT_VANTAGE_GUEST : NVT_VANTAGE_DEVICE;
    }
}
