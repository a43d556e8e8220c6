/*
 * nvmetrace plugin: the one place that knows how the Wireshark SDK differs between the
 * versions the plugin supports (4.0 to 4.6). Every difference is decided by the SDK's own
 * version macros (ws_version.h), here and nowhere else; the plugin's code is written against
 * the newest API and this header maps it back onto older SDKs.
 *
 *   4.2  plugins describe themselves: plugin_describe() returning WS_PLUGIN_DESC_* flags
 *        (wsutil/plugins.h). Without it `tshark -G plugins` shows the type "unknown".
 *   4.3  (developed for 4.4) tvb_get_uint8() replaces tvb_get_guint8(), which 4.4 marks
 *        deprecated (an error under -Werror); epan_get_interface_name() takes the pcapng
 *        section number as a third argument, since interface ids restart in every section.
 *
 * docs/dissector.md says how dissector.sdk_compat compiles the plugin against each SDK.
 */
#ifndef NVMETRACE_WS_COMPAT_H
#define NVMETRACE_WS_COMPAT_H

#include <ws_version.h>

#include <epan/epan.h>
#include <epan/packet.h>
#include <epan/tvbuff.h>
#include <wiretap/wtap.h>

/* True when the SDK is Wireshark MAJOR.MINOR or newer. */
#define NVT_WS_AT_LEAST(major, minor)                                                      \
    (WIRESHARK_VERSION_MAJOR > (major) ||                                                  \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

#if NVT_WS_AT_LEAST(4, 2)
#include <wsutil/plugins.h>
#endif
/* The plugin exports plugin_describe() wherever the SDK defines the description flags. */
#ifdef WS_PLUGIN_DESC_DISSECTOR
#define NVT_WS_PLUGIN_DESCRIBE 1
#endif

#if !NVT_WS_AT_LEAST(4, 3)
/* Older SDKs have only the g-type name, not deprecated there. */
#define tvb_get_uint8 tvb_get_guint8
#endif

/* The name option of the Interface Description Block the packet's record refers to. */
static inline const char *nvt_ws_interface_name(const packet_info *pinfo, uint32_t interface_id)
{
#if NVT_WS_AT_LEAST(4, 3)
    unsigned section = 0;
    if (pinfo->rec && (pinfo->rec->presence_flags & WTAP_HAS_SECTION_NUMBER))
        section = pinfo->rec->section_number;
    return epan_get_interface_name(pinfo->epan, interface_id, section);
#else
    return epan_get_interface_name(pinfo->epan, interface_id);
#endif
}

#endif
