/* pcapng constants and the IDB description format shared by reader and writer (internal). */
#ifndef NVT_PCAPNG_H
#define NVT_PCAPNG_H

#include <stddef.h>

#include "nvmetrace/format.h"

#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_PB 0x00000002u  /* obsolete Packet Block */
#define PCAPNG_BT_SPB 0x00000003u
#define PCAPNG_BT_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_SHB_HARDWARE 2
#define PCAPNG_SHB_OS 3
#define PCAPNG_SHB_USERAPPL 4
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_DESCRIPTION 3
#define PCAPNG_IF_TSRESOL 9
#define PCAPNG_IF_TSOFFSET 14
#define PCAPNG_IF_HARDWARE 15

/* if_description of a device: "vendor=1b36 device=0010 subvendor=1af4 subdevice=1100
 * class=010802 rev=02 model=nvme" (keys with a zero/empty value are left out). */
void nvt_device_format_description(const nvt_device *dev, char *buf, size_t len);
/* Fills the id fields of dev from such a string; unknown keys are ignored. */
void nvt_device_parse_description(nvt_device *dev, const char *desc);

#endif
