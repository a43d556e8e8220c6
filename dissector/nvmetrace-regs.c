/*
 * nvmetrace plugin: NVMe controller registers (BAR0, NVMe Base Specification 2.0 section 3.1)
 * and PCI configuration space: the type 0 header and the capabilities (PM, MSI, MSI-X,
 * PCI Express, extended capabilities) found by following the capability list in the trace's
 * own config reads.
 */
#include "nvmetrace-int.h"

#include <string.h>

#include <epan/proto.h>

/* ---- controller registers ---- */
static int hf_reg_name = -1;
static int hf_reg_value = -1;
static int hf_cap = -1, hf_cap_mqes = -1, hf_cap_cqr = -1, hf_cap_ams = -1, hf_cap_to = -1;
static int hf_cap_dstrd = -1, hf_cap_nssrs = -1, hf_cap_css = -1, hf_cap_bps = -1;
static int hf_cap_cps = -1, hf_cap_mpsmin = -1, hf_cap_mpsmax = -1, hf_cap_pmrs = -1;
static int hf_cap_cmbs = -1, hf_cap_nsss = -1, hf_cap_crms = -1;
static int hf_vs = -1, hf_vs_mjr = -1, hf_vs_mnr = -1, hf_vs_ter = -1;
static int hf_intms = -1, hf_intmc = -1;
static int hf_cc = -1, hf_cc_en = -1, hf_cc_css = -1, hf_cc_mps = -1, hf_cc_ams = -1;
static int hf_cc_shn = -1, hf_cc_iosqes = -1, hf_cc_iocqes = -1, hf_cc_crime = -1;
static int hf_csts = -1, hf_csts_rdy = -1, hf_csts_cfs = -1, hf_csts_shst = -1;
static int hf_csts_nssro = -1, hf_csts_pp = -1, hf_csts_st = -1;
static int hf_nssr = -1;
static int hf_aqa = -1, hf_aqa_asqs = -1, hf_aqa_acqs = -1;
static int hf_asq = -1, hf_asq_asqb = -1, hf_acq = -1, hf_acq_acqb = -1;
static int hf_cmbloc = -1, hf_cmbloc_bir = -1, hf_cmbloc_cqmms = -1, hf_cmbloc_cqpds = -1;
static int hf_cmbloc_cdpmls = -1, hf_cmbloc_cdpcils = -1, hf_cmbloc_cdmmms = -1;
static int hf_cmbloc_cqda = -1, hf_cmbloc_ofst = -1;
static int hf_cmbsz = -1, hf_cmbsz_sqs = -1, hf_cmbsz_cqs = -1, hf_cmbsz_lists = -1;
static int hf_cmbsz_rds = -1, hf_cmbsz_wds = -1, hf_cmbsz_szu = -1, hf_cmbsz_sz = -1;

/* ---- config space ---- */
static int hf_cfg_field = -1;
static int hf_cfg_vendor = -1, hf_cfg_device = -1, hf_cfg_command = -1, hf_cfg_status = -1;
static int hf_cfg_cmd_io = -1, hf_cfg_cmd_mem = -1, hf_cfg_cmd_bm = -1, hf_cfg_cmd_sc = -1;
static int hf_cfg_cmd_mwi = -1, hf_cfg_cmd_vga = -1, hf_cfg_cmd_perr = -1;
static int hf_cfg_cmd_serr = -1, hf_cfg_cmd_fbb = -1, hf_cfg_cmd_intxd = -1;
static int hf_cfg_st_intx = -1, hf_cfg_st_caplist = -1, hf_cfg_st_66 = -1, hf_cfg_st_fbb = -1;
static int hf_cfg_st_mdpe = -1, hf_cfg_st_devsel = -1, hf_cfg_st_sta = -1, hf_cfg_st_rta = -1;
static int hf_cfg_st_rma = -1, hf_cfg_st_sse = -1, hf_cfg_st_dpe = -1;
static int hf_cfg_rev = -1, hf_cfg_class = -1, hf_cfg_cls = -1, hf_cfg_lat = -1;
static int hf_cfg_htype = -1, hf_cfg_bist = -1;
static int hf_cfg_bar = -1, hf_cfg_bar_io = -1, hf_cfg_bar_type = -1, hf_cfg_bar_pf = -1;
static int hf_cfg_bar_addr = -1, hf_cfg_bar_sizing = -1;
static int hf_cfg_cis = -1, hf_cfg_ssvid = -1, hf_cfg_ssid = -1, hf_cfg_rom = -1;
static int hf_cfg_capptr = -1, hf_cfg_intline = -1, hf_cfg_intpin = -1, hf_cfg_mingnt = -1;
static int hf_cfg_maxlat = -1;
static int hf_cfg_cap_id = -1, hf_cfg_cap_next = -1, hf_cfg_cap_offset = -1;
static int hf_pm_pmc = -1, hf_pm_pmcsr = -1, hf_pm_ps = -1, hf_pm_nsr = -1, hf_pm_pme_en = -1;
static int hf_pm_pme_st = -1, hf_pm_bse = -1, hf_pm_data = -1;
static int hf_msi_ctrl = -1, hf_msi_en = -1, hf_msi_mmc = -1, hf_msi_mme = -1;
static int hf_msi_64 = -1, hf_msi_pvm = -1, hf_msi_addr = -1, hf_msi_addr_hi = -1;
static int hf_msi_data = -1, hf_msi_mask = -1, hf_msi_pending = -1;
static int hf_msix_ctrl = -1, hf_msix_tsize = -1, hf_msix_fmask = -1, hf_msix_en = -1;
static int hf_msix_table = -1, hf_msix_pba = -1, hf_msix_bir = -1, hf_msix_off = -1;
static int hf_pcie_caps = -1, hf_pcie_ver = -1, hf_pcie_type = -1, hf_pcie_slot = -1;
static int hf_pcie_imn = -1, hf_pcie_devcap = -1, hf_pcie_devcap_mps = -1;
static int hf_pcie_devcap_flr = -1, hf_pcie_devctl = -1, hf_pcie_devctl_mps = -1;
static int hf_pcie_devctl_mrrs = -1, hf_pcie_devctl_flr = -1, hf_pcie_devctl_ro = -1;
static int hf_pcie_devctl_ens = -1, hf_pcie_devsta = -1, hf_pcie_linkcap = -1;
static int hf_pcie_linkctl = -1, hf_pcie_linksta = -1, hf_pcie_speed = -1, hf_pcie_width = -1;
static int hf_pcie_other = -1;
static int hf_vndr_len = -1;
static int hf_ecap_hdr = -1, hf_ecap_id = -1, hf_ecap_ver = -1, hf_ecap_next = -1;

static gint ett_reg = -1, ett_cfg_field = -1;

static const value_string cc_css_vals[] = {
    {0, "NVM Command Set"}, {6, "All supported I/O Command Sets"},
    {7, "Admin Command Set only"}, {0, NULL}};
static const value_string cc_ams_vals[] = {
    {0, "Round Robin"}, {1, "Weighted Round Robin with Urgent"}, {7, "Vendor Specific"},
    {0, NULL}};
static const value_string cc_shn_vals[] = {
    {0, "No notification"}, {1, "Normal shutdown"}, {2, "Abrupt shutdown"},
    {3, "Reserved"}, {0, NULL}};
static const value_string csts_shst_vals[] = {
    {0, "Normal operation"}, {1, "Shutdown processing occurring"},
    {2, "Shutdown processing complete"}, {3, "Reserved"}, {0, NULL}};
static const val64_string cap_cps_vals[] = {
    {0, "Not reported"}, {1, "Controller scope"}, {2, "Domain scope"},
    {3, "NVM subsystem scope"}, {0, NULL}};
static const value_string cmbsz_szu_vals[] = {
    {0, "4 KiB"}, {1, "64 KiB"}, {2, "1 MiB"}, {3, "16 MiB"}, {4, "256 MiB"}, {5, "4 GiB"},
    {6, "64 GiB"}, {0, NULL}};
static const value_string cap_id_vals[] = {
    {0x01, "Power Management"}, {0x02, "AGP"}, {0x03, "VPD"}, {0x04, "Slot Identification"},
    {0x05, "MSI"}, {0x06, "CompactPCI Hot Swap"}, {0x07, "PCI-X"}, {0x08, "HyperTransport"},
    {0x09, "Vendor Specific"}, {0x0a, "Debug Port"}, {0x0b, "CompactPCI Central Resource"},
    {0x0c, "PCI Hot-Plug"}, {0x0d, "Bridge Subsystem Vendor ID"}, {0x0e, "AGP 8x"},
    {0x0f, "Secure Device"}, {0x10, "PCI Express"}, {0x11, "MSI-X"}, {0x12, "SATA"},
    {0x13, "Advanced Features"}, {0x14, "Enhanced Allocation"}, {0x15, "Flattening Portal"},
    {0, NULL}};
static const value_string ecap_id_vals[] = {
    {0x0001, "Advanced Error Reporting"}, {0x0002, "Virtual Channel"},
    {0x0003, "Device Serial Number"}, {0x0004, "Power Budgeting"}, {0x000b, "Vendor-Specific"},
    {0x000d, "Access Control Services"}, {0x000e, "Alternative Routing-ID Interpretation"},
    {0x0010, "SR-IOV"}, {0x0017, "TLP Processing Hints"}, {0x0018, "Latency Tolerance Reporting"},
    {0x0019, "Secondary PCI Express"}, {0x001e, "L1 PM Substates"},
    {0x0025, "Data Link Feature"}, {0x0026, "Physical Layer 16.0 GT/s"}, {0, NULL}};
static const value_string pcie_type_vals[] = {
    {0, "PCI Express Endpoint"}, {1, "Legacy PCI Express Endpoint"},
    {9, "RCiEP"}, {10, "Root Complex Event Collector"}, {4, "Root Port"},
    {5, "Upstream Switch Port"}, {6, "Downstream Switch Port"}, {0, NULL}};
static const value_string pcie_payload_vals[] = {
    {0, "128 bytes"}, {1, "256 bytes"}, {2, "512 bytes"}, {3, "1024 bytes"},
    {4, "2048 bytes"}, {5, "4096 bytes"}, {0, NULL}};
static const value_string pcie_speed_vals[] = {
    {1, "2.5 GT/s"}, {2, "5 GT/s"}, {3, "8 GT/s"}, {4, "16 GT/s"}, {5, "32 GT/s"},
    {6, "64 GT/s"}, {0, NULL}};
static const value_string intpin_vals[] = {
    {0, "None"}, {1, "INTA#"}, {2, "INTB#"}, {3, "INTC#"}, {4, "INTD#"}, {0, NULL}};
static const value_string pm_state_vals[] = {
    {0, "D0"}, {1, "D1"}, {2, "D2"}, {3, "D3hot"}, {0, NULL}};
static const value_string bar_type_vals[] = {
    {0, "32-bit"}, {1, "Reserved"}, {2, "64-bit"}, {3, "Reserved"}, {0, NULL}};

const value_string nvt_msix_field_vals[] = {
    {NVT_MSIX_ADDR_LO, "Message Address"}, {NVT_MSIX_ADDR_HI, "Message Upper Address"},
    {NVT_MSIX_DATA, "Message Data"}, {NVT_MSIX_VECTOR_CTRL, "Vector Control"},
    {NVT_MSIX_PBA_LO, "Pending Bits (low dword)"}, {NVT_MSIX_PBA_HI, "Pending Bits (high dword)"},
    {0, NULL}};

/* Address fields are bit fields whose low bits belong to other fields; Wireshark passes their
 * value shifted right. These print the address itself. */
static void fmt_addr_shift3(gchar *buf, guint32 v)
{
    g_snprintf(buf, ITEM_LABEL_LENGTH, "0x%08x", v << 3);
}

static void fmt_addr_shift4(gchar *buf, guint32 v)
{
    g_snprintf(buf, ITEM_LABEL_LENGTH, "0x%08x", v << 4);
}

static void fmt_addr_shift12(gchar *buf, guint64 v)
{
    g_snprintf(buf, ITEM_LABEL_LENGTH, "0x%016" G_GINT64_MODIFIER "x", v << 12);
}

/* ---- controller registers ---- */

typedef struct reg_desc {
    guint16 off;
    guint8 width;          /* 4 or 8 bytes */
    int *hf;
    int *const *fields;    /* bit fields, or NULL */
    guint64 reserved;      /* bits the spec reserves */
} reg_desc;

static int *const cap_fields[] = {&hf_cap_mqes, &hf_cap_cqr, &hf_cap_ams, &hf_cap_to,
                                  &hf_cap_dstrd, &hf_cap_nssrs, &hf_cap_css, &hf_cap_bps,
                                  &hf_cap_cps, &hf_cap_mpsmin, &hf_cap_mpsmax, &hf_cap_pmrs,
                                  &hf_cap_cmbs, &hf_cap_nsss, &hf_cap_crms, NULL};
static int *const cap_lo_fields[] = {&hf_cap_mqes, &hf_cap_cqr, &hf_cap_ams, &hf_cap_to, NULL};
static int *const cap_hi_fields[] = {&hf_cap_dstrd, &hf_cap_nssrs, &hf_cap_css, &hf_cap_bps,
                                     &hf_cap_cps, &hf_cap_mpsmin, &hf_cap_mpsmax,
                                     &hf_cap_pmrs, &hf_cap_cmbs, &hf_cap_nsss, &hf_cap_crms,
                                     NULL};
static int *const vs_fields[] = {&hf_vs_mjr, &hf_vs_mnr, &hf_vs_ter, NULL};
static int *const cc_fields[] = {&hf_cc_en, &hf_cc_css, &hf_cc_mps, &hf_cc_ams, &hf_cc_shn,
                                 &hf_cc_iosqes, &hf_cc_iocqes, &hf_cc_crime, NULL};
static int *const csts_fields[] = {&hf_csts_rdy, &hf_csts_cfs, &hf_csts_shst, &hf_csts_nssro,
                                   &hf_csts_pp, &hf_csts_st, NULL};
static int *const aqa_fields[] = {&hf_aqa_asqs, &hf_aqa_acqs, NULL};
static int *const asq_fields[] = {&hf_asq_asqb, NULL};
static int *const acq_fields[] = {&hf_acq_acqb, NULL};
static int *const cmbloc_fields[] = {&hf_cmbloc_bir, &hf_cmbloc_cqmms, &hf_cmbloc_cqpds,
                                     &hf_cmbloc_cdpmls, &hf_cmbloc_cdpcils, &hf_cmbloc_cdmmms,
                                     &hf_cmbloc_cqda, &hf_cmbloc_ofst, NULL};
static int *const cmbsz_fields[] = {&hf_cmbsz_sqs, &hf_cmbsz_cqs, &hf_cmbsz_lists,
                                    &hf_cmbsz_rds, &hf_cmbsz_wds, &hf_cmbsz_szu, &hf_cmbsz_sz,
                                    NULL};

static const reg_desc regs[] = {
    {NVME_REG_CAP, 8, &hf_cap, cap_fields, G_GUINT64_CONSTANT(0xe000000000f80000)},
    {NVME_REG_VS, 4, &hf_vs, vs_fields, 0},
    {NVME_REG_INTMS, 4, &hf_intms, NULL, 0},
    {NVME_REG_INTMC, 4, &hf_intmc, NULL, 0},
    {NVME_REG_CC, 4, &hf_cc, cc_fields, 0xfe00000e},
    {NVME_REG_CSTS, 4, &hf_csts, csts_fields, 0xffffff80},
    {NVME_REG_NSSR, 4, &hf_nssr, NULL, 0},
    {NVME_REG_AQA, 4, &hf_aqa, aqa_fields, 0xf000f000},
    {NVME_REG_ASQ, 8, &hf_asq, asq_fields, 0xfff},
    {NVME_REG_ACQ, 8, &hf_acq, acq_fields, 0xfff},
    {NVME_REG_CMBLOC, 4, &hf_cmbloc, cmbloc_fields, 0x00000e00},
    {NVME_REG_CMBSZ, 4, &hf_cmbsz, cmbsz_fields, 0x000000e0},
};

static const reg_desc *find_reg(guint32 off)
{
    for (guint i = 0; i < G_N_ELEMENTS(regs); i++)
        if (off >= regs[i].off && off < regs[i].off + regs[i].width)
            return &regs[i];
    return NULL;
}

const char *nvt_reg_name(guint32 reg_off, char *buf, gsize buflen)
{
    const char *name = nvt_register_name(reg_off);
    if (name)
        return name;
    const reg_desc *r = find_reg(reg_off);
    if (r && r->width == 8 && reg_off == r->off + 4u) {
        g_snprintf(buf, (gulong)buflen, "%s (upper dword)", nvt_register_name(r->off));
        return buf;
    }
    return NULL;
}

void nvt_dissect_nvme_reg(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int value_off,
                          guint32 reg_off, guint size, guint64 value, gboolean is_write)
{
    char buf[48];
    const char *name = nvt_reg_name(reg_off, buf, sizeof buf);
    proto_item *it = proto_tree_add_string(tree, hf_reg_name, tvb, value_off, 0,
                                           name ? name : "Reserved / vendor specific");
    proto_item_set_generated(it);

    const reg_desc *r = find_reg(reg_off);
    int *const *fields = NULL;
    guint64 v = value;
    guint64 covered = 0; /* register bits this access carries */
    if (r && reg_off == r->off && size == r->width) {
        fields = r->fields;
        covered = r->width == 8 ? G_MAXUINT64 : 0xffffffffu;
    } else if (r && r->width == 8 && size == 4) {
        gboolean hi = reg_off == r->off + 4u;
        v = hi ? value << 32 : value & 0xffffffffu;
        covered = hi ? G_GUINT64_CONSTANT(0xffffffff00000000) : 0xffffffffu;
        if (r->hf == &hf_cap)
            fields = hi ? cap_hi_fields : cap_lo_fields;
        else
            fields = r->fields;
    }
    if (!covered) {
        proto_tree_add_item(tree, hf_reg_value, tvb, value_off, (gint)MIN(size, 8u),
                            ENC_LITTLE_ENDIAN);
        return;
    }
    proto_item *ri;
    if (fields)
        ri = proto_tree_add_bitmask_value_with_flags(tree, tvb, value_off, *r->hf, ett_reg,
                                                     fields, v, BMT_NO_APPEND);
    else
        ri = proto_tree_add_uint(tree, *r->hf, tvb, value_off, 4, (guint32)v);
    guint64 rsvd = v & r->reserved & covered;
    if (rsvd && (is_write || r->hf != &hf_cc))
        expert_add_info_format(pinfo, ri, &ei_nvt_reserved, "Reserved bits set in %s: 0x%"
                               G_GINT64_MODIFIER "x", nvt_register_name(r->off), rsvd);
    if (r->hf == &hf_csts && !is_write && (v & 2))
        expert_add_info(pinfo, ri, &ei_nvt_ctrl_fatal);
}

/* ---- PCI configuration space ---- */

typedef struct cfg_field {
    guint16 off;           /* in the header, or relative to the capability */
    guint8 len;            /* 1, 2 or 4 */
    int *hf;
    int *const *fields;
} cfg_field;

static int *const command_fields[] = {&hf_cfg_cmd_io, &hf_cfg_cmd_mem, &hf_cfg_cmd_bm,
                                      &hf_cfg_cmd_sc, &hf_cfg_cmd_mwi, &hf_cfg_cmd_vga,
                                      &hf_cfg_cmd_perr, &hf_cfg_cmd_serr, &hf_cfg_cmd_fbb,
                                      &hf_cfg_cmd_intxd, NULL};
static int *const status_fields[] = {&hf_cfg_st_intx, &hf_cfg_st_caplist, &hf_cfg_st_66,
                                     &hf_cfg_st_fbb, &hf_cfg_st_mdpe, &hf_cfg_st_devsel,
                                     &hf_cfg_st_sta, &hf_cfg_st_rta, &hf_cfg_st_rma,
                                     &hf_cfg_st_sse, &hf_cfg_st_dpe, NULL};
static int *const bar_fields[] = {&hf_cfg_bar_io, &hf_cfg_bar_type, &hf_cfg_bar_pf,
                                  &hf_cfg_bar_addr, NULL};

static const cfg_field header_fields[] = {
    {0x00, 2, &hf_cfg_vendor, NULL}, {0x02, 2, &hf_cfg_device, NULL},
    {0x04, 2, &hf_cfg_command, command_fields}, {0x06, 2, &hf_cfg_status, status_fields},
    {0x08, 1, &hf_cfg_rev, NULL}, {0x09, 3, &hf_cfg_class, NULL},
    {0x0c, 1, &hf_cfg_cls, NULL}, {0x0d, 1, &hf_cfg_lat, NULL},
    {0x0e, 1, &hf_cfg_htype, NULL}, {0x0f, 1, &hf_cfg_bist, NULL},
    {0x10, 4, &hf_cfg_bar, bar_fields}, {0x14, 4, &hf_cfg_bar, bar_fields},
    {0x18, 4, &hf_cfg_bar, bar_fields}, {0x1c, 4, &hf_cfg_bar, bar_fields},
    {0x20, 4, &hf_cfg_bar, bar_fields}, {0x24, 4, &hf_cfg_bar, bar_fields},
    {0x28, 4, &hf_cfg_cis, NULL}, {0x2c, 2, &hf_cfg_ssvid, NULL},
    {0x2e, 2, &hf_cfg_ssid, NULL}, {0x30, 4, &hf_cfg_rom, NULL},
    {0x34, 1, &hf_cfg_capptr, NULL}, {0x3c, 1, &hf_cfg_intline, NULL},
    {0x3d, 1, &hf_cfg_intpin, NULL}, {0x3e, 1, &hf_cfg_mingnt, NULL},
    {0x3f, 1, &hf_cfg_maxlat, NULL},
};

static int *const pmcsr_fields[] = {&hf_pm_ps, &hf_pm_nsr, &hf_pm_pme_en, &hf_pm_pme_st, NULL};
static int *const msi_ctrl_fields[] = {&hf_msi_en, &hf_msi_mmc, &hf_msi_mme, &hf_msi_64,
                                       &hf_msi_pvm, NULL};
static int *const msix_ctrl_fields[] = {&hf_msix_tsize, &hf_msix_fmask, &hf_msix_en, NULL};
static int *const msix_loc_fields[] = {&hf_msix_bir, &hf_msix_off, NULL};
static int *const pcie_caps_fields[] = {&hf_pcie_ver, &hf_pcie_type, &hf_pcie_slot,
                                        &hf_pcie_imn, NULL};
static int *const pcie_devcap_fields[] = {&hf_pcie_devcap_mps, &hf_pcie_devcap_flr, NULL};
static int *const pcie_devctl_fields[] = {&hf_pcie_devctl_ro, &hf_pcie_devctl_mps,
                                          &hf_pcie_devctl_ens, &hf_pcie_devctl_mrrs,
                                          &hf_pcie_devctl_flr, NULL};
static int *const pcie_link_fields[] = {&hf_pcie_speed, &hf_pcie_width, NULL};
static int *const ecap_fields[] = {&hf_ecap_id, &hf_ecap_ver, &hf_ecap_next, NULL};

#define CAP_HDR {0, 1, &hf_cfg_cap_id, NULL}, {1, 1, &hf_cfg_cap_next, NULL}
static const cfg_field pm_fields[] = {
    CAP_HDR, {2, 2, &hf_pm_pmc, NULL}, {4, 2, &hf_pm_pmcsr, pmcsr_fields},
    {6, 1, &hf_pm_bse, NULL}, {7, 1, &hf_pm_data, NULL}};
static const cfg_field msi32_fields[] = {
    CAP_HDR, {2, 2, &hf_msi_ctrl, msi_ctrl_fields}, {4, 4, &hf_msi_addr, NULL},
    {8, 2, &hf_msi_data, NULL}, {12, 4, &hf_msi_mask, NULL}, {16, 4, &hf_msi_pending, NULL}};
static const cfg_field msi64_fields[] = {
    CAP_HDR, {2, 2, &hf_msi_ctrl, msi_ctrl_fields}, {4, 4, &hf_msi_addr, NULL},
    {8, 4, &hf_msi_addr_hi, NULL}, {12, 2, &hf_msi_data, NULL}, {16, 4, &hf_msi_mask, NULL},
    {20, 4, &hf_msi_pending, NULL}};
static const cfg_field msix_fields[] = {
    CAP_HDR, {2, 2, &hf_msix_ctrl, msix_ctrl_fields}, {4, 4, &hf_msix_table, msix_loc_fields},
    {8, 4, &hf_msix_pba, msix_loc_fields}};
static const cfg_field pcie_fields[] = {
    CAP_HDR, {2, 2, &hf_pcie_caps, pcie_caps_fields},
    {4, 4, &hf_pcie_devcap, pcie_devcap_fields}, {8, 2, &hf_pcie_devctl, pcie_devctl_fields},
    {0x0a, 2, &hf_pcie_devsta, NULL}, {0x0c, 4, &hf_pcie_linkcap, pcie_link_fields},
    {0x10, 2, &hf_pcie_linkctl, NULL}, {0x12, 2, &hf_pcie_linksta, pcie_link_fields}};
static const cfg_field vndr_fields[] = {CAP_HDR, {2, 1, &hf_vndr_len, NULL}};
static const cfg_field other_cap_fields[] = {CAP_HDR};
static const cfg_field ecap_hdr_fields[] = {{0, 4, &hf_ecap_hdr, ecap_fields}};

#define CAP_ID_PM 0x01
#define CAP_ID_MSI 0x05
#define CAP_ID_VNDR 0x09
#define CAP_ID_PCIE 0x10
#define CAP_ID_MSIX 0x11

/* Bytes a capability occupies, as far as the trace can be decoded. */
static guint cap_len(nvt_cap cap)
{
    if (cap.start >= 0x100) {
        switch (cap.id) {
        case 0x0001: return 0x48; /* AER */
        case 0x0003: return 12;   /* Device Serial Number */
        case 0x000e: return 8;    /* ARI */
        case 0x0010: return 0x40; /* SR-IOV */
        case 0x0018: return 8;    /* LTR */
        default: return 4;
        }
    }
    switch (cap.id) {
    case CAP_ID_PM: return 8;
    case CAP_ID_MSI: return 24;
    case CAP_ID_MSIX: return 12;
    case CAP_ID_PCIE: return 0x3c;
    case CAP_ID_VNDR: return 3;
    default: return 2;
    }
}

static const cfg_field *cap_fields_of(nvt_cap cap, gboolean msi_64bit, guint *n)
{
#define RET(t) do { *n = G_N_ELEMENTS(t); return t; } while (0)
    if (cap.start >= 0x100)
        RET(ecap_hdr_fields);
    switch (cap.id) {
    case CAP_ID_PM: RET(pm_fields);
    case CAP_ID_MSI:
        if (msi_64bit)
            RET(msi64_fields);
        RET(msi32_fields);
    case CAP_ID_MSIX: RET(msix_fields);
    case CAP_ID_PCIE: RET(pcie_fields);
    case CAP_ID_VNDR: RET(vndr_fields);
    default: RET(other_cap_fields);
    }
#undef RET
}

const char *nvt_cap_name(nvt_cap cap)
{
    if (cap.start >= 0x100)
        return val_to_str_const(cap.id, ecap_id_vals, "Extended capability");
    return val_to_str_const(cap.id, cap_id_vals, "Capability");
}

/* Adds field f (at config offset at) if the access [a, a+size) covers all of it. */
static gboolean add_cfg_field(tvbuff_t *tvb, proto_tree *tree, int value_off, guint16 a,
                              guint size, guint32 value, const cfg_field *f, guint16 at)
{
    if (at < a || at + f->len > a + size)
        return FALSE;
    guint shift = 8u * (at - a);
    guint32 v = (value >> shift) & (f->len == 4 ? 0xffffffffu : ((1u << (8 * f->len)) - 1));
    int o = value_off + (int)(at - a);
    if (f->fields)
        proto_tree_add_bitmask_value_with_flags(tree, tvb, o, *f->hf, ett_cfg_field,
                                                f->fields, v, BMT_NO_APPEND);
    else
        proto_tree_add_uint(tree, *f->hf, tvb, o, f->len, v);
    return TRUE;
}

/* A write of all ones to a whole BAR dword is the host sizing the BAR (PCI Local Bus 3.0,
 * 6.2.5.1): the value is a probe, not an address with an I/O, type and prefetch bits. */
static gboolean add_bar_sizing(tvbuff_t *tvb, proto_tree *tree, int value_off, guint16 a,
                               guint size, guint32 value, const cfg_field *f)
{
    if (*f->hf != hf_cfg_bar || f->off != a || size != 4 || value != 0xffffffffu)
        return FALSE;
    proto_tree_add_string_format_value(tree, hf_cfg_bar_sizing, tvb, value_off, 4, "BAR sizing",
                                       "BAR%u sizing (all ones written; the next read returns "
                                       "the size mask)", (guint)(a - 0x10) / 4);
    return TRUE;
}

void nvt_dissect_cfg(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int value_off,
                     guint16 cfg_off, guint size, guint32 value, nvt_cap cap,
                     gboolean msi_64bit, gboolean write)
{
    if (!tree)
        return;
    wmem_strbuf_t *names = wmem_strbuf_new(pinfo->pool, "");
    nvt_cfg_describe(names, cfg_off, size, cap, msi_64bit);
    proto_item *it = proto_tree_add_string(tree, hf_cfg_field, tvb, value_off, 0,
                                           wmem_strbuf_get_len(names)
                                               ? wmem_strbuf_get_str(names)
                                               : "Device specific");
    proto_item_set_generated(it);
    gboolean any = FALSE;
    if (cfg_off < 0x40) {
        for (guint i = 0; i < G_N_ELEMENTS(header_fields); i++) {
            if (write && add_bar_sizing(tvb, tree, value_off, cfg_off, size, value,
                                        &header_fields[i])) {
                any = TRUE;
                continue;
            }
            any |= add_cfg_field(tvb, tree, value_off, cfg_off, size, value, &header_fields[i],
                                 header_fields[i].off);
        }
    } else if (cap.id != NVT_CAP_NONE) {
        proto_item *ci = proto_tree_add_uint(tree, hf_cfg_cap_offset, tvb, value_off, 0,
                                             cfg_off - cap.start);
        proto_item_set_generated(ci);
        proto_item_append_text(ci, " in %s capability at 0x%02x", nvt_cap_name(cap),
                               cap.start);
        guint n;
        const cfg_field *f = cap_fields_of(cap, msi_64bit, &n);
        for (guint i = 0; i < n; i++)
            any |= add_cfg_field(tvb, tree, value_off, cfg_off, size, value, &f[i],
                                 (guint16)(cap.start + f[i].off));
    }
    if (!any && cfg_off >= 0x40 && cap.id != NVT_CAP_NONE)
        proto_tree_add_uint(tree, hf_pcie_other, tvb, value_off, (gint)MIN(size, 4u), value);
}

void nvt_cfg_describe(wmem_strbuf_t *out, guint16 cfg_off, guint size, nvt_cap cap,
                      gboolean msi_64bit)
{
    static const char *const bars[] = {"BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5"};
    const cfg_field *f;
    guint n;
    guint16 base = 0;
    if (cfg_off < 0x40) {
        f = header_fields;
        n = G_N_ELEMENTS(header_fields);
    } else if (cap.id != NVT_CAP_NONE) {
        f = cap_fields_of(cap, msi_64bit, &n);
        base = cap.start;
    } else {
        return;
    }
    const char *cap_name = base ? nvt_cap_name(cap) : NULL;
    gsize start = wmem_strbuf_get_len(out);
    for (guint i = 0; i < n; i++) {
        guint16 at = (guint16)(base + f[i].off);
        if (at >= cfg_off + MAX(size, 1u) || at + f[i].len <= cfg_off)
            continue; /* the access does not touch this field */
        const char *name = *f[i].hf == hf_cfg_bar ? bars[(at - 0x10) / 4]
                                                   : proto_registrar_get_name(*f[i].hf);
        if (wmem_strbuf_get_len(out) == start && cap_name && !strstr(name, cap_name))
            wmem_strbuf_append_printf(out, "%s: ", cap_name);
        else if (wmem_strbuf_get_len(out) != start)
            wmem_strbuf_append(out, ", ");
        wmem_strbuf_append(out, name);
    }
    if (wmem_strbuf_get_len(out) == start && cap_name)
        wmem_strbuf_append(out, cap_name);
}

/* ---- capability list tracking (first pass, from config reads) ---- */

static nvt_cap *cap_at(nvt_dev *dev, guint16 start)
{
    for (guint i = 0; i < dev->ncaps; i++)
        if (dev->caps[i].start == start)
            return &dev->caps[i];
    return NULL;
}

static gboolean pending_at(const nvt_dev *dev, guint16 off)
{
    for (guint i = 0; i < dev->npending; i++)
        if (dev->cap_pending[i] == off)
            return TRUE;
    return FALSE;
}

static void add_pending(nvt_dev *dev, guint16 off)
{
    if (pending_at(dev, off) || cap_at(dev, off) || dev->npending >= NVT_MAX_CAPS)
        return;
    dev->cap_pending[dev->npending++] = off;
}

static void set_cap(nvt_dev *dev, guint16 start, guint16 id)
{
    nvt_cap *c = cap_at(dev, start);
    if (!c) {
        if (dev->ncaps >= NVT_MAX_CAPS)
            return;
        c = &dev->caps[dev->ncaps++];
        c->start = start;
    }
    c->id = id;
}

static void learn_cap_registers(nvt_dev *dev, const nvt_cap *c, guint16 off, guint size,
                                guint32 value)
{
    /* The 16- or 32-bit register at cap+rel, if the read covers it. */
    guint start = c->start, first = off, end = off + size;
#define COVERS(rel, len) (start + (rel) >= first && start + (rel) + (len) <= end)
#define FIELD(rel, len) ((value >> (8u * (start + (rel) - first))) & \
                         ((len) == 4 ? 0xffffffffu : 0xffffu))
    if (c->id == CAP_ID_MSIX) {
        if (COVERS(2, 2))
            dev->msix_table_size = (guint16)((FIELD(2, 2) & 0x7ff) + 1);
        if (COVERS(4, 4)) {
            guint32 t = FIELD(4, 4);
            dev->msix_table_bir = t & 7;
            dev->msix_table_off = t & ~7u;
            dev->msix_loc_known = TRUE;
        }
        if (COVERS(8, 4)) {
            guint32 t = FIELD(8, 4);
            dev->msix_pba_bir = t & 7;
            dev->msix_pba_off = t & ~7u;
        }
    } else if (c->id == CAP_ID_MSI && COVERS(2, 2)) {
        dev->msi_64bit = (FIELD(2, 2) & 0x80) != 0;
    }
#undef COVERS
#undef FIELD
}

void nvt_caps_learn(nvt_dev *dev, guint16 off, guint size, guint32 value)
{
    if (size != 1 && size != 2 && size != 4)
        return;
    if (off >= 0x100) {
        /* Extended capability header: ID 15:0, version 19:16, next 31:20. */
        if (size == 4 && (off == 0x100 || pending_at(dev, off) || cap_at(dev, off)) &&
            value != 0 && value != 0xffffffffu) {
            set_cap(dev, off, (guint16)(value & 0xffff));
            guint16 next = (guint16)((value >> 20) & 0xffc);
            if (next >= 0x100)
                add_pending(dev, next);
        }
    } else {
        for (guint i = 0; i < size; i++) {
            guint16 b = (guint16)(off + i);
            guint8 byte = (guint8)(value >> (8 * i));
            if (b == 0x34 && (byte & 0xfc) >= 0x40)
                add_pending(dev, byte & 0xfc);
            else if (b >= 0x40 && (pending_at(dev, b) || cap_at(dev, b)))
                set_cap(dev, b, byte);
            else if (b >= 0x41 && cap_at(dev, (guint16)(b - 1)) && (byte & 0xfc) >= 0x40)
                add_pending(dev, byte & 0xfc);
        }
    }
    nvt_cap c = nvt_caps_find(dev, off);
    if (c.id != NVT_CAP_NONE)
        learn_cap_registers(dev, &c, off, size, value);
}

nvt_cap nvt_caps_find(const nvt_dev *dev, guint16 off)
{
    nvt_cap best = {0, NVT_CAP_NONE};
    gboolean ext = off >= 0x100;
    for (guint i = 0; i < dev->ncaps; i++) {
        nvt_cap c = dev->caps[i];
        if ((c.start >= 0x100) != ext || c.start > off)
            continue;
        if (best.id == NVT_CAP_NONE || c.start > best.start)
            best = c;
    }
    if (best.id != NVT_CAP_NONE && off >= best.start + cap_len(best))
        best.id = NVT_CAP_NONE;
    return best;
}

/* ---- registration ---- */

#define HF(id, name, abbrev, type, base, strings, mask) \
    {&id, {name, abbrev, type, base, strings, mask, NULL, HFILL}}
#define B64(id, name, abbrev, mask) HF(id, name, abbrev, FT_BOOLEAN, 64, NULL, mask)
#define D64(id, name, abbrev, mask) HF(id, name, abbrev, FT_UINT64, BASE_DEC, NULL, mask)
#define B32(id, name, abbrev, mask) HF(id, name, abbrev, FT_BOOLEAN, 32, NULL, mask)
#define D32(id, name, abbrev, mask) HF(id, name, abbrev, FT_UINT32, BASE_DEC, NULL, mask)
#define X32(id, name, abbrev, mask) HF(id, name, abbrev, FT_UINT32, BASE_HEX, NULL, mask)
#define B16(id, name, abbrev, mask) HF(id, name, abbrev, FT_BOOLEAN, 16, NULL, mask)
#define D16(id, name, abbrev, mask) HF(id, name, abbrev, FT_UINT16, BASE_DEC, NULL, mask)
#define X16(id, name, abbrev, mask) HF(id, name, abbrev, FT_UINT16, BASE_HEX, NULL, mask)
#define X8(id, name, abbrev) HF(id, name, abbrev, FT_UINT8, BASE_HEX, NULL, 0)
#define D8(id, name, abbrev) HF(id, name, abbrev, FT_UINT8, BASE_DEC, NULL, 0)

void nvt_register_regs(int proto)
{
    static hf_register_info hf[] = {
        HF(hf_reg_name, "Register", "nvt.reg.name", FT_STRING, BASE_NONE, NULL, 0),
        HF(hf_reg_value, "Value", "nvt.reg.value", FT_UINT64, BASE_HEX, NULL, 0),
        HF(hf_cap, "Controller Capabilities (CAP)", "nvt.reg.cap", FT_UINT64, BASE_HEX, NULL,
           0),
        D64(hf_cap_mqes, "Maximum Queue Entries Supported (0's based)", "nvt.reg.cap.mqes",
            0xffff),
        B64(hf_cap_cqr, "Contiguous Queues Required", "nvt.reg.cap.cqr", 0x10000),
        HF(hf_cap_ams, "Arbitration Mechanism Supported", "nvt.reg.cap.ams", FT_UINT64,
           BASE_HEX, NULL, 0x60000),
        D64(hf_cap_to, "Timeout (500 ms units)", "nvt.reg.cap.to", 0xff000000),
        D64(hf_cap_dstrd, "Doorbell Stride (4 << n bytes)", "nvt.reg.cap.dstrd",
            G_GUINT64_CONSTANT(0xf00000000)),
        B64(hf_cap_nssrs, "NVM Subsystem Reset Supported", "nvt.reg.cap.nssrs",
            G_GUINT64_CONSTANT(0x1000000000)),
        HF(hf_cap_css, "Command Sets Supported", "nvt.reg.cap.css", FT_UINT64, BASE_HEX, NULL,
           G_GUINT64_CONSTANT(0x1fe000000000)),
        B64(hf_cap_bps, "Boot Partition Support", "nvt.reg.cap.bps",
            G_GUINT64_CONSTANT(0x200000000000)),
        HF(hf_cap_cps, "Controller Power Scope", "nvt.reg.cap.cps", FT_UINT64,
           BASE_DEC | BASE_VAL64_STRING, VALS64(cap_cps_vals), G_GUINT64_CONSTANT(0xc00000000000)),
        D64(hf_cap_mpsmin, "Memory Page Size Minimum (2^(12+n))", "nvt.reg.cap.mpsmin",
            G_GUINT64_CONSTANT(0xf000000000000)),
        D64(hf_cap_mpsmax, "Memory Page Size Maximum (2^(12+n))", "nvt.reg.cap.mpsmax",
            G_GUINT64_CONSTANT(0xf0000000000000)),
        B64(hf_cap_pmrs, "Persistent Memory Region Supported", "nvt.reg.cap.pmrs",
            G_GUINT64_CONSTANT(0x100000000000000)),
        B64(hf_cap_cmbs, "Controller Memory Buffer Supported", "nvt.reg.cap.cmbs",
            G_GUINT64_CONSTANT(0x200000000000000)),
        B64(hf_cap_nsss, "NVM Subsystem Shutdown Supported", "nvt.reg.cap.nsss",
            G_GUINT64_CONSTANT(0x400000000000000)),
        HF(hf_cap_crms, "Controller Ready Modes Supported", "nvt.reg.cap.crms", FT_UINT64,
           BASE_HEX, NULL, G_GUINT64_CONSTANT(0x1800000000000000)),
        X32(hf_vs, "Version (VS)", "nvt.reg.vs", 0),
        D32(hf_vs_mjr, "Major Version", "nvt.reg.vs.mjr", 0xffff0000),
        D32(hf_vs_mnr, "Minor Version", "nvt.reg.vs.mnr", 0x0000ff00),
        D32(hf_vs_ter, "Tertiary Version", "nvt.reg.vs.ter", 0x000000ff),
        X32(hf_intms, "Interrupt Mask Set (INTMS)", "nvt.reg.intms", 0),
        X32(hf_intmc, "Interrupt Mask Clear (INTMC)", "nvt.reg.intmc", 0),
        X32(hf_cc, "Controller Configuration (CC)", "nvt.reg.cc", 0),
        B32(hf_cc_en, "Enable", "nvt.reg.cc.en", 0x00000001),
        HF(hf_cc_css, "I/O Command Set Selected", "nvt.reg.cc.css", FT_UINT32, BASE_DEC,
           VALS(cc_css_vals), 0x00000070),
        D32(hf_cc_mps, "Memory Page Size (2^(12+n))", "nvt.reg.cc.mps", 0x00000780),
        HF(hf_cc_ams, "Arbitration Mechanism Selected", "nvt.reg.cc.ams", FT_UINT32, BASE_DEC,
           VALS(cc_ams_vals), 0x00003800),
        HF(hf_cc_shn, "Shutdown Notification", "nvt.reg.cc.shn", FT_UINT32, BASE_DEC,
           VALS(cc_shn_vals), 0x0000c000),
        D32(hf_cc_iosqes, "I/O SQ Entry Size (2^n)", "nvt.reg.cc.iosqes", 0x000f0000),
        D32(hf_cc_iocqes, "I/O CQ Entry Size (2^n)", "nvt.reg.cc.iocqes", 0x00f00000),
        B32(hf_cc_crime, "Controller Ready Independent of Media Enable", "nvt.reg.cc.crime",
            0x01000000),
        X32(hf_csts, "Controller Status (CSTS)", "nvt.reg.csts", 0),
        B32(hf_csts_rdy, "Ready", "nvt.reg.csts.rdy", 0x00000001),
        B32(hf_csts_cfs, "Controller Fatal Status", "nvt.reg.csts.cfs", 0x00000002),
        HF(hf_csts_shst, "Shutdown Status", "nvt.reg.csts.shst", FT_UINT32, BASE_DEC,
           VALS(csts_shst_vals), 0x0000000c),
        B32(hf_csts_nssro, "NVM Subsystem Reset Occurred", "nvt.reg.csts.nssro", 0x00000010),
        B32(hf_csts_pp, "Processing Paused", "nvt.reg.csts.pp", 0x00000020),
        B32(hf_csts_st, "Shutdown Type", "nvt.reg.csts.st", 0x00000040),
        X32(hf_nssr, "NVM Subsystem Reset Control (NSSR)", "nvt.reg.nssr", 0),
        X32(hf_aqa, "Admin Queue Attributes (AQA)", "nvt.reg.aqa", 0),
        D32(hf_aqa_asqs, "Admin SQ Size (0's based)", "nvt.reg.aqa.asqs", 0x00000fff),
        D32(hf_aqa_acqs, "Admin CQ Size (0's based)", "nvt.reg.aqa.acqs", 0x0fff0000),
        HF(hf_asq, "Admin SQ Base Address (ASQ)", "nvt.reg.asq", FT_UINT64, BASE_HEX, NULL, 0),
        HF(hf_asq_asqb, "Admin SQ Base", "nvt.reg.asq.asqb", FT_UINT64, BASE_CUSTOM,
           CF_FUNC(fmt_addr_shift12), G_GUINT64_CONSTANT(0xfffffffffffff000)),
        HF(hf_acq, "Admin CQ Base Address (ACQ)", "nvt.reg.acq", FT_UINT64, BASE_HEX, NULL, 0),
        HF(hf_acq_acqb, "Admin CQ Base", "nvt.reg.acq.acqb", FT_UINT64, BASE_CUSTOM,
           CF_FUNC(fmt_addr_shift12), G_GUINT64_CONSTANT(0xfffffffffffff000)),
        X32(hf_cmbloc, "Controller Memory Buffer Location (CMBLOC)", "nvt.reg.cmbloc", 0),
        D32(hf_cmbloc_bir, "Base Indicator Register", "nvt.reg.cmbloc.bir", 0x00000007),
        B32(hf_cmbloc_cqmms, "CMB Queue Mixed Memory Support", "nvt.reg.cmbloc.cqmms",
            0x00000008),
        B32(hf_cmbloc_cqpds, "CMB Queue Physically Discontiguous Support",
            "nvt.reg.cmbloc.cqpds", 0x00000010),
        B32(hf_cmbloc_cdpmls, "CMB Data Pointer Mixed Locations Support",
            "nvt.reg.cmbloc.cdpmls", 0x00000020),
        B32(hf_cmbloc_cdpcils, "CMB Data Pointer and Command Independent Locations Support",
            "nvt.reg.cmbloc.cdpcils", 0x00000040),
        B32(hf_cmbloc_cdmmms, "CMB Data Metadata Mixed Memory Support",
            "nvt.reg.cmbloc.cdmmms", 0x00000080),
        B32(hf_cmbloc_cqda, "CMB Queue Dword Alignment", "nvt.reg.cmbloc.cqda", 0x00000100),
        X32(hf_cmbloc_ofst, "Offset (in CMBSZ.SZU units)", "nvt.reg.cmbloc.ofst", 0xfffff000),
        X32(hf_cmbsz, "Controller Memory Buffer Size (CMBSZ)", "nvt.reg.cmbsz", 0),
        B32(hf_cmbsz_sqs, "Submission Queue Support", "nvt.reg.cmbsz.sqs", 0x00000001),
        B32(hf_cmbsz_cqs, "Completion Queue Support", "nvt.reg.cmbsz.cqs", 0x00000002),
        B32(hf_cmbsz_lists, "PRP SGL List Support", "nvt.reg.cmbsz.lists", 0x00000004),
        B32(hf_cmbsz_rds, "Read Data Support", "nvt.reg.cmbsz.rds", 0x00000008),
        B32(hf_cmbsz_wds, "Write Data Support", "nvt.reg.cmbsz.wds", 0x00000010),
        HF(hf_cmbsz_szu, "Size Units", "nvt.reg.cmbsz.szu", FT_UINT32, BASE_DEC,
           VALS(cmbsz_szu_vals), 0x00000f00),
        D32(hf_cmbsz_sz, "Size (in SZU units)", "nvt.reg.cmbsz.sz", 0xfffff000),

        HF(hf_cfg_field, "Config field", "nvt.cfg.field", FT_STRING, BASE_NONE, NULL, 0),
        X16(hf_cfg_vendor, "Vendor ID", "nvt.cfg.vendor_id", 0),
        X16(hf_cfg_device, "Device ID", "nvt.cfg.device_id", 0),
        X16(hf_cfg_command, "Command", "nvt.cfg.command", 0),
        B16(hf_cfg_cmd_io, "I/O Space Enable", "nvt.cfg.command.io", 0x0001),
        B16(hf_cfg_cmd_mem, "Memory Space Enable", "nvt.cfg.command.mem", 0x0002),
        B16(hf_cfg_cmd_bm, "Bus Master Enable", "nvt.cfg.command.bus_master", 0x0004),
        B16(hf_cfg_cmd_sc, "Special Cycle Enable", "nvt.cfg.command.special", 0x0008),
        B16(hf_cfg_cmd_mwi, "Memory Write and Invalidate", "nvt.cfg.command.mwi", 0x0010),
        B16(hf_cfg_cmd_vga, "VGA Palette Snoop", "nvt.cfg.command.vga", 0x0020),
        B16(hf_cfg_cmd_perr, "Parity Error Response", "nvt.cfg.command.perr", 0x0040),
        B16(hf_cfg_cmd_serr, "SERR# Enable", "nvt.cfg.command.serr", 0x0100),
        B16(hf_cfg_cmd_fbb, "Fast Back-to-Back Enable", "nvt.cfg.command.fbb", 0x0200),
        B16(hf_cfg_cmd_intxd, "Interrupt Disable", "nvt.cfg.command.intx_disable", 0x0400),
        X16(hf_cfg_status, "Status", "nvt.cfg.status", 0),
        B16(hf_cfg_st_intx, "Interrupt Status", "nvt.cfg.status.intx", 0x0008),
        B16(hf_cfg_st_caplist, "Capabilities List", "nvt.cfg.status.cap_list", 0x0010),
        B16(hf_cfg_st_66, "66 MHz Capable", "nvt.cfg.status.66mhz", 0x0020),
        B16(hf_cfg_st_fbb, "Fast Back-to-Back Capable", "nvt.cfg.status.fbb", 0x0080),
        B16(hf_cfg_st_mdpe, "Master Data Parity Error", "nvt.cfg.status.mdpe", 0x0100),
        D16(hf_cfg_st_devsel, "DEVSEL Timing", "nvt.cfg.status.devsel", 0x0600),
        B16(hf_cfg_st_sta, "Signaled Target Abort", "nvt.cfg.status.sta", 0x0800),
        B16(hf_cfg_st_rta, "Received Target Abort", "nvt.cfg.status.rta", 0x1000),
        B16(hf_cfg_st_rma, "Received Master Abort", "nvt.cfg.status.rma", 0x2000),
        B16(hf_cfg_st_sse, "Signaled System Error", "nvt.cfg.status.sse", 0x4000),
        B16(hf_cfg_st_dpe, "Detected Parity Error", "nvt.cfg.status.dpe", 0x8000),
        X8(hf_cfg_rev, "Revision ID", "nvt.cfg.revision"),
        HF(hf_cfg_class, "Class Code", "nvt.cfg.class", FT_UINT24, BASE_HEX, NULL, 0),
        D8(hf_cfg_cls, "Cache Line Size", "nvt.cfg.cache_line"),
        D8(hf_cfg_lat, "Latency Timer", "nvt.cfg.latency"),
        X8(hf_cfg_htype, "Header Type", "nvt.cfg.header_type"),
        X8(hf_cfg_bist, "BIST", "nvt.cfg.bist"),
        X32(hf_cfg_bar, "Base Address Register", "nvt.cfg.bar", 0),
        B32(hf_cfg_bar_io, "I/O Space", "nvt.cfg.bar.io", 0x00000001),
        HF(hf_cfg_bar_type, "Type", "nvt.cfg.bar.type", FT_UINT32, BASE_DEC,
           VALS(bar_type_vals), 0x00000006),
        B32(hf_cfg_bar_pf, "Prefetchable", "nvt.cfg.bar.prefetchable", 0x00000008),
        HF(hf_cfg_bar_sizing, "BAR sizing", "nvt.cfg.bar.sizing", FT_STRING, BASE_NONE, NULL,
           0),
        HF(hf_cfg_bar_addr, "Base Address", "nvt.cfg.bar.addr", FT_UINT32, BASE_CUSTOM,
           CF_FUNC(fmt_addr_shift4), 0xfffffff0),
        X32(hf_cfg_cis, "CardBus CIS Pointer", "nvt.cfg.cis", 0),
        X16(hf_cfg_ssvid, "Subsystem Vendor ID", "nvt.cfg.subsys_vendor_id", 0),
        X16(hf_cfg_ssid, "Subsystem ID", "nvt.cfg.subsys_id", 0),
        X32(hf_cfg_rom, "Expansion ROM Base Address", "nvt.cfg.rom", 0),
        X8(hf_cfg_capptr, "Capabilities Pointer", "nvt.cfg.cap_ptr"),
        D8(hf_cfg_intline, "Interrupt Line", "nvt.cfg.int_line"),
        HF(hf_cfg_intpin, "Interrupt Pin", "nvt.cfg.int_pin", FT_UINT8, BASE_DEC,
           VALS(intpin_vals), 0),
        D8(hf_cfg_mingnt, "Min_Gnt", "nvt.cfg.min_gnt"),
        D8(hf_cfg_maxlat, "Max_Lat", "nvt.cfg.max_lat"),
        HF(hf_cfg_cap_id, "Capability ID", "nvt.cfg.cap.id", FT_UINT8, BASE_HEX,
           VALS(cap_id_vals), 0),
        X8(hf_cfg_cap_next, "Next Capability Pointer", "nvt.cfg.cap.next"),
        HF(hf_cfg_cap_offset, "Offset in capability", "nvt.cfg.cap.offset", FT_UINT16,
           BASE_HEX, NULL, 0),
        X16(hf_pm_pmc, "Power Management Capabilities", "nvt.cfg.pm.pmc", 0),
        X16(hf_pm_pmcsr, "Power Management Control/Status", "nvt.cfg.pm.pmcsr", 0),
        HF(hf_pm_ps, "Power State", "nvt.cfg.pm.ps", FT_UINT16, BASE_DEC, VALS(pm_state_vals),
           0x0003),
        B16(hf_pm_nsr, "No Soft Reset", "nvt.cfg.pm.no_soft_reset", 0x0008),
        B16(hf_pm_pme_en, "PME Enable", "nvt.cfg.pm.pme_en", 0x0100),
        B16(hf_pm_pme_st, "PME Status", "nvt.cfg.pm.pme_status", 0x8000),
        X8(hf_pm_bse, "PMCSR Bridge Support Extensions", "nvt.cfg.pm.bse"),
        X8(hf_pm_data, "Data", "nvt.cfg.pm.data"),
        X16(hf_msi_ctrl, "MSI Message Control", "nvt.cfg.msi.ctrl", 0),
        B16(hf_msi_en, "MSI Enable", "nvt.cfg.msi.enable", 0x0001),
        D16(hf_msi_mmc, "Multiple Message Capable (2^n)", "nvt.cfg.msi.mmc", 0x000e),
        D16(hf_msi_mme, "Multiple Message Enable (2^n)", "nvt.cfg.msi.mme", 0x0070),
        B16(hf_msi_64, "64-bit Address Capable", "nvt.cfg.msi.64bit", 0x0080),
        B16(hf_msi_pvm, "Per-Vector Masking Capable", "nvt.cfg.msi.pvm", 0x0100),
        X32(hf_msi_addr, "MSI Message Address", "nvt.cfg.msi.addr", 0),
        X32(hf_msi_addr_hi, "MSI Message Upper Address", "nvt.cfg.msi.addr_hi", 0),
        X16(hf_msi_data, "MSI Message Data", "nvt.cfg.msi.data", 0),
        X32(hf_msi_mask, "MSI Mask Bits", "nvt.cfg.msi.mask", 0),
        X32(hf_msi_pending, "MSI Pending Bits", "nvt.cfg.msi.pending", 0),
        X16(hf_msix_ctrl, "MSI-X Message Control", "nvt.cfg.msix.ctrl", 0),
        HF(hf_msix_tsize, "Table Size (0's based)", "nvt.cfg.msix.table_size", FT_UINT16,
           BASE_DEC, NULL, 0x07ff),
        B16(hf_msix_fmask, "Function Mask", "nvt.cfg.msix.function_mask", 0x4000),
        B16(hf_msix_en, "MSI-X Enable", "nvt.cfg.msix.enable", 0x8000),
        X32(hf_msix_table, "MSI-X Table Offset/BIR", "nvt.cfg.msix.table", 0),
        X32(hf_msix_pba, "MSI-X PBA Offset/BIR", "nvt.cfg.msix.pba", 0),
        D32(hf_msix_bir, "BAR Indicator", "nvt.cfg.msix.bir", 0x00000007),
        HF(hf_msix_off, "Offset", "nvt.cfg.msix.offset", FT_UINT32, BASE_CUSTOM,
           CF_FUNC(fmt_addr_shift3), 0xfffffff8),
        X16(hf_pcie_caps, "PCI Express Capabilities", "nvt.cfg.pcie.caps", 0),
        D16(hf_pcie_ver, "Capability Version", "nvt.cfg.pcie.version", 0x000f),
        HF(hf_pcie_type, "Device/Port Type", "nvt.cfg.pcie.type", FT_UINT16, BASE_DEC,
           VALS(pcie_type_vals), 0x00f0),
        B16(hf_pcie_slot, "Slot Implemented", "nvt.cfg.pcie.slot", 0x0100),
        D16(hf_pcie_imn, "Interrupt Message Number", "nvt.cfg.pcie.imn", 0x3e00),
        X32(hf_pcie_devcap, "Device Capabilities", "nvt.cfg.pcie.devcap", 0),
        HF(hf_pcie_devcap_mps, "Max Payload Size Supported", "nvt.cfg.pcie.devcap.mps",
           FT_UINT32, BASE_DEC, VALS(pcie_payload_vals), 0x00000007),
        B32(hf_pcie_devcap_flr, "Function Level Reset Capability", "nvt.cfg.pcie.devcap.flr",
            0x10000000),
        X16(hf_pcie_devctl, "Device Control", "nvt.cfg.pcie.devctl", 0),
        B16(hf_pcie_devctl_ro, "Enable Relaxed Ordering", "nvt.cfg.pcie.devctl.ro", 0x0010),
        HF(hf_pcie_devctl_mps, "Max Payload Size", "nvt.cfg.pcie.devctl.mps", FT_UINT16,
           BASE_DEC, VALS(pcie_payload_vals), 0x00e0),
        B16(hf_pcie_devctl_ens, "Enable No Snoop", "nvt.cfg.pcie.devctl.ns", 0x0800),
        HF(hf_pcie_devctl_mrrs, "Max Read Request Size", "nvt.cfg.pcie.devctl.mrrs",
           FT_UINT16, BASE_DEC, VALS(pcie_payload_vals), 0x7000),
        B16(hf_pcie_devctl_flr, "Initiate Function Level Reset", "nvt.cfg.pcie.devctl.flr",
            0x8000),
        X16(hf_pcie_devsta, "Device Status", "nvt.cfg.pcie.devsta", 0),
        X32(hf_pcie_linkcap, "Link Capabilities", "nvt.cfg.pcie.linkcap", 0),
        X16(hf_pcie_linkctl, "Link Control", "nvt.cfg.pcie.linkctl", 0),
        X16(hf_pcie_linksta, "Link Status", "nvt.cfg.pcie.linksta", 0),
        HF(hf_pcie_speed, "Link Speed", "nvt.cfg.pcie.speed", FT_UINT32, BASE_DEC,
           VALS(pcie_speed_vals), 0x0000000f),
        D32(hf_pcie_width, "Link Width", "nvt.cfg.pcie.width", 0x000003f0),
        X32(hf_pcie_other, "Capability register value", "nvt.cfg.cap.value", 0),
        D8(hf_vndr_len, "Capability Length", "nvt.cfg.vndr.len"),
        X32(hf_ecap_hdr, "Extended Capability Header", "nvt.cfg.ecap", 0),
        HF(hf_ecap_id, "Extended Capability ID", "nvt.cfg.ecap.id", FT_UINT32, BASE_HEX,
           VALS(ecap_id_vals), 0x0000ffff),
        D32(hf_ecap_ver, "Capability Version", "nvt.cfg.ecap.version", 0x000f0000),
        X32(hf_ecap_next, "Next Capability Offset", "nvt.cfg.ecap.next", 0xfff00000),
    };
    static gint *ett[] = {&ett_reg, &ett_cfg_field};
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
}
