/*
 * nvmetrace plugin: NVMe submission and completion queue entries, decoded per opcode
 * (NVMe Base Specification 2.0 admin commands, NVM Command Set 1.0 I/O commands), and the
 * command data the trace carries in DMA records (Identify, DSM and Copy ranges).
 *
 * Command dwords are described as data: for each opcode, the bit fields of CDW10..CDW15 (hf
 * entries with bitmasks) and which dwords have reserved bits. The masks of the registered
 * fields tell which bits are defined, so "reserved bits set" needs no second table.
 */
#include "nvmetrace-int.h"

#include <epan/proto.h>

/* ---- SQE common fields ---- */
static int hf_sqe_opc = -1;
static int hf_sqe_cmd = -1;
static int hf_sqe_admin = -1;
static int hf_sqe_fuse = -1;
static int hf_sqe_cdw0_rsvd = -1;
static int hf_sqe_psdt = -1;
static int hf_sqe_cid = -1;
static int hf_sqe_nsid = -1;
static int hf_sqe_cdw2 = -1;
static int hf_sqe_cdw3 = -1;
static int hf_sqe_mptr = -1;
static int hf_sqe_prp1 = -1;
static int hf_sqe_prp2 = -1;
static int hf_sqe_sgl_addr = -1;
static int hf_sqe_sgl_len = -1;
static int hf_sqe_sgl_type = -1;
static int hf_sqe_sgl_subtype = -1;
static int hf_sqe_cdw[16]; /* [10..15] used */
static int hf_sqe_unknown = -1;

/* ---- admin command fields ---- */
static int hf_qid = -1, hf_qsize = -1, hf_q_pc = -1, hf_q_qprio = -1, hf_q_cqid = -1;
static int hf_q_ien = -1, hf_q_iv = -1, hf_q_nvmsetid = -1;
static int hf_glp_lid = -1, hf_glp_lsp = -1, hf_glp_rae = -1, hf_glp_numdl = -1;
static int hf_glp_numdu = -1, hf_glp_lsi = -1, hf_glp_lpo = -1, hf_glp_ot = -1;
static int hf_glp_numd = -1;
static int hf_csi = -1, hf_uuid_idx = -1;
static int hf_id_cns = -1, hf_id_cntid = -1, hf_id_cnssid = -1;
static int hf_abort_sqid = -1, hf_abort_cid = -1;
static int hf_feat_fid = -1, hf_feat_sv = -1, hf_feat_sel = -1;
static int hf_nsm_sel = -1, hf_nsa_sel = -1;
static int hf_fwc_fs = -1, hf_fwc_ca = -1, hf_fwc_bpid = -1;
static int hf_fwd_numd = -1, hf_fwd_ofst = -1;
static int hf_dst_stc = -1;
static int hf_dir_numd = -1, hf_dir_doper = -1, hf_dir_dtype = -1, hf_dir_dspec = -1;
static int hf_dir_endir = -1, hf_dir_tdtype = -1;
static int hf_virt_act = -1, hf_virt_rt = -1, hf_virt_cntlid = -1, hf_virt_nr = -1;
static int hf_cap_oper = -1, hf_cap_elid = -1, hf_cap_capl = -1, hf_cap_capu = -1;
static int hf_lck_scp = -1, hf_lck_prhbt = -1, hf_lck_ifc = -1, hf_lck_ofi = -1;
static int hf_fmt_lbafl = -1, hf_fmt_mset = -1, hf_fmt_pi = -1, hf_fmt_pil = -1;
static int hf_fmt_ses = -1, hf_fmt_lbafu = -1;
static int hf_sec_nssf = -1, hf_sec_spsp0 = -1, hf_sec_spsp1 = -1, hf_sec_secp = -1;
static int hf_sec_len = -1;
static int hf_san_sanact = -1, hf_san_ause = -1, hf_san_owpass = -1, hf_san_oipbp = -1;
static int hf_san_ndas = -1, hf_san_ovrpat = -1;
static int hf_lbas_slba = -1, hf_lbas_mndw = -1, hf_lbas_rl = -1, hf_lbas_atype = -1;
static int hf_dbbuf_dbs = -1, hf_dbbuf_eis = -1;

/* ---- NVM I/O command fields ---- */
static int hf_io_slba = -1, hf_io_nlb = -1, hf_io_blocks = -1, hf_io_dtype = -1;
static int hf_io_stc = -1, hf_io_deac = -1, hf_io_prinfo = -1, hf_io_fua = -1, hf_io_lr = -1;
static int hf_io_dsm = -1, hf_io_dspec = -1, hf_io_ilbrt = -1, hf_io_lbat = -1;
static int hf_io_lbatm = -1;
static int hf_dsm_nr = -1, hf_dsm_idr = -1, hf_dsm_idw = -1, hf_dsm_ad = -1;
static int hf_copy_sdlba = -1, hf_copy_nr = -1, hf_copy_desfmt = -1, hf_copy_prinfor = -1;
static int hf_copy_stcw = -1, hf_copy_prinfow = -1, hf_copy_lbtl = -1;
static int hf_resv_rrega = -1, hf_resv_iekey = -1, hf_resv_disnsrs = -1, hf_resv_cptpl = -1;
static int hf_resv_racqa = -1, hf_resv_rtype = -1, hf_resv_rrela = -1, hf_resv_numd = -1;
static int hf_resv_eds = -1;

/* ---- feature values (Set Features CDW11, Get Features completion DW0) ---- */
static int hf_f_arb_ab = -1, hf_f_arb_lpw = -1, hf_f_arb_mpw = -1, hf_f_arb_hpw = -1;
static int hf_f_pm_ps = -1, hf_f_pm_wh = -1;
static int hf_f_lbart_num = -1;
static int hf_f_tt_tmpth = -1, hf_f_tt_tmpsel = -1, hf_f_tt_thsel = -1;
static int hf_f_er_tler = -1, hf_f_er_dulbe = -1;
static int hf_f_vwc_wce = -1;
static int hf_f_nq_nsqr = -1, hf_f_nq_ncqr = -1, hf_f_nq_nsqa = -1, hf_f_nq_ncqa = -1;
static int hf_f_ic_thr = -1, hf_f_ic_time = -1;
static int hf_f_ivc_iv = -1, hf_f_ivc_cd = -1;
static int hf_f_wan_dn = -1;
static int hf_f_aec_smart = -1, hf_f_aec_nan = -1, hf_f_aec_fan = -1, hf_f_aec_tln = -1;
static int hf_f_aec_anacn = -1, hf_f_aec_plealcn = -1, hf_f_aec_lsin = -1;
static int hf_f_aec_egealcn = -1, hf_f_aec_nnsshdn = -1, hf_f_aec_zdcn = -1;
static int hf_f_aec_dlpcn = -1;
static int hf_f_apst_apste = -1;
static int hf_f_hmb_ehm = -1, hf_f_hmb_mr = -1;
static int hf_f_kat_kato = -1;
static int hf_f_hctm_tmt2 = -1, hf_f_hctm_tmt1 = -1;
static int hf_f_nops_noppme = -1;
static int hf_f_san_nodrm = -1;
static int hf_f_spm_pbslc = -1;
static int hf_f_hid_exhid = -1;
static int hf_f_rnm_regpre = -1, hf_f_rnm_resrel = -1, hf_f_rnm_respre = -1;
static int hf_f_rp_ptpl = -1;

/* ---- CQE ---- */
static int hf_cqe_dw0 = -1, hf_cqe_dw1 = -1, hf_cqe_sqhd = -1, hf_cqe_sqid = -1;
static int hf_cqe_cid = -1, hf_cqe_status = -1, hf_cqe_p = -1, hf_cqe_sc = -1;
static int hf_cqe_sct = -1, hf_cqe_crd = -1, hf_cqe_m = -1, hf_cqe_dnr = -1;
static int hf_cqe_status_code = -1, hf_cqe_unknown = -1;
static int hf_cqe_aer_type = -1, hf_cqe_aer_info = -1, hf_cqe_aer_lid = -1;
static int hf_cqe_abort_iana = -1, hf_cqe_nsid = -1;

/* ---- command data in DMA ---- */
static int hf_idc_vid = -1, hf_idc_ssvid = -1, hf_idc_sn = -1, hf_idc_mn = -1;
static int hf_idc_fr = -1, hf_idc_rab = -1, hf_idc_ieee = -1, hf_idc_cmic = -1;
static int hf_idc_mdts = -1, hf_idc_cntlid = -1, hf_idc_ver = -1, hf_idc_rtd3r = -1;
static int hf_idc_rtd3e = -1, hf_idc_oaes = -1, hf_idc_ctratt = -1, hf_idc_cntrltype = -1;
static int hf_idc_oacs = -1, hf_idc_acl = -1, hf_idc_aerl = -1, hf_idc_frmw = -1;
static int hf_idc_lpa = -1, hf_idc_elpe = -1, hf_idc_npss = -1, hf_idc_wctemp = -1;
static int hf_idc_cctemp = -1, hf_idc_hmpre = -1, hf_idc_hmmin = -1, hf_idc_tnvmcap = -1;
static int hf_idc_kas = -1, hf_idc_sanicap = -1, hf_idc_sqes = -1, hf_idc_cqes = -1;
static int hf_idc_maxcmd = -1, hf_idc_nn = -1, hf_idc_oncs = -1, hf_idc_fuses = -1;
static int hf_idc_fna = -1, hf_idc_vwc = -1, hf_idc_awun = -1, hf_idc_awupf = -1;
static int hf_idc_sgls = -1, hf_idc_subnqn = -1;
static int hf_idn_nsze = -1, hf_idn_ncap = -1, hf_idn_nuse = -1, hf_idn_nsfeat = -1;
static int hf_idn_nlbaf = -1, hf_idn_flbas = -1, hf_idn_mc = -1, hf_idn_dpc = -1;
static int hf_idn_dps = -1, hf_idn_nmic = -1, hf_idn_rescap = -1, hf_idn_dlfeat = -1;
static int hf_idn_noiob = -1, hf_idn_nvmcap = -1, hf_idn_mssrl = -1, hf_idn_mcl = -1;
static int hf_idn_msrc = -1, hf_idn_anagrpid = -1, hf_idn_nsattr = -1;
static int hf_idn_nvmsetid = -1, hf_idn_nguid = -1, hf_idn_eui64 = -1;
static int hf_idn_lbaf = -1, hf_idn_lbaf_ms = -1, hf_idn_lbaf_lbads = -1;
static int hf_idn_lbaf_rp = -1, hf_idn_lbaf_size = -1;
static int hf_id_nslist_nsid = -1;
static int hf_id_desc_type = -1, hf_id_desc_len = -1, hf_id_desc_id = -1;
static int hf_dsm_range_attr = -1, hf_dsm_range_nlb = -1;
static int hf_dsm_range_slba = -1;
static int hf_copy_range_slba = -1, hf_copy_range_nlb = -1;

static gint ett_sqe = -1, ett_cdw = -1, ett_cqe = -1, ett_status = -1, ett_dw0 = -1;
static gint ett_data = -1, ett_lbaf = -1, ett_range = -1, ett_sgl = -1;

static const value_string sgl_type_vals[] = {
    {0x0, "Data Block"}, {0x1, "Bit Bucket"}, {0x2, "Segment"}, {0x3, "Last Segment"},
    {0x4, "Keyed Data Block"}, {0x5, "Transport SGL Data Block"}, {0xf, "Vendor Specific"},
    {0, NULL}};
static const value_string psdt_vals[] = {
    {0, "PRPs"}, {1, "SGLs, MPTR is an address"}, {2, "SGLs, MPTR is an SGL segment"},
    {3, "Reserved"}, {0, NULL}};
static const value_string fuse_vals[] = {
    {0, "Normal"}, {1, "Fused, first command"}, {2, "Fused, second command"},
    {3, "Reserved"}, {0, NULL}};
static const value_string qprio_vals[] = {
    {0, "Urgent"}, {1, "High"}, {2, "Medium"}, {3, "Low"}, {0, NULL}};
static const value_string csi_vals[] = {
    {0, "NVM Command Set"}, {1, "Key Value Command Set"}, {2, "Zoned Namespace Command Set"},
    {0, NULL}};
static const value_string feat_sel_vals[] = {
    {0, "Current"}, {1, "Default"}, {2, "Saved"}, {3, "Supported capabilities"}, {0, NULL}};
static const value_string nsm_sel_vals[] = {{0, "Create"}, {1, "Delete"}, {0, NULL}};
static const value_string nsa_sel_vals[] = {
    {0, "Controller Attach"}, {1, "Controller Detach"}, {0, NULL}};
static const value_string fwc_ca_vals[] = {
    {0, "Replace image, do not activate"}, {1, "Replace image, activate at next reset"},
    {2, "Activate image at next reset"}, {3, "Replace and activate immediately"},
    {6, "Replace Boot Partition"}, {7, "Mark Boot Partition active"}, {0, NULL}};
static const value_string dst_stc_vals[] = {
    {1, "Start short self-test"}, {2, "Start extended self-test"},
    {0xe, "Start vendor specific self-test"}, {0xf, "Abort self-test"}, {0, NULL}};
static const value_string dir_type_vals[] = {{0, "Identify"}, {1, "Streams"}, {0, NULL}};
static const value_string san_act_vals[] = {
    {1, "Exit Failure Mode"}, {2, "Start Block Erase"}, {3, "Start Overwrite"},
    {4, "Start Crypto Erase"}, {0, NULL}};
static const value_string ses_vals[] = {
    {0, "No secure erase"}, {1, "User Data Erase"}, {2, "Cryptographic Erase"}, {0, NULL}};
static const value_string rrega_vals[] = {
    {0, "Register Reservation Key"}, {1, "Unregister Reservation Key"},
    {2, "Replace Reservation Key"}, {0, NULL}};
static const value_string racqa_vals[] = {
    {0, "Acquire"}, {1, "Preempt"}, {2, "Preempt and Abort"}, {0, NULL}};
static const value_string rrela_vals[] = {{0, "Release"}, {1, "Clear"}, {0, NULL}};
static const value_string rtype_vals[] = {
    {1, "Write Exclusive"}, {2, "Exclusive Access"}, {3, "Write Exclusive - Registrants Only"},
    {4, "Exclusive Access - Registrants Only"}, {5, "Write Exclusive - All Registrants"},
    {6, "Exclusive Access - All Registrants"}, {0, NULL}};
static const value_string cptpl_vals[] = {
    {0, "No change"}, {2, "Clear PTPL"}, {3, "Set PTPL"}, {0, NULL}};
static const value_string aer_type_vals[] = {
    {0, "Error status"}, {1, "SMART / Health status"}, {2, "Notice"},
    {3, "Immediate"}, {4, "One-Shot"}, {6, "I/O Command Set specific"},
    {7, "Vendor specific"}, {0, NULL}};
static const value_string lbaf_rp_vals[] = {
    {0, "Best"}, {1, "Better"}, {2, "Good"}, {3, "Degraded"}, {0, NULL}};
static const value_string nid_type_vals[] = {
    {1, "IEEE EUI-64"}, {2, "NGUID"}, {3, "UUID"}, {4, "Command Set Identifier"},
    {0, NULL}};
static const value_string cntrltype_vals[] = {
    {0, "Not reported"}, {1, "I/O controller"}, {2, "Discovery controller"},
    {3, "Administrative controller"}, {0, NULL}};
static const value_string lbas_atype_vals[] = {
    {0x02, "Tracked LBAs"}, {0x10, "Untracked LBAs"}, {0, NULL}};
static const value_string cap_oper_vals[] = {
    {0, "Select Capacity Configuration"}, {1, "Create Endurance Group"},
    {2, "Delete Endurance Group"}, {3, "Create NVM Set"}, {4, "Delete NVM Set"}, {0, NULL}};
static const value_string virt_act_vals[] = {
    {1, "Primary Controller Flexible Allocation"}, {7, "Secondary Controller Offline"},
    {8, "Secondary Controller Assign"}, {9, "Secondary Controller Online"}, {0, NULL}};
static const value_string virt_rt_vals[] = {
    {0, "VQ Resources"}, {1, "VI Resources"}, {0, NULL}};

/* ---- per-opcode command dword layouts ---- */

typedef struct cmd_desc {
    guint8 opc;
    int *const *dw[6];   /* 32-bit bit fields of CDW10..CDW15; NULL: not decoded */
    int *qw_hf;          /* a 64-bit field (SLBA, LPO) at CDW qw_dw..qw_dw+1, or NULL */
    guint8 qw_dw;
    guint8 rsvd;         /* bit i: bits of CDW(10+i) outside the fields are reserved */
} cmd_desc;

#define RSVD_ALL 0x3f
#define DW(n) (1u << ((n) - 10))

static int *const f_qid_qsize[] = {&hf_qid, &hf_qsize, NULL};
static int *const f_qid[] = {&hf_qid, NULL};
static int *const f_csq11[] = {&hf_q_pc, &hf_q_qprio, &hf_q_cqid, NULL};
static int *const f_csq12[] = {&hf_q_nvmsetid, NULL};
static int *const f_ccq11[] = {&hf_q_pc, &hf_q_ien, &hf_q_iv, NULL};
static int *const f_glp10[] = {&hf_glp_lid, &hf_glp_lsp, &hf_glp_rae, &hf_glp_numdl, NULL};
static int *const f_glp11[] = {&hf_glp_numdu, &hf_glp_lsi, NULL};
static int *const f_glp14[] = {&hf_uuid_idx, &hf_glp_ot, &hf_csi, NULL};
static int *const f_id10[] = {&hf_id_cns, &hf_id_cntid, NULL};
static int *const f_id11[] = {&hf_id_cnssid, &hf_csi, NULL};
static int *const f_uuid[] = {&hf_uuid_idx, NULL};
static int *const f_abort10[] = {&hf_abort_sqid, &hf_abort_cid, NULL};
static int *const f_setf10[] = {&hf_feat_fid, &hf_feat_sv, NULL};
static int *const f_getf10[] = {&hf_feat_fid, &hf_feat_sel, NULL};
static int *const f_nsm10[] = {&hf_nsm_sel, NULL};
static int *const f_csi11[] = {&hf_csi, NULL};
static int *const f_fwc10[] = {&hf_fwc_fs, &hf_fwc_ca, &hf_fwc_bpid, NULL};
static int *const f_fwd10[] = {&hf_fwd_numd, NULL};
static int *const f_fwd11[] = {&hf_fwd_ofst, NULL};
static int *const f_dst10[] = {&hf_dst_stc, NULL};
static int *const f_nsa10[] = {&hf_nsa_sel, NULL};
static int *const f_dir10[] = {&hf_dir_numd, NULL};
static int *const f_dir11[] = {&hf_dir_doper, &hf_dir_dtype, &hf_dir_dspec, NULL};
static int *const f_dir12[] = {&hf_dir_endir, &hf_dir_tdtype, NULL};
static int *const f_virt10[] = {&hf_virt_act, &hf_virt_rt, &hf_virt_cntlid, NULL};
static int *const f_virt11[] = {&hf_virt_nr, NULL};
static int *const f_cap10[] = {&hf_cap_oper, &hf_cap_elid, NULL};
static int *const f_cap11[] = {&hf_cap_capl, NULL};
static int *const f_cap12[] = {&hf_cap_capu, NULL};
static int *const f_lck10[] = {&hf_lck_scp, &hf_lck_prhbt, &hf_lck_ifc, &hf_lck_ofi, NULL};
static int *const f_fmt10[] = {&hf_fmt_lbafl, &hf_fmt_mset, &hf_fmt_pi, &hf_fmt_pil,
                               &hf_fmt_ses, &hf_fmt_lbafu, NULL};
static int *const f_sec10[] = {&hf_sec_nssf, &hf_sec_spsp0, &hf_sec_spsp1, &hf_sec_secp,
                               NULL};
static int *const f_sec11[] = {&hf_sec_len, NULL};
static int *const f_san10[] = {&hf_san_sanact, &hf_san_ause, &hf_san_owpass, &hf_san_oipbp,
                               &hf_san_ndas, NULL};
static int *const f_san11[] = {&hf_san_ovrpat, NULL};
static int *const f_lbas12[] = {&hf_lbas_mndw, NULL};
static int *const f_lbas13[] = {&hf_lbas_rl, &hf_lbas_atype, NULL};

static int *const f_read12[] = {&hf_io_nlb, &hf_io_stc, &hf_io_prinfo, &hf_io_fua, &hf_io_lr,
                                NULL};
static int *const f_write12[] = {&hf_io_nlb, &hf_io_dtype, &hf_io_stc, &hf_io_prinfo,
                                 &hf_io_fua, &hf_io_lr, NULL};
static int *const f_wz12[] = {&hf_io_nlb, &hf_io_stc, &hf_io_deac, &hf_io_prinfo, &hf_io_fua,
                              &hf_io_lr, NULL};
static int *const f_nlb[] = {&hf_io_nlb, NULL};
static int *const f_verify12[] = {&hf_io_nlb, &hf_io_stc, &hf_io_prinfo, &hf_io_lr, NULL};
static int *const f_read13[] = {&hf_io_dsm, NULL};
static int *const f_write13[] = {&hf_io_dsm, &hf_io_dspec, NULL};
static int *const f_ilbrt[] = {&hf_io_ilbrt, NULL};
static int *const f_lbat[] = {&hf_io_lbat, &hf_io_lbatm, NULL};
static int *const f_dsm10[] = {&hf_dsm_nr, NULL};
static int *const f_dsm11[] = {&hf_dsm_idr, &hf_dsm_idw, &hf_dsm_ad, NULL};
static int *const f_copy12[] = {&hf_copy_nr, &hf_copy_desfmt, &hf_copy_prinfor, &hf_io_dtype,
                                &hf_copy_stcw, &hf_copy_prinfow, &hf_io_fua, &hf_io_lr, NULL};
static int *const f_copy13[] = {&hf_io_dspec, NULL};
static int *const f_copy14[] = {&hf_copy_lbtl, NULL};
static int *const f_rreg10[] = {&hf_resv_rrega, &hf_resv_iekey, &hf_resv_disnsrs,
                                &hf_resv_cptpl, NULL};
static int *const f_rrep10[] = {&hf_resv_numd, NULL};
static int *const f_rrep11[] = {&hf_resv_eds, NULL};
static int *const f_racq10[] = {&hf_resv_racqa, &hf_resv_iekey, &hf_resv_disnsrs,
                                &hf_resv_rtype, NULL};
static int *const f_rrel10[] = {&hf_resv_rrela, &hf_resv_iekey, &hf_resv_disnsrs,
                                &hf_resv_rtype, NULL};

/* Admin commands, NVMe Base Specification 2.0 figure 138, plus the NVM Command Set's
 * Get LBA Status. Commands whose dwords belong to another specification (NVMe-MI, Fabrics,
 * Security protocols, vendor specific) are shown as raw dwords and never flagged. */
static const cmd_desc admin_cmds[] = {
    {0x00, {f_qid}, NULL, 0, RSVD_ALL},                                  /* Delete I/O SQ */
    {0x01, {f_qid_qsize, f_csq11, f_csq12}, NULL, 0, RSVD_ALL},          /* Create I/O SQ */
    {0x02, {f_glp10, f_glp11, NULL, NULL, f_glp14}, &hf_glp_lpo, 12,
     DW(10) | DW(11) | DW(14) | DW(15)},                                  /* Get Log Page */
    {0x04, {f_qid}, NULL, 0, RSVD_ALL},                                  /* Delete I/O CQ */
    {0x05, {f_qid_qsize, f_ccq11}, NULL, 0, RSVD_ALL},                   /* Create I/O CQ */
    {0x06, {f_id10, f_id11, NULL, NULL, f_uuid}, NULL, 0,
     DW(10) | DW(11) | DW(12) | DW(13) | DW(14)},                          /* Identify */
    {0x08, {f_abort10}, NULL, 0, RSVD_ALL},                              /* Abort */
    {0x09, {f_setf10, NULL, NULL, NULL, f_uuid}, NULL, 0, DW(10) | DW(14)}, /* Set Features */
    {0x0a, {f_getf10, NULL, NULL, NULL, f_uuid}, NULL, 0, DW(10) | DW(14)}, /* Get Features */
    {0x0c, {NULL}, NULL, 0, RSVD_ALL},                                   /* Async Event Req */
    {0x0d, {f_nsm10, f_csi11}, NULL, 0, RSVD_ALL},                       /* NS Management */
    {0x10, {f_fwc10}, NULL, 0, RSVD_ALL},                                /* Firmware Commit */
    {0x11, {f_fwd10, f_fwd11}, NULL, 0, RSVD_ALL},                       /* FW Image Download */
    {0x14, {f_dst10}, NULL, 0, RSVD_ALL},                                /* Device Self-test */
    {0x15, {f_nsa10}, NULL, 0, RSVD_ALL},                                /* NS Attachment */
    {0x18, {NULL}, NULL, 0, RSVD_ALL},                                   /* Keep Alive */
    {0x19, {f_dir10, f_dir11, f_dir12}, NULL, 0, DW(10) | DW(11)},       /* Directive Send */
    {0x1a, {f_dir10, f_dir11}, NULL, 0, DW(10) | DW(11)},                /* Directive Receive */
    {0x1c, {f_virt10, f_virt11}, NULL, 0, RSVD_ALL},                     /* Virtualization Mgmt */
    {0x1d, {NULL}, NULL, 0, 0},                                          /* NVMe-MI Send */
    {0x1e, {NULL}, NULL, 0, 0},                                          /* NVMe-MI Receive */
    {0x20, {f_cap10, f_cap11, f_cap12}, NULL, 0, RSVD_ALL},              /* Capacity Mgmt */
    {0x24, {f_lck10, NULL, NULL, NULL, f_uuid}, NULL, 0, RSVD_ALL},      /* Lockdown */
    {0x7c, {NULL}, NULL, 0, RSVD_ALL},                                   /* Doorbell Buffer Cfg */
    {0x7f, {NULL}, NULL, 0, 0},                                          /* Fabrics */
    {0x80, {f_fmt10}, NULL, 0, RSVD_ALL},                                /* Format NVM */
    {0x81, {f_sec10, f_sec11}, NULL, 0, DW(10) | DW(12) | DW(13) | DW(14) | DW(15)},
    {0x82, {f_sec10, f_sec11}, NULL, 0, DW(10) | DW(12) | DW(13) | DW(14) | DW(15)},
    {0x84, {f_san10, f_san11}, NULL, 0, RSVD_ALL},                       /* Sanitize */
    {0x86, {NULL, NULL, f_lbas12, f_lbas13}, &hf_lbas_slba, 10, RSVD_ALL}, /* Get LBA Status */
};

/* NVM Command Set 1.0 I/O commands. */
static const cmd_desc io_cmds[] = {
    {0x00, {NULL}, NULL, 0, RSVD_ALL},                                           /* Flush */
    {0x01, {NULL, NULL, f_write12, f_write13, f_ilbrt, f_lbat}, &hf_io_slba, 10, DW(12) | DW(13)},
    {0x02, {NULL, NULL, f_read12, f_read13, f_ilbrt, f_lbat}, &hf_io_slba, 10, DW(12) | DW(13)},
    {0x04, {NULL, NULL, f_nlb}, &hf_io_slba, 10, DW(12) | DW(13) | DW(14) | DW(15)},
    {0x05, {NULL, NULL, f_read12, NULL, f_ilbrt, f_lbat}, &hf_io_slba, 10, DW(12) | DW(13)},
    {0x08, {NULL, NULL, f_wz12, NULL, f_ilbrt, f_lbat}, &hf_io_slba, 10, DW(12) | DW(13)},
    {0x09, {f_dsm10, f_dsm11}, NULL, 0, RSVD_ALL},                                /* DSM */
    {0x0c, {NULL, NULL, f_verify12, NULL, f_ilbrt, f_lbat}, &hf_io_slba, 10, DW(12) | DW(13)},
    {0x0d, {f_rreg10}, NULL, 0, RSVD_ALL},                           /* Reservation Register */
    {0x0e, {f_rrep10, f_rrep11}, NULL, 0, RSVD_ALL},                 /* Reservation Report */
    {0x11, {f_racq10}, NULL, 0, RSVD_ALL},                           /* Reservation Acquire */
    {0x15, {f_rrel10}, NULL, 0, RSVD_ALL},                           /* Reservation Release */
    {0x19, {NULL, NULL, f_copy12, f_copy13, f_copy14, f_lbat}, &hf_copy_sdlba, 10, DW(12) | DW(13)},
};

/* Feature values: the bit fields of Set Features CDW11 / Get Features completion DW0. */
typedef struct feat_desc {
    guint8 fid;
    int *const *fields;
} feat_desc;

static int *const ff_arb[] = {&hf_f_arb_ab, &hf_f_arb_lpw, &hf_f_arb_mpw, &hf_f_arb_hpw, NULL};
static int *const ff_pm[] = {&hf_f_pm_ps, &hf_f_pm_wh, NULL};
static int *const ff_lbart[] = {&hf_f_lbart_num, NULL};
static int *const ff_tt[] = {&hf_f_tt_tmpth, &hf_f_tt_tmpsel, &hf_f_tt_thsel, NULL};
static int *const ff_er[] = {&hf_f_er_tler, &hf_f_er_dulbe, NULL};
static int *const ff_vwc[] = {&hf_f_vwc_wce, NULL};
static int *const ff_nq[] = {&hf_f_nq_nsqr, &hf_f_nq_ncqr, NULL};
static int *const ff_nq_cpl[] = {&hf_f_nq_nsqa, &hf_f_nq_ncqa, NULL};
static int *const ff_ic[] = {&hf_f_ic_thr, &hf_f_ic_time, NULL};
static int *const ff_ivc[] = {&hf_f_ivc_iv, &hf_f_ivc_cd, NULL};
static int *const ff_wan[] = {&hf_f_wan_dn, NULL};
static int *const ff_aec[] = {&hf_f_aec_smart, &hf_f_aec_nan, &hf_f_aec_fan, &hf_f_aec_tln,
                              &hf_f_aec_anacn, &hf_f_aec_plealcn, &hf_f_aec_lsin,
                              &hf_f_aec_egealcn, &hf_f_aec_nnsshdn, &hf_f_aec_zdcn,
                              &hf_f_aec_dlpcn, NULL};
static int *const ff_apst[] = {&hf_f_apst_apste, NULL};
static int *const ff_hmb[] = {&hf_f_hmb_ehm, &hf_f_hmb_mr, NULL};
static int *const ff_kat[] = {&hf_f_kat_kato, NULL};
static int *const ff_hctm[] = {&hf_f_hctm_tmt2, &hf_f_hctm_tmt1, NULL};
static int *const ff_nops[] = {&hf_f_nops_noppme, NULL};
static int *const ff_san[] = {&hf_f_san_nodrm, NULL};
static int *const ff_spm[] = {&hf_f_spm_pbslc, NULL};
static int *const ff_hid[] = {&hf_f_hid_exhid, NULL};
static int *const ff_rnm[] = {&hf_f_rnm_regpre, &hf_f_rnm_resrel, &hf_f_rnm_respre, NULL};
static int *const ff_rp[] = {&hf_f_rp_ptpl, NULL};

static const feat_desc features[] = {
    {0x01, ff_arb}, {0x02, ff_pm}, {0x03, ff_lbart}, {0x04, ff_tt}, {0x05, ff_er},
    {0x06, ff_vwc}, {0x07, ff_nq}, {0x08, ff_ic}, {0x09, ff_ivc}, {0x0a, ff_wan},
    {0x0b, ff_aec}, {0x0c, ff_apst}, {0x0d, ff_hmb}, {0x0f, ff_kat}, {0x10, ff_hctm},
    {0x11, ff_nops}, {0x17, ff_san}, {0x80, ff_spm}, {0x81, ff_hid}, {0x82, ff_rnm},
    {0x83, ff_rp},
};

#define FID_NUMBER_OF_QUEUES 0x07
#define FID_INTERRUPT_VECTOR_CONFIG 0x09

static const cmd_desc *find_cmd(gboolean admin, guint8 opc)
{
    const cmd_desc *t = admin ? admin_cmds : io_cmds;
    guint n = admin ? G_N_ELEMENTS(admin_cmds) : G_N_ELEMENTS(io_cmds);
    for (guint i = 0; i < n; i++)
        if (t[i].opc == opc)
            return &t[i];
    return NULL;
}

static int *const *find_feature(guint8 fid)
{
    for (guint i = 0; i < G_N_ELEMENTS(features); i++)
        if (features[i].fid == fid)
            return features[i].fields;
    return NULL;
}

/* Union of the bitmasks of fields: the defined bits of a dword. */
static guint32 defined_bits(int *const *fields)
{
    guint32 m = 0;
    for (; fields && *fields; fields++) {
        header_field_info *hfi = proto_registrar_get_nth((guint)**fields);
        m |= hfi->bitmask ? (guint32)hfi->bitmask : 0xffffffffu;
    }
    return m;
}

const char *nvt_cmd_name(gboolean admin, guint8 opc)
{
    return admin ? nvt_admin_opcode_name(opc) : nvt_io_opcode_name(opc);
}

gboolean nvt_cmd_has_decoded_data(gboolean admin, guint8 opc)
{
    return admin ? opc == 0x06 : (opc == 0x09 || opc == 0x19);
}

/* ---- SQE ---- */

static gboolean bytes_known(guint64 known, int first, int len)
{
    guint64 m = (len >= 64 ? G_MAXUINT64 : ((G_GUINT64_CONSTANT(1) << len) - 1)) << first;
    return (known & m) == m;
}

typedef struct sqe_ctx {
    tvbuff_t *tvb;
    packet_info *pinfo;
    proto_tree *tree;
    int off;
    guint64 known;
    gboolean recon;
} sqe_ctx;

static void mark_reconstructed(const sqe_ctx *c, proto_item *it)
{
    if (it && c->recon)
        proto_item_append_text(it, " [reconstructed]");
}

/* Adds field hf over SQE bytes [at, at+len) if they are known; NULL otherwise. */
static proto_item *sqe_add(const sqe_ctx *c, int hf, int at, int len)
{
    if (!bytes_known(c->known, at, len))
        return NULL;
    proto_item *it = proto_tree_add_item(c->tree, hf, c->tvb, c->off + at, len,
                                         ENC_LITTLE_ENDIAN);
    mark_reconstructed(c, it);
    return it;
}

/* A dword of which only some bytes are known (a reconstructed SQE): the fields whose bits
 * all lie in known bytes, without the dword itself. */
static void sqe_add_partial_dword(const sqe_ctx *c, guint dw, int *const *fields)
{
    int at = (int)dw * 4;
    for (; fields && *fields; fields++) {
        guint32 mask = (guint32)proto_registrar_get_nth((guint)**fields)->bitmask;
        gboolean known = mask != 0;
        for (int b = 0; b < 4; b++)
            if ((mask >> (8 * b)) & 0xff)
                known = known && bytes_known(c->known, at + b, 1);
        if (known)
            mark_reconstructed(c, proto_tree_add_item(c->tree, **fields, c->tvb, c->off + at, 4,
                                                      ENC_LITTLE_ENDIAN));
    }
}

static proto_item *sqe_add_dword(const sqe_ctx *c, guint dw, int *const *fields)
{
    int at = (int)dw * 4;
    if (!bytes_known(c->known, at, 4)) {
        sqe_add_partial_dword(c, dw, fields);
        return NULL;
    }
    proto_item *it;
    if (fields)
        it = proto_tree_add_bitmask_with_flags(c->tree, c->tvb, c->off + at, hf_sqe_cdw[dw],
                                               ett_cdw, fields, ENC_LITTLE_ENDIAN,
                                               BMT_NO_APPEND);
    else
        it = proto_tree_add_item(c->tree, hf_sqe_cdw[dw], c->tvb, c->off + at, 4,
                                 ENC_LITTLE_ENDIAN);
    mark_reconstructed(c, it);
    return it;
}

/* Flags bits of CDWdw outside defined. it may be NULL (no tree): the expert info still
 * counts, so only the known-byte mask decides. */
static void check_reserved(const sqe_ctx *c, proto_item *it, guint dw, guint32 defined)
{
    if (!bytes_known(c->known, (int)dw * 4, 4))
        return;
    guint32 v = tvb_get_letohl(c->tvb, c->off + (int)dw * 4);
    guint32 rsvd = v & ~defined;
    if (rsvd)
        expert_add_info_format(c->pinfo, it, &ei_nvt_reserved,
                               "Reserved bits set in CDW%u: 0x%08x", dw, rsvd);
}

static void dissect_sqe_dptr(const sqe_ctx *c, guint8 psdt, gboolean admin, guint8 opc)
{
    if (psdt == 0) {
        sqe_add(c, hf_sqe_prp1, 24, 8);
        sqe_add(c, hf_sqe_prp2, 32, 8);
        if (admin && opc == 0x7c) { /* Doorbell Buffer Config names its two buffers */
            sqe_add(c, hf_dbbuf_dbs, 24, 8);
            sqe_add(c, hf_dbbuf_eis, 32, 8);
        }
        return;
    }
    if (!bytes_known(c->known, 24, 16))
        return;
    proto_tree *t = proto_tree_add_subtree(c->tree, c->tvb, c->off + 24, 16, ett_sgl, NULL,
                                           "SGL Descriptor");
    proto_tree_add_item(t, hf_sqe_sgl_addr, c->tvb, c->off + 24, 8, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(t, hf_sqe_sgl_len, c->tvb, c->off + 32, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(t, hf_sqe_sgl_type, c->tvb, c->off + 39, 1, ENC_NA);
    proto_tree_add_item(t, hf_sqe_sgl_subtype, c->tvb, c->off + 39, 1, ENC_NA);
}

/* Set Features CDW11 / Get Features CDW11 per Feature Identifier. */
static void dissect_feature_cdw11(const sqe_ctx *c, gboolean set, guint16 msix_table_size)
{
    if (!bytes_known(c->known, 40, 4))
        return;
    guint8 fid = tvb_get_uint8(c->tvb, c->off + 40);
    int *const *fields = set ? find_feature(fid) : NULL;
    if (!set && fid == FID_INTERRUPT_VECTOR_CONFIG)
        fields = ff_ivc; /* Get Features names the vector in CDW11 */
    proto_item *it = sqe_add_dword(c, 11, fields);
    if (fields)
        check_reserved(c, it, 11, defined_bits(fields));
    if (fid == FID_INTERRUPT_VECTOR_CONFIG && msix_table_size) {
        guint16 iv = tvb_get_letohs(c->tvb, c->off + 44);
        if (iv >= msix_table_size)
            expert_add_info_format(c->pinfo, it, &ei_nvt_msix_vector_beyond,
                                   "Interrupt vector %u beyond the MSI-X table (%u entries)",
                                   iv, msix_table_size);
    }
}

void nvt_dissect_sqe(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int off,
                     guint64 known, gboolean reconstructed, gboolean admin,
                     guint16 msix_table_size)
{
    sqe_ctx c = {tvb, pinfo, NULL, off, known, reconstructed};
    proto_item *ti;
    c.tree = proto_tree_add_subtree(tree, tvb, off, NVT_SQE_LEN, ett_sqe, &ti,
                                    "Submission Queue Entry");
    gboolean opc_known = bytes_known(known, 0, 1);
    guint8 opc = tvb_get_uint8(tvb, off);
    if (opc_known) {
        proto_item *it = proto_tree_add_item(c.tree, hf_sqe_opc, tvb, off, 1, ENC_NA);
        const char *name = nvt_cmd_name(admin, opc);
        proto_item_append_text(it, " (%s)", name ? name : "Unknown");
        mark_reconstructed(&c, it);
        it = proto_tree_add_string(c.tree, hf_sqe_cmd, tvb, off, 1, name ? name : "Unknown");
        proto_item_set_generated(it);
        proto_item_append_text(ti, ": %s", name ? name : "Unknown opcode");
    }
    proto_item *it = proto_tree_add_boolean(c.tree, hf_sqe_admin, tvb, off, 0, admin);
    proto_item_set_generated(it);
    guint8 psdt = 0;
    if (bytes_known(known, 1, 1)) {
        sqe_add(&c, hf_sqe_fuse, 0, 4);
        it = sqe_add(&c, hf_sqe_cdw0_rsvd, 0, 4);
        if (tvb_get_uint8(tvb, off + 1) & 0x3c)
            expert_add_info_format(pinfo, it, &ei_nvt_reserved,
                                   "Reserved bits 13:10 of CDW0 set");
        sqe_add(&c, hf_sqe_psdt, 0, 4);
        psdt = tvb_get_uint8(tvb, off + 1) >> 6;
    }
    sqe_add(&c, hf_sqe_cid, 2, 2);
    sqe_add(&c, hf_sqe_nsid, 4, 4);
    sqe_add(&c, hf_sqe_cdw2, 8, 4);
    sqe_add(&c, hf_sqe_cdw3, 12, 4);
    sqe_add(&c, hf_sqe_mptr, 16, 8);
    dissect_sqe_dptr(&c, psdt, admin, opc);

    const cmd_desc *d = opc_known ? find_cmd(admin, opc) : NULL;
    if (d && d->qw_hf)
        sqe_add(&c, *d->qw_hf, d->qw_dw * 4, 8);
    for (guint dw = 10; dw <= 15; dw++) {
        int *const *fields = d ? d->dw[dw - 10] : NULL;
        if (d && admin && (opc == 0x09 || opc == 0x0a) && dw == 11) {
            dissect_feature_cdw11(&c, opc == 0x09, msix_table_size);
            continue;
        }
        it = sqe_add_dword(&c, dw, fields);
        if (!d || !(d->rsvd & DW(dw)))
            continue;
        guint32 defined = defined_bits(fields);
        if (d->qw_hf && (dw == d->qw_dw || dw == d->qw_dw + 1u))
            defined = 0xffffffffu;
        check_reserved(&c, it, dw, defined);
    }

    /* Derived values worth a field of their own. */
    if (d && admin && opc == 0x02 && bytes_known(known, 40, 8)) {
        guint32 numd = ((guint32)tvb_get_letohs(tvb, off + 44) << 16 |
                        tvb_get_letohs(tvb, off + 42)) + 1;
        it = proto_tree_add_uint(c.tree, hf_glp_numd, tvb, off + 42, 4, numd);
        proto_item_set_generated(it);
    }
    if (d && !admin && d->qw_hf == &hf_io_slba && bytes_known(known, 48, 2)) {
        it = proto_tree_add_uint(c.tree, hf_io_blocks, tvb, off + 48, 2,
                                 tvb_get_letohs(tvb, off + 48) + 1u);
        proto_item_set_generated(it);
    }
    /* Create I/O CQ with interrupts enabled: the vector must exist in the MSI-X table. */
    if (d && admin && opc == 0x05 && msix_table_size && bytes_known(known, 44, 4)) {
        guint32 cdw11 = tvb_get_letohl(tvb, off + 44);
        guint16 iv = (guint16)(cdw11 >> 16);
        if ((cdw11 & 2) && iv >= msix_table_size)
            expert_add_info_format(pinfo, ti, &ei_nvt_msix_vector_beyond,
                                   "Create I/O CQ: interrupt vector %u beyond the MSI-X "
                                   "table (%u entries)", iv, msix_table_size);
    }
    if (!known)
        proto_tree_add_item(c.tree, hf_sqe_unknown, tvb, off, 0, ENC_NA);
}

/* ---- CQE ---- */

static proto_item *dissect_cqe_dw0(tvbuff_t *tvb, proto_tree *tree, int off,
                                   const nvt_cmd *cmd)
{
    int *const *fields = NULL;
    if (cmd && cmd->admin && (cmd->known_cdw & 1)) {
        guint8 fid = (guint8)cmd->cdw10;
        switch (cmd->opc) {
        case 0x09: /* Set Features: only Number of Queues returns a value */
            if (fid == FID_NUMBER_OF_QUEUES)
                fields = ff_nq_cpl;
            break;
        case 0x0a: /* Get Features: the current attributes */
            fields = fid == FID_NUMBER_OF_QUEUES ? ff_nq_cpl : find_feature(fid);
            break;
        default:
            break;
        }
    }
    if (cmd && cmd->admin) {
        static int *const aer[] = {&hf_cqe_aer_type, &hf_cqe_aer_info, &hf_cqe_aer_lid, NULL};
        static int *const abrt[] = {&hf_cqe_abort_iana, NULL};
        static int *const nsid[] = {&hf_cqe_nsid, NULL};
        if (cmd->opc == 0x0c)
            fields = aer;
        else if (cmd->opc == 0x08)
            fields = abrt;
        else if (cmd->opc == 0x0d && (cmd->known_cdw & 1) && (cmd->cdw10 & 0xf) == 0)
            fields = nsid; /* Namespace Management Create returns the new NSID */
    }
    if (fields) {
        proto_item *it = proto_tree_add_bitmask_with_flags(tree, tvb, off, hf_cqe_dw0, ett_dw0,
                                                           fields, ENC_LITTLE_ENDIAN,
                                                           BMT_NO_APPEND);
        const char *name = nvt_cmd_name(cmd->admin, cmd->opc);
        proto_item_append_text(it, " (%s)", name ? name : "command specific");
        return it;
    }
    return proto_tree_add_item(tree, hf_cqe_dw0, tvb, off, 4, ENC_LITTLE_ENDIAN);
}

void nvt_dissect_cqe(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int off,
                     guint16 known, gboolean reconstructed, const nvt_cmd *cmd)
{
    proto_item *ti;
    proto_tree *t = proto_tree_add_subtree(tree, tvb, off, NVT_CQE_LEN, ett_cqe, &ti,
                                           "Completion Queue Entry");
    sqe_ctx c = {tvb, pinfo, t, off, known, reconstructed};
    if (bytes_known(known, 0, 4))
        mark_reconstructed(&c, dissect_cqe_dw0(tvb, t, off, cmd));
    sqe_add(&c, hf_cqe_dw1, 4, 4);
    sqe_add(&c, hf_cqe_sqhd, 8, 2);
    sqe_add(&c, hf_cqe_sqid, 10, 2);
    sqe_add(&c, hf_cqe_cid, 12, 2);
    if (!bytes_known(known, 14, 2)) {
        if (!known)
            proto_tree_add_item(t, hf_cqe_unknown, tvb, off, 0, ENC_NA);
        return;
    }
    static int *const status[] = {&hf_cqe_p, &hf_cqe_sc, &hf_cqe_sct, &hf_cqe_crd, &hf_cqe_m,
                                  &hf_cqe_dnr, NULL};
    proto_item *st = proto_tree_add_bitmask_with_flags(t, tvb, off + 14, hf_cqe_status,
                                                       ett_status, status, ENC_LITTLE_ENDIAN,
                                                       BMT_NO_APPEND);
    mark_reconstructed(&c, st);
    guint16 sw = tvb_get_letohs(tvb, off + 14);
    guint8 sc = (guint8)(sw >> 1), sct = (sw >> 9) & 7;
    guint16 code = (guint16)(sct << 8 | sc);
    const char *name = nvt_status_name(sct, sc);
    proto_item *it = proto_tree_add_uint(t, hf_cqe_status_code, tvb, off + 14, 2, code);
    proto_item_set_generated(it);
    proto_item_append_text(ti, ": %s", name ? name : "Unknown status");
    if (code != 0)
        expert_add_info_format(pinfo, it, &ei_nvt_error_status, "Error status: %s (SCT %u, "
                               "SC 0x%02x)%s", name ? name : "unknown", sct, sc,
                               (sw & 0x8000) ? ", Do Not Retry" : "");
}

/* ---- command data carried in DMA records ---- */

typedef struct data_field {
    guint16 at;    /* offset in the data structure */
    guint16 len;
    int *hf;
    guint enc;
} data_field;

#define LE ENC_LITTLE_ENDIAN
#define STR (ENC_ASCII | ENC_NA)

static const data_field id_ctrl_fields[] = {
    {0, 2, &hf_idc_vid, LE}, {2, 2, &hf_idc_ssvid, LE}, {4, 20, &hf_idc_sn, STR},
    {24, 40, &hf_idc_mn, STR}, {64, 8, &hf_idc_fr, STR}, {72, 1, &hf_idc_rab, LE},
    {73, 3, &hf_idc_ieee, LE}, {76, 1, &hf_idc_cmic, LE}, {77, 1, &hf_idc_mdts, LE},
    {78, 2, &hf_idc_cntlid, LE}, {80, 4, &hf_idc_ver, LE}, {84, 4, &hf_idc_rtd3r, LE},
    {88, 4, &hf_idc_rtd3e, LE}, {92, 4, &hf_idc_oaes, LE}, {96, 4, &hf_idc_ctratt, LE},
    {111, 1, &hf_idc_cntrltype, LE}, {256, 2, &hf_idc_oacs, LE}, {258, 1, &hf_idc_acl, LE},
    {259, 1, &hf_idc_aerl, LE}, {260, 1, &hf_idc_frmw, LE}, {261, 1, &hf_idc_lpa, LE},
    {262, 1, &hf_idc_elpe, LE}, {263, 1, &hf_idc_npss, LE}, {266, 2, &hf_idc_wctemp, LE},
    {268, 2, &hf_idc_cctemp, LE}, {272, 4, &hf_idc_hmpre, LE}, {276, 4, &hf_idc_hmmin, LE},
    {280, 16, &hf_idc_tnvmcap, ENC_NA}, {320, 2, &hf_idc_kas, LE},
    {328, 4, &hf_idc_sanicap, LE}, {512, 1, &hf_idc_sqes, LE}, {513, 1, &hf_idc_cqes, LE},
    {514, 2, &hf_idc_maxcmd, LE}, {516, 4, &hf_idc_nn, LE}, {520, 2, &hf_idc_oncs, LE},
    {522, 2, &hf_idc_fuses, LE}, {524, 1, &hf_idc_fna, LE}, {525, 1, &hf_idc_vwc, LE},
    {526, 2, &hf_idc_awun, LE}, {528, 2, &hf_idc_awupf, LE}, {536, 4, &hf_idc_sgls, LE},
    {768, 256, &hf_idc_subnqn, STR},
};

static const data_field id_ns_fields[] = {
    {0, 8, &hf_idn_nsze, LE}, {8, 8, &hf_idn_ncap, LE}, {16, 8, &hf_idn_nuse, LE},
    {24, 1, &hf_idn_nsfeat, LE}, {25, 1, &hf_idn_nlbaf, LE}, {26, 1, &hf_idn_flbas, LE},
    {27, 1, &hf_idn_mc, LE}, {28, 1, &hf_idn_dpc, LE}, {29, 1, &hf_idn_dps, LE},
    {30, 1, &hf_idn_nmic, LE}, {31, 1, &hf_idn_rescap, LE}, {33, 1, &hf_idn_dlfeat, LE},
    {46, 2, &hf_idn_noiob, LE}, {48, 16, &hf_idn_nvmcap, ENC_NA}, {74, 2, &hf_idn_mssrl, LE},
    {76, 4, &hf_idn_mcl, LE}, {80, 1, &hf_idn_msrc, LE}, {92, 4, &hf_idn_anagrpid, LE},
    {99, 1, &hf_idn_nsattr, LE}, {100, 2, &hf_idn_nvmsetid, LE},
    {104, 16, &hf_idn_nguid, ENC_NA}, {120, 8, &hf_idn_eui64, ENC_NA},
};

/* The captured bytes [off, off+len) hold structure bytes [base, base+len). */
typedef struct data_view {
    tvbuff_t *tvb;
    proto_tree *tree;
    int off;
    int len;
    guint32 base;
} data_view;

static gboolean view_has(const data_view *v, guint32 at, guint32 len)
{
    return at >= v->base && at - v->base + len <= (guint32)v->len;
}

static int view_off(const data_view *v, guint32 at)
{
    return v->off + (int)(at - v->base);
}

static void add_data_fields(const data_view *v, const data_field *f, guint n)
{
    for (guint i = 0; i < n; i++)
        if (view_has(v, f[i].at, f[i].len))
            proto_tree_add_item(v->tree, *f[i].hf, v->tvb, view_off(v, f[i].at), f[i].len,
                                f[i].enc);
}

static void dissect_id_ns_lbafs(const data_view *v)
{
    guint nlbaf = 64;
    if (view_has(v, 25, 1))
        nlbaf = tvb_get_uint8(v->tvb, view_off(v, 25)) + 1u;
    for (guint i = 0; i < MIN(nlbaf, 64u); i++) {
        guint32 at = 128 + 4 * i;
        if (!view_has(v, at, 4))
            continue;
        int o = view_off(v, at);
        guint32 lbaf = tvb_get_letohl(v->tvb, o);
        guint lbads = (lbaf >> 16) & 0xff;
        proto_item *it;
        proto_tree *t = proto_tree_add_subtree_format(v->tree, v->tvb, o, 4, ett_lbaf, &it,
                                                      "LBA Format %u", i);
        proto_tree_add_item(t, hf_idn_lbaf, v->tvb, o, 4, LE);
        proto_tree_add_item(t, hf_idn_lbaf_ms, v->tvb, o, 4, LE);
        proto_tree_add_item(t, hf_idn_lbaf_lbads, v->tvb, o, 4, LE);
        proto_tree_add_item(t, hf_idn_lbaf_rp, v->tvb, o, 4, LE);
        if (lbads >= 9 && lbads < 32) {
            proto_item *sz = proto_tree_add_uint(t, hf_idn_lbaf_size, v->tvb, o, 4,
                                                 1u << lbads);
            proto_item_set_generated(sz);
            proto_item_append_text(it, ": %u-byte blocks, %u metadata bytes", 1u << lbads,
                                   lbaf & 0xffff);
        }
    }
}

static void dissect_ns_list(const data_view *v)
{
    for (guint32 at = v->base & ~3u; at + 4 <= 4096; at += 4) {
        if (at < v->base)
            continue;
        if (!view_has(v, at, 4))
            break;
        guint32 nsid = tvb_get_letohl(v->tvb, view_off(v, at));
        if (nsid == 0)
            break;
        proto_tree_add_item(v->tree, hf_id_nslist_nsid, v->tvb, view_off(v, at), 4, LE);
    }
}

static void dissect_ns_desc_list(const data_view *v)
{
    if (v->base != 0)
        return; /* descriptors are variable length: only a transfer from the start parses */
    guint32 at = 0;
    while (view_has(v, at, 4)) {
        guint8 type = tvb_get_uint8(v->tvb, view_off(v, at));
        guint8 len = tvb_get_uint8(v->tvb, view_off(v, at + 1));
        if (type == 0 || len == 0 || !view_has(v, at, 4u + len))
            break;
        proto_item *it;
        proto_tree *t = proto_tree_add_subtree(v->tree, v->tvb, view_off(v, at), 4 + len,
                                               ett_range, &it, "Namespace Identification "
                                               "Descriptor");
        proto_tree_add_item(t, hf_id_desc_type, v->tvb, view_off(v, at), 1, ENC_NA);
        proto_tree_add_item(t, hf_id_desc_len, v->tvb, view_off(v, at + 1), 1, ENC_NA);
        proto_tree_add_item(t, hf_id_desc_id, v->tvb, view_off(v, at + 4), len, ENC_NA);
        at += 4u + len;
    }
}

/* Fixed-size ranges: DSM (16 bytes) and Copy source ranges (32 or 40 bytes). */
static void dissect_ranges(const data_view *v, guint count, guint size, gboolean dsm)
{
    for (guint i = 0; i < count; i++) {
        guint32 at = i * size;
        if (!view_has(v, at, size))
            continue;
        int o = view_off(v, at);
        proto_tree *t = proto_tree_add_subtree_format(v->tree, v->tvb, o, (int)size,
                                                      ett_range, NULL, "%s %u",
                                                      dsm ? "Range" : "Source Range", i);
        if (dsm) {
            proto_tree_add_item(t, hf_dsm_range_attr, v->tvb, o, 4, LE);
            proto_tree_add_item(t, hf_dsm_range_nlb, v->tvb, o + 4, 4, LE);
            proto_tree_add_item(t, hf_dsm_range_slba, v->tvb, o + 8, 8, LE);
        } else {
            proto_tree_add_item(t, hf_copy_range_slba, v->tvb, o + 8, 8, LE);
            proto_tree_add_item(t, hf_copy_range_nlb, v->tvb, o + 16, 2, LE);
        }
    }
}

void nvt_dissect_cmd_data(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int off,
                          int len, gboolean dev_write, const nvt_cmd *cmd, guint32 data_off)
{
    (void)pinfo;
    if (!cmd || len <= 0 || !(cmd->known_cdw & 1))
        return;
    data_view v = {tvb, NULL, off, len, data_off};
    if (cmd->admin && cmd->opc == 0x06 && dev_write) {
        guint8 cns = (guint8)cmd->cdw10;
        const char *name = nvt_cns_name(cns);
        v.tree = proto_tree_add_subtree_format(tree, tvb, off, len, ett_data, NULL,
                                               "Identify data: %s (bytes %u-%u)",
                                               name ? name : "unknown CNS", data_off,
                                               data_off + (guint32)len - 1);
        switch (cns) {
        case 0x00: /* Identify Namespace (NVM) */
            add_data_fields(&v, id_ns_fields, G_N_ELEMENTS(id_ns_fields));
            dissect_id_ns_lbafs(&v);
            break;
        case 0x01:
            add_data_fields(&v, id_ctrl_fields, G_N_ELEMENTS(id_ctrl_fields));
            break;
        case 0x02: /* Active Namespace ID list */
        case 0x07: /* Active NS list, I/O command set */
        case 0x10: /* Allocated NS list */
            dissect_ns_list(&v);
            break;
        case 0x03:
            dissect_ns_desc_list(&v);
            break;
        default:
            break;
        }
    } else if (!cmd->admin && cmd->opc == 0x09 && !dev_write) {
        v.tree = proto_tree_add_subtree(tree, tvb, off, len, ett_data, NULL,
                                        "Dataset Management ranges");
        dissect_ranges(&v, (cmd->cdw10 & 0xff) + 1u, 16, TRUE);
    } else if (!cmd->admin && cmd->opc == 0x19 && !dev_write && (cmd->known_cdw & 4)) {
        guint desfmt = (cmd->cdw12 >> 8) & 0xf;
        if (desfmt > 1)
            return;
        v.tree = proto_tree_add_subtree(tree, tvb, off, len, ett_data, NULL,
                                        "Copy source ranges");
        dissect_ranges(&v, (cmd->cdw12 & 0xff) + 1u, desfmt ? 40 : 32, FALSE);
    }
}

/* ---- registration ---- */

#define U8 FT_UINT8
#define U16 FT_UINT16
#define U32 FT_UINT32
#define U64 FT_UINT64
#define HF(id, name, abbrev, type, base, strings, mask) \
    {&id, {name, abbrev, type, base, strings, mask, NULL, HFILL}}
#define HFD(id, name, abbrev, mask) HF(id, name, abbrev, U32, BASE_DEC, NULL, mask)
#define HFX(id, name, abbrev, mask) HF(id, name, abbrev, U32, BASE_HEX, NULL, mask)
#define HFV(id, name, abbrev, vals, mask) HF(id, name, abbrev, U32, BASE_DEC, VALS(vals), mask)
#define HFB(id, name, abbrev, mask) HF(id, name, abbrev, FT_BOOLEAN, 32, NULL, mask)

void nvt_register_cmd(int proto)
{
    static hf_register_info hf[] = {
        HF(hf_sqe_opc, "Opcode", "nvt.sqe.opc", U8, BASE_HEX, NULL, 0),
        HF(hf_sqe_cmd, "Command", "nvt.sqe.cmd", FT_STRING, BASE_NONE, NULL, 0),
        HF(hf_sqe_admin, "Admin command", "nvt.sqe.admin", FT_BOOLEAN, BASE_NONE, NULL, 0),
        HF(hf_sqe_fuse, "Fused Operation", "nvt.sqe.fuse", U32, BASE_DEC, VALS(fuse_vals),
           0x00000300),
        HFX(hf_sqe_cdw0_rsvd, "Reserved", "nvt.sqe.cdw0_rsvd", 0x00003c00),
        HF(hf_sqe_psdt, "PRP or SGL for Data Transfer", "nvt.sqe.psdt", U32, BASE_DEC,
           VALS(psdt_vals), 0x0000c000),
        HF(hf_sqe_cid, "Command Identifier", "nvt.sqe.cid", U16, BASE_HEX, NULL, 0),
        HF(hf_sqe_nsid, "Namespace Identifier", "nvt.sqe.nsid", U32, BASE_HEX_DEC, NULL, 0),
        HFX(hf_sqe_cdw2, "Command Dword 2", "nvt.sqe.cdw2", 0),
        HFX(hf_sqe_cdw3, "Command Dword 3", "nvt.sqe.cdw3", 0),
        HF(hf_sqe_mptr, "Metadata Pointer", "nvt.sqe.mptr", U64, BASE_HEX, NULL, 0),
        HF(hf_sqe_prp1, "PRP Entry 1", "nvt.sqe.prp1", U64, BASE_HEX, NULL, 0),
        HF(hf_sqe_prp2, "PRP Entry 2", "nvt.sqe.prp2", U64, BASE_HEX, NULL, 0),
        HF(hf_sqe_sgl_addr, "SGL Address", "nvt.sqe.sgl.addr", U64, BASE_HEX, NULL, 0),
        HFD(hf_sqe_sgl_len, "SGL Length", "nvt.sqe.sgl.len", 0),
        HF(hf_sqe_sgl_type, "SGL Descriptor Type", "nvt.sqe.sgl.type", U8, BASE_HEX,
           VALS(sgl_type_vals), 0xf0),
        HF(hf_sqe_sgl_subtype, "SGL Descriptor Sub Type", "nvt.sqe.sgl.subtype", U8, BASE_HEX,
           NULL, 0x0f),
        HFX(hf_sqe_cdw[10], "Command Dword 10", "nvt.sqe.cdw10", 0),
        HFX(hf_sqe_cdw[11], "Command Dword 11", "nvt.sqe.cdw11", 0),
        HFX(hf_sqe_cdw[12], "Command Dword 12", "nvt.sqe.cdw12", 0),
        HFX(hf_sqe_cdw[13], "Command Dword 13", "nvt.sqe.cdw13", 0),
        HFX(hf_sqe_cdw[14], "Command Dword 14", "nvt.sqe.cdw14", 0),
        HFX(hf_sqe_cdw[15], "Command Dword 15", "nvt.sqe.cdw15", 0),
        HF(hf_sqe_unknown, "SQE bytes not recorded", "nvt.sqe.unknown", FT_NONE, BASE_NONE,
           NULL, 0),

        HFD(hf_qid, "Queue Identifier", "nvt.cmd.qid", 0x0000ffff),
        HF(hf_qsize, "Queue Size (0's based)", "nvt.cmd.qsize", U32, BASE_DEC, NULL,
           0xffff0000),
        HFB(hf_q_pc, "Physically Contiguous", "nvt.cmd.pc", 0x00000001),
        HFV(hf_q_qprio, "Queue Priority", "nvt.cmd.qprio", qprio_vals, 0x00000006),
        HFD(hf_q_cqid, "Completion Queue Identifier", "nvt.cmd.cqid", 0xffff0000),
        HFB(hf_q_ien, "Interrupts Enabled", "nvt.cmd.ien", 0x00000002),
        HFD(hf_q_iv, "Interrupt Vector", "nvt.cmd.iv", 0xffff0000),
        HFD(hf_q_nvmsetid, "NVM Set Identifier", "nvt.cmd.nvmsetid", 0x0000ffff),
        HF(hf_glp_lid, "Log Page Identifier", "nvt.cmd.lid", U32, BASE_HEX,
           NVT_VALS(nvt_log_pages), 0x000000ff),
        HFX(hf_glp_lsp, "Log Specific Parameter", "nvt.cmd.lsp", 0x00007f00),
        HFB(hf_glp_rae, "Retain Asynchronous Event", "nvt.cmd.rae", 0x00008000),
        HFD(hf_glp_numdl, "Number of Dwords Lower", "nvt.cmd.numdl", 0xffff0000),
        HFD(hf_glp_numdu, "Number of Dwords Upper", "nvt.cmd.numdu", 0x0000ffff),
        HFX(hf_glp_lsi, "Log Specific Identifier", "nvt.cmd.lsi", 0xffff0000),
        HF(hf_glp_lpo, "Log Page Offset", "nvt.cmd.lpo", U64, BASE_DEC, NULL, 0),
        HFB(hf_glp_ot, "Offset Type (index)", "nvt.cmd.ot", 0x00800000),
        HFD(hf_glp_numd, "Number of Dwords", "nvt.cmd.numd", 0),
        HFV(hf_csi, "Command Set Identifier", "nvt.cmd.csi", csi_vals, 0xff000000),
        HFD(hf_uuid_idx, "UUID Index", "nvt.cmd.uuid_idx", 0x0000007f),
        HF(hf_id_cns, "Controller or Namespace Structure", "nvt.cmd.cns", U32, BASE_HEX,
           NVT_VALS(nvt_identify_cns), 0x000000ff),
        HFD(hf_id_cntid, "Controller Identifier", "nvt.cmd.cntid", 0xffff0000),
        HFX(hf_id_cnssid, "CNS Specific Identifier", "nvt.cmd.cnssid", 0x0000ffff),
        HFD(hf_abort_sqid, "Submission Queue Identifier", "nvt.cmd.abort_sqid", 0x0000ffff),
        HF(hf_abort_cid, "Command Identifier", "nvt.cmd.abort_cid", U32, BASE_HEX, NULL,
           0xffff0000),
        HF(hf_feat_fid, "Feature Identifier", "nvt.cmd.fid", U32, BASE_HEX,
           NVT_VALS(nvt_features), 0x000000ff),
        HFB(hf_feat_sv, "Save", "nvt.cmd.sv", 0x80000000),
        HFV(hf_feat_sel, "Select", "nvt.cmd.sel", feat_sel_vals, 0x00000700),
        HFV(hf_nsm_sel, "Select", "nvt.cmd.nsm_sel", nsm_sel_vals, 0x0000000f),
        HFV(hf_nsa_sel, "Select", "nvt.cmd.nsa_sel", nsa_sel_vals, 0x0000000f),
        HFD(hf_fwc_fs, "Firmware Slot", "nvt.cmd.fs", 0x00000007),
        HFV(hf_fwc_ca, "Commit Action", "nvt.cmd.ca", fwc_ca_vals, 0x00000038),
        HFD(hf_fwc_bpid, "Boot Partition ID", "nvt.cmd.bpid", 0x80000000),
        HFD(hf_fwd_numd, "Number of Dwords (0's based)", "nvt.cmd.fw_numd", 0xffffffff),
        HFD(hf_fwd_ofst, "Offset (dwords)", "nvt.cmd.fw_ofst", 0xffffffff),
        HFV(hf_dst_stc, "Self-test Code", "nvt.cmd.dst_stc", dst_stc_vals, 0x0000000f),
        HFD(hf_dir_numd, "Number of Dwords (0's based)", "nvt.cmd.dir_numd", 0xffffffff),
        HFX(hf_dir_doper, "Directive Operation", "nvt.cmd.doper", 0x000000ff),
        HFV(hf_dir_dtype, "Directive Type", "nvt.cmd.dtype_dir", dir_type_vals, 0x0000ff00),
        HFD(hf_dir_dspec, "Directive Specific", "nvt.cmd.dir_dspec", 0xffff0000),
        HFB(hf_dir_endir, "Enable Directive", "nvt.cmd.endir", 0x00000001),
        HFV(hf_dir_tdtype, "Target Directive Type", "nvt.cmd.tdtype", dir_type_vals,
            0x0000ff00),
        HFV(hf_virt_act, "Action", "nvt.cmd.virt_act", virt_act_vals, 0x0000000f),
        HFV(hf_virt_rt, "Resource Type", "nvt.cmd.virt_rt", virt_rt_vals, 0x00000700),
        HFD(hf_virt_cntlid, "Controller Identifier", "nvt.cmd.virt_cntlid", 0xffff0000),
        HFD(hf_virt_nr, "Number of Controller Resources", "nvt.cmd.virt_nr", 0x0000ffff),
        HFV(hf_cap_oper, "Operation", "nvt.cmd.cap_oper", cap_oper_vals, 0x0000000f),
        HFD(hf_cap_elid, "Element Identifier", "nvt.cmd.cap_elid", 0xffff0000),
        HFD(hf_cap_capl, "Capacity Lower", "nvt.cmd.capl", 0xffffffff),
        HFD(hf_cap_capu, "Capacity Upper", "nvt.cmd.capu", 0xffffffff),
        HFD(hf_lck_scp, "Scope", "nvt.cmd.lck_scp", 0x0000000f),
        HFB(hf_lck_prhbt, "Prohibit", "nvt.cmd.lck_prhbt", 0x00000010),
        HFD(hf_lck_ifc, "Interface", "nvt.cmd.lck_ifc", 0x00000060),
        HFX(hf_lck_ofi, "Opcode or Feature Identifier", "nvt.cmd.lck_ofi", 0x0000ff00),
        HFD(hf_fmt_lbafl, "LBA Format (lower)", "nvt.cmd.lbafl", 0x0000000f),
        HFB(hf_fmt_mset, "Metadata Settings (extended LBA)", "nvt.cmd.mset", 0x00000010),
        HFD(hf_fmt_pi, "Protection Information", "nvt.cmd.pi", 0x000000e0),
        HFB(hf_fmt_pil, "Protection Information Location (first)", "nvt.cmd.pil",
            0x00000100),
        HFV(hf_fmt_ses, "Secure Erase Settings", "nvt.cmd.ses", ses_vals, 0x00000e00),
        HFD(hf_fmt_lbafu, "LBA Format (upper)", "nvt.cmd.lbafu", 0x00003000),
        HFX(hf_sec_nssf, "NVMe Security Specific Field", "nvt.cmd.nssf", 0x000000ff),
        HFX(hf_sec_spsp0, "SP Specific 0", "nvt.cmd.spsp0", 0x0000ff00),
        HFX(hf_sec_spsp1, "SP Specific 1", "nvt.cmd.spsp1", 0x00ff0000),
        HFX(hf_sec_secp, "Security Protocol", "nvt.cmd.secp", 0xff000000),
        HFD(hf_sec_len, "Transfer / Allocation Length", "nvt.cmd.sec_len", 0xffffffff),
        HFV(hf_san_sanact, "Sanitize Action", "nvt.cmd.sanact", san_act_vals, 0x00000007),
        HFB(hf_san_ause, "Allow Unrestricted Sanitize Exit", "nvt.cmd.ause", 0x00000008),
        HFD(hf_san_owpass, "Overwrite Pass Count", "nvt.cmd.owpass", 0x000000f0),
        HFB(hf_san_oipbp, "Overwrite Invert Pattern Between Passes", "nvt.cmd.oipbp",
            0x00000100),
        HFB(hf_san_ndas, "No Deallocate After Sanitize", "nvt.cmd.ndas", 0x00000200),
        HFX(hf_san_ovrpat, "Overwrite Pattern", "nvt.cmd.ovrpat", 0xffffffff),
        HF(hf_lbas_slba, "Starting LBA", "nvt.cmd.lbas_slba", U64, BASE_DEC, NULL, 0),
        HFD(hf_lbas_mndw, "Maximum Number of Dwords", "nvt.cmd.mndw", 0xffffffff),
        HFD(hf_lbas_rl, "Range Length", "nvt.cmd.rl", 0x0000ffff),
        HF(hf_lbas_atype, "Action Type", "nvt.cmd.atype", U32, BASE_HEX,
           VALS(lbas_atype_vals), 0xff000000),
        HF(hf_dbbuf_dbs, "Shadow Doorbell Buffer", "nvt.cmd.dbbuf_dbs", U64, BASE_HEX, NULL,
           0),
        HF(hf_dbbuf_eis, "EventIdx Buffer", "nvt.cmd.dbbuf_eis", U64, BASE_HEX, NULL, 0),

        HF(hf_io_slba, "Starting LBA", "nvt.cmd.slba", U64, BASE_DEC, NULL, 0),
        HFD(hf_io_nlb, "Number of Logical Blocks (0's based)", "nvt.cmd.nlb", 0x0000ffff),
        HFD(hf_io_blocks, "Logical Blocks", "nvt.cmd.blocks", 0),
        HFD(hf_io_dtype, "Directive Type", "nvt.cmd.dtype", 0x00f00000),
        HFB(hf_io_stc, "Storage Tag Check", "nvt.cmd.stc", 0x01000000),
        HFB(hf_io_deac, "Deallocate", "nvt.cmd.deac", 0x02000000),
        HFX(hf_io_prinfo, "Protection Information Field", "nvt.cmd.prinfo", 0x3c000000),
        HFB(hf_io_fua, "Force Unit Access", "nvt.cmd.fua", 0x40000000),
        HFB(hf_io_lr, "Limited Retry", "nvt.cmd.lr", 0x80000000),
        HFX(hf_io_dsm, "Dataset Management", "nvt.cmd.dsm", 0x000000ff),
        HFD(hf_io_dspec, "Directive Specific", "nvt.cmd.dspec", 0xffff0000),
        HFX(hf_io_ilbrt, "(Expected) Initial Logical Block Reference Tag", "nvt.cmd.ilbrt", 0xffffffff),
        HFX(hf_io_lbat, "Logical Block Application Tag", "nvt.cmd.lbat", 0x0000ffff),
        HFX(hf_io_lbatm, "Logical Block Application Tag Mask", "nvt.cmd.lbatm", 0xffff0000),
        HFD(hf_dsm_nr, "Number of Ranges (0's based)", "nvt.cmd.dsm_nr", 0x000000ff),
        HFB(hf_dsm_idr, "Integral Dataset for Read", "nvt.cmd.idr", 0x00000001),
        HFB(hf_dsm_idw, "Integral Dataset for Write", "nvt.cmd.idw", 0x00000002),
        HFB(hf_dsm_ad, "Deallocate", "nvt.cmd.ad", 0x00000004),
        HF(hf_copy_sdlba, "Starting Destination LBA", "nvt.cmd.sdlba", U64, BASE_DEC, NULL,
           0),
        HFD(hf_copy_nr, "Number of Ranges (0's based)", "nvt.cmd.copy_nr", 0x000000ff),
        HFD(hf_copy_desfmt, "Descriptor Format", "nvt.cmd.desfmt", 0x00000f00),
        HFX(hf_copy_prinfor, "Protection Information Field Read", "nvt.cmd.prinfor",
            0x0000f000),
        HFB(hf_copy_stcw, "Storage Tag Check Write", "nvt.cmd.stcw", 0x01000000),
        HFX(hf_copy_prinfow, "Protection Information Field Write", "nvt.cmd.prinfow",
            0x3c000000),
        HFX(hf_copy_lbtl, "Logical Block Tags Lower", "nvt.cmd.lbtl", 0xffffffff),
        HFV(hf_resv_rrega, "Reservation Register Action", "nvt.cmd.rrega", rrega_vals,
            0x00000007),
        HFB(hf_resv_iekey, "Ignore Existing Key", "nvt.cmd.iekey", 0x00000008),
        HFB(hf_resv_disnsrs, "Dispersed Namespace Reservation Support", "nvt.cmd.disnsrs",
            0x00000010),
        HFV(hf_resv_cptpl, "Change Persist Through Power Loss", "nvt.cmd.cptpl", cptpl_vals,
            0xc0000000),
        HFV(hf_resv_racqa, "Reservation Acquire Action", "nvt.cmd.racqa", racqa_vals,
            0x00000007),
        HFV(hf_resv_rtype, "Reservation Type", "nvt.cmd.rtype", rtype_vals, 0x0000ff00),
        HFV(hf_resv_rrela, "Reservation Release Action", "nvt.cmd.rrela", rrela_vals,
            0x00000007),
        HFD(hf_resv_numd, "Number of Dwords (0's based)", "nvt.cmd.resv_numd", 0xffffffff),
        HFB(hf_resv_eds, "Extended Data Structure", "nvt.cmd.eds", 0x00000001),

        HFD(hf_f_arb_ab, "Arbitration Burst", "nvt.feat.arb.ab", 0x00000007),
        HFD(hf_f_arb_lpw, "Low Priority Weight", "nvt.feat.arb.lpw", 0x0000ff00),
        HFD(hf_f_arb_mpw, "Medium Priority Weight", "nvt.feat.arb.mpw", 0x00ff0000),
        HFD(hf_f_arb_hpw, "High Priority Weight", "nvt.feat.arb.hpw", 0xff000000),
        HFD(hf_f_pm_ps, "Power State", "nvt.feat.pm.ps", 0x0000001f),
        HFD(hf_f_pm_wh, "Workload Hint", "nvt.feat.pm.wh", 0x000000e0),
        HFD(hf_f_lbart_num, "Number of LBA Ranges (0's based)", "nvt.feat.lbart.num",
            0x0000003f),
        HFD(hf_f_tt_tmpth, "Temperature Threshold (K)", "nvt.feat.tt.tmpth", 0x0000ffff),
        HFD(hf_f_tt_tmpsel, "Threshold Temperature Select", "nvt.feat.tt.tmpsel", 0x000f0000),
        HFD(hf_f_tt_thsel, "Threshold Type Select", "nvt.feat.tt.thsel", 0x00300000),
        HFD(hf_f_er_tler, "Time Limited Error Recovery (100 ms)", "nvt.feat.er.tler",
            0x0000ffff),
        HFB(hf_f_er_dulbe, "Deallocated or Unwritten Logical Block Error Enable",
            "nvt.feat.er.dulbe", 0x00010000),
        HFB(hf_f_vwc_wce, "Volatile Write Cache Enable", "nvt.feat.vwc.wce", 0x00000001),
        HFD(hf_f_nq_nsqr, "Number of I/O Submission Queues Requested (0's based)",
            "nvt.feat.nq.nsqr", 0x0000ffff),
        HFD(hf_f_nq_ncqr, "Number of I/O Completion Queues Requested (0's based)",
            "nvt.feat.nq.ncqr", 0xffff0000),
        HFD(hf_f_nq_nsqa, "Number of I/O Submission Queues Allocated (0's based)",
            "nvt.feat.nq.nsqa", 0x0000ffff),
        HFD(hf_f_nq_ncqa, "Number of I/O Completion Queues Allocated (0's based)",
            "nvt.feat.nq.ncqa", 0xffff0000),
        HFD(hf_f_ic_thr, "Aggregation Threshold", "nvt.feat.ic.thr", 0x000000ff),
        HFD(hf_f_ic_time, "Aggregation Time (100 us)", "nvt.feat.ic.time", 0x0000ff00),
        HFD(hf_f_ivc_iv, "Interrupt Vector", "nvt.feat.ivc.iv", 0x0000ffff),
        HFB(hf_f_ivc_cd, "Coalescing Disable", "nvt.feat.ivc.cd", 0x00010000),
        HFB(hf_f_wan_dn, "Disable Normal", "nvt.feat.wan.dn", 0x00000001),
        HFX(hf_f_aec_smart, "SMART / Health Critical Warnings", "nvt.feat.aec.smart",
            0x000000ff),
        HFB(hf_f_aec_nan, "Namespace Attribute Notices", "nvt.feat.aec.nan", 0x00000100),
        HFB(hf_f_aec_fan, "Firmware Activation Notices", "nvt.feat.aec.fan", 0x00000200),
        HFB(hf_f_aec_tln, "Telemetry Log Notices", "nvt.feat.aec.tln", 0x00000400),
        HFB(hf_f_aec_anacn, "ANA Change Notices", "nvt.feat.aec.anacn", 0x00000800),
        HFB(hf_f_aec_plealcn, "Predictable Latency Event Aggregate Log Change Notices",
            "nvt.feat.aec.plealcn", 0x00001000),
        HFB(hf_f_aec_lsin, "LBA Status Information Notices", "nvt.feat.aec.lsin",
            0x00002000),
        HFB(hf_f_aec_egealcn, "Endurance Group Event Aggregate Log Change Notices",
            "nvt.feat.aec.egealcn", 0x00004000),
        HFB(hf_f_aec_nnsshdn, "Normal NVM Subsystem Shutdown Notices", "nvt.feat.aec.nnsshdn",
            0x00008000),
        HFB(hf_f_aec_zdcn, "Zone Descriptor Changed Notices", "nvt.feat.aec.zdcn",
            0x08000000),
        HFB(hf_f_aec_dlpcn, "Discovery Log Page Change Notification", "nvt.feat.aec.dlpcn",
            0x80000000),
        HFB(hf_f_apst_apste, "Autonomous Power State Transition Enable", "nvt.feat.apst.apste",
            0x00000001),
        HFB(hf_f_hmb_ehm, "Enable Host Memory", "nvt.feat.hmb.ehm", 0x00000001),
        HFB(hf_f_hmb_mr, "Memory Return", "nvt.feat.hmb.mr", 0x00000002),
        HFD(hf_f_kat_kato, "Keep Alive Timeout (ms)", "nvt.feat.kat.kato", 0xffffffff),
        HFD(hf_f_hctm_tmt2, "Thermal Management Temperature 2 (K)", "nvt.feat.hctm.tmt2",
            0x0000ffff),
        HFD(hf_f_hctm_tmt1, "Thermal Management Temperature 1 (K)", "nvt.feat.hctm.tmt1",
            0xffff0000),
        HFB(hf_f_nops_noppme, "Non-Operational Power State Permissive Mode Enable",
            "nvt.feat.nops.noppme", 0x00000001),
        HFB(hf_f_san_nodrm, "No-Deallocate Response Mode", "nvt.feat.san.nodrm", 0x00000001),
        HFD(hf_f_spm_pbslc, "Pre-boot Software Load Count", "nvt.feat.spm.pbslc", 0x000000ff),
        HFB(hf_f_hid_exhid, "Enable Extended Host Identifier", "nvt.feat.hid.exhid",
            0x00000001),
        HFB(hf_f_rnm_regpre, "Mask Registration Preempted", "nvt.feat.rnm.regpre",
            0x00000002),
        HFB(hf_f_rnm_resrel, "Mask Reservation Released", "nvt.feat.rnm.resrel", 0x00000004),
        HFB(hf_f_rnm_respre, "Mask Reservation Preempted", "nvt.feat.rnm.respre",
            0x00000008),
        HFB(hf_f_rp_ptpl, "Persist Through Power Loss", "nvt.feat.rp.ptpl", 0x00000001),

        HFX(hf_cqe_dw0, "Dword 0 (command specific)", "nvt.cqe.dw0", 0),
        HFX(hf_cqe_dw1, "Dword 1 (command specific)", "nvt.cqe.dw1", 0),
        HF(hf_cqe_sqhd, "SQ Head Pointer", "nvt.cqe.sqhd", U16, BASE_DEC, NULL, 0),
        HF(hf_cqe_sqid, "SQ Identifier", "nvt.cqe.sqid", U16, BASE_DEC, NULL, 0),
        HF(hf_cqe_cid, "Command Identifier", "nvt.cqe.cid", U16, BASE_HEX, NULL, 0),
        HF(hf_cqe_status, "Status", "nvt.cqe.status", U16, BASE_HEX, NULL, 0),
        HF(hf_cqe_p, "Phase Tag", "nvt.cqe.p", U16, BASE_DEC, NULL, 0x0001),
        HF(hf_cqe_sc, "Status Code", "nvt.cqe.sc", U16, BASE_HEX, NULL, 0x01fe),
        HF(hf_cqe_sct, "Status Code Type", "nvt.cqe.sct", U16, BASE_HEX,
           NVT_VALS(nvt_status_types), 0x0e00),
        HF(hf_cqe_crd, "Command Retry Delay", "nvt.cqe.crd", U16, BASE_DEC, NULL, 0x3000),
        HF(hf_cqe_m, "More", "nvt.cqe.m", FT_BOOLEAN, 16, NULL, 0x4000),
        HF(hf_cqe_dnr, "Do Not Retry", "nvt.cqe.dnr", FT_BOOLEAN, 16, NULL, 0x8000),
        HF(hf_cqe_status_code, "Status (SCT << 8 | SC)", "nvt.cqe.status_code", U16,
           BASE_HEX, NVT_VALS(nvt_status_codes), 0),
        HF(hf_cqe_unknown, "CQE bytes not recorded", "nvt.cqe.unknown", FT_NONE, BASE_NONE,
           NULL, 0),
        HFV(hf_cqe_aer_type, "Asynchronous Event Type", "nvt.cqe.aer.type", aer_type_vals,
            0x00000007),
        HFX(hf_cqe_aer_info, "Asynchronous Event Information", "nvt.cqe.aer.info", 0x0000ff00),
        HF(hf_cqe_aer_lid, "Log Page Identifier", "nvt.cqe.aer.lid", U32, BASE_HEX,
           NVT_VALS(nvt_log_pages), 0x00ff0000),
        HFB(hf_cqe_abort_iana, "Command not aborted", "nvt.cqe.abort.not_aborted",
            0x00000001),
        HFD(hf_cqe_nsid, "Created Namespace Identifier", "nvt.cqe.nsid", 0xffffffff),

        HF(hf_idc_vid, "PCI Vendor ID", "nvt.id.ctrl.vid", U16, BASE_HEX, NULL, 0),
        HF(hf_idc_ssvid, "PCI Subsystem Vendor ID", "nvt.id.ctrl.ssvid", U16, BASE_HEX, NULL,
           0),
        HF(hf_idc_sn, "Serial Number", "nvt.id.ctrl.sn", FT_STRING, BASE_NONE, NULL, 0),
        HF(hf_idc_mn, "Model Number", "nvt.id.ctrl.mn", FT_STRING, BASE_NONE, NULL, 0),
        HF(hf_idc_fr, "Firmware Revision", "nvt.id.ctrl.fr", FT_STRING, BASE_NONE, NULL, 0),
        HF(hf_idc_rab, "Recommended Arbitration Burst", "nvt.id.ctrl.rab", U8, BASE_DEC, NULL,
           0),
        HF(hf_idc_ieee, "IEEE OUI", "nvt.id.ctrl.ieee", FT_UINT24, BASE_HEX, NULL, 0),
        HF(hf_idc_cmic, "Multi-Path I/O and Namespace Sharing", "nvt.id.ctrl.cmic", U8,
           BASE_HEX, NULL, 0),
        HF(hf_idc_mdts, "Maximum Data Transfer Size (2^n min pages, 0 = no limit)",
           "nvt.id.ctrl.mdts", U8, BASE_DEC, NULL, 0),
        HF(hf_idc_cntlid, "Controller ID", "nvt.id.ctrl.cntlid", U16, BASE_DEC, NULL, 0),
        HFX(hf_idc_ver, "Version", "nvt.id.ctrl.ver", 0),
        HFD(hf_idc_rtd3r, "RTD3 Resume Latency (us)", "nvt.id.ctrl.rtd3r", 0),
        HFD(hf_idc_rtd3e, "RTD3 Entry Latency (us)", "nvt.id.ctrl.rtd3e", 0),
        HFX(hf_idc_oaes, "Optional Asynchronous Events Supported", "nvt.id.ctrl.oaes", 0),
        HFX(hf_idc_ctratt, "Controller Attributes", "nvt.id.ctrl.ctratt", 0),
        HF(hf_idc_cntrltype, "Controller Type", "nvt.id.ctrl.cntrltype", U8, BASE_DEC,
           VALS(cntrltype_vals), 0),
        HF(hf_idc_oacs, "Optional Admin Command Support", "nvt.id.ctrl.oacs", U16, BASE_HEX,
           NULL, 0),
        HF(hf_idc_acl, "Abort Command Limit (0's based)", "nvt.id.ctrl.acl", U8, BASE_DEC,
           NULL, 0),
        HF(hf_idc_aerl, "Async Event Request Limit (0's based)", "nvt.id.ctrl.aerl", U8,
           BASE_DEC, NULL, 0),
        HF(hf_idc_frmw, "Firmware Updates", "nvt.id.ctrl.frmw", U8, BASE_HEX, NULL, 0),
        HF(hf_idc_lpa, "Log Page Attributes", "nvt.id.ctrl.lpa", U8, BASE_HEX, NULL, 0),
        HF(hf_idc_elpe, "Error Log Page Entries (0's based)", "nvt.id.ctrl.elpe", U8,
           BASE_DEC, NULL, 0),
        HF(hf_idc_npss, "Number of Power States Support (0's based)", "nvt.id.ctrl.npss", U8,
           BASE_DEC, NULL, 0),
        HF(hf_idc_wctemp, "Warning Composite Temperature Threshold (K)", "nvt.id.ctrl.wctemp",
           U16, BASE_DEC, NULL, 0),
        HF(hf_idc_cctemp, "Critical Composite Temperature Threshold (K)",
           "nvt.id.ctrl.cctemp", U16, BASE_DEC, NULL, 0),
        HFD(hf_idc_hmpre, "Host Memory Buffer Preferred Size (4 KiB)", "nvt.id.ctrl.hmpre",
            0),
        HFD(hf_idc_hmmin, "Host Memory Buffer Minimum Size (4 KiB)", "nvt.id.ctrl.hmmin", 0),
        HF(hf_idc_tnvmcap, "Total NVM Capacity", "nvt.id.ctrl.tnvmcap", FT_BYTES, BASE_NONE,
           NULL, 0),
        HF(hf_idc_kas, "Keep Alive Support (100 ms)", "nvt.id.ctrl.kas", U16, BASE_DEC, NULL,
           0),
        HFX(hf_idc_sanicap, "Sanitize Capabilities", "nvt.id.ctrl.sanicap", 0),
        HF(hf_idc_sqes, "SQ Entry Size (max << 4 | min, 2^n bytes)", "nvt.id.ctrl.sqes", U8,
           BASE_HEX, NULL, 0),
        HF(hf_idc_cqes, "CQ Entry Size (max << 4 | min, 2^n bytes)", "nvt.id.ctrl.cqes", U8,
           BASE_HEX, NULL, 0),
        HF(hf_idc_maxcmd, "Maximum Outstanding Commands", "nvt.id.ctrl.maxcmd", U16, BASE_DEC,
           NULL, 0),
        HFD(hf_idc_nn, "Number of Namespaces", "nvt.id.ctrl.nn", 0),
        HF(hf_idc_oncs, "Optional NVM Command Support", "nvt.id.ctrl.oncs", U16, BASE_HEX,
           NULL, 0),
        HF(hf_idc_fuses, "Fused Operation Support", "nvt.id.ctrl.fuses", U16, BASE_HEX, NULL,
           0),
        HF(hf_idc_fna, "Format NVM Attributes", "nvt.id.ctrl.fna", U8, BASE_HEX, NULL, 0),
        HF(hf_idc_vwc, "Volatile Write Cache", "nvt.id.ctrl.vwc", U8, BASE_HEX, NULL, 0),
        HF(hf_idc_awun, "Atomic Write Unit Normal (0's based)", "nvt.id.ctrl.awun", U16,
           BASE_DEC, NULL, 0),
        HF(hf_idc_awupf, "Atomic Write Unit Power Fail (0's based)", "nvt.id.ctrl.awupf", U16,
           BASE_DEC, NULL, 0),
        HFX(hf_idc_sgls, "SGL Support", "nvt.id.ctrl.sgls", 0),
        HF(hf_idc_subnqn, "NVM Subsystem NVMe Qualified Name", "nvt.id.ctrl.subnqn",
           FT_STRINGZPAD, BASE_NONE, NULL, 0),

        HF(hf_idn_nsze, "Namespace Size (blocks)", "nvt.id.ns.nsze", U64, BASE_DEC, NULL, 0),
        HF(hf_idn_ncap, "Namespace Capacity (blocks)", "nvt.id.ns.ncap", U64, BASE_DEC, NULL,
           0),
        HF(hf_idn_nuse, "Namespace Utilization (blocks)", "nvt.id.ns.nuse", U64, BASE_DEC,
           NULL, 0),
        HF(hf_idn_nsfeat, "Namespace Features", "nvt.id.ns.nsfeat", U8, BASE_HEX, NULL, 0),
        HF(hf_idn_nlbaf, "Number of LBA Formats (0's based)", "nvt.id.ns.nlbaf", U8, BASE_DEC,
           NULL, 0),
        HF(hf_idn_flbas, "Formatted LBA Size", "nvt.id.ns.flbas", U8, BASE_HEX, NULL, 0),
        HF(hf_idn_mc, "Metadata Capabilities", "nvt.id.ns.mc", U8, BASE_HEX, NULL, 0),
        HF(hf_idn_dpc, "End-to-end Data Protection Capabilities", "nvt.id.ns.dpc", U8,
           BASE_HEX, NULL, 0),
        HF(hf_idn_dps, "End-to-end Data Protection Type Settings", "nvt.id.ns.dps", U8,
           BASE_HEX, NULL, 0),
        HF(hf_idn_nmic, "Namespace Multi-path I/O and Sharing", "nvt.id.ns.nmic", U8, BASE_HEX,
           NULL, 0),
        HF(hf_idn_rescap, "Reservation Capabilities", "nvt.id.ns.rescap", U8, BASE_HEX, NULL,
           0),
        HF(hf_idn_dlfeat, "Deallocate Logical Block Features", "nvt.id.ns.dlfeat", U8,
           BASE_HEX, NULL, 0),
        HF(hf_idn_noiob, "Namespace Optimal I/O Boundary (blocks)", "nvt.id.ns.noiob", U16,
           BASE_DEC, NULL, 0),
        HF(hf_idn_nvmcap, "NVM Capacity", "nvt.id.ns.nvmcap", FT_BYTES, BASE_NONE, NULL, 0),
        HF(hf_idn_mssrl, "Maximum Single Source Range Length", "nvt.id.ns.mssrl", U16,
           BASE_DEC, NULL, 0),
        HFD(hf_idn_mcl, "Maximum Copy Length", "nvt.id.ns.mcl", 0),
        HF(hf_idn_msrc, "Maximum Source Range Count (0's based)", "nvt.id.ns.msrc", U8,
           BASE_DEC, NULL, 0),
        HFD(hf_idn_anagrpid, "ANA Group Identifier", "nvt.id.ns.anagrpid", 0),
        HF(hf_idn_nsattr, "Namespace Attributes", "nvt.id.ns.nsattr", U8, BASE_HEX, NULL, 0),
        HF(hf_idn_nvmsetid, "NVM Set Identifier", "nvt.id.ns.nvmsetid", U16, BASE_DEC, NULL,
           0),
        HF(hf_idn_nguid, "Namespace Globally Unique Identifier", "nvt.id.ns.nguid", FT_BYTES,
           BASE_NONE, NULL, 0),
        HF(hf_idn_eui64, "IEEE Extended Unique Identifier", "nvt.id.ns.eui64", FT_BYTES,
           BASE_NONE, NULL, 0),
        HFX(hf_idn_lbaf, "LBA Format", "nvt.id.ns.lbaf", 0),
        HFD(hf_idn_lbaf_ms, "Metadata Size", "nvt.id.ns.lbaf.ms", 0x0000ffff),
        HFD(hf_idn_lbaf_lbads, "LBA Data Size (2^n)", "nvt.id.ns.lbaf.lbads", 0x00ff0000),
        HFV(hf_idn_lbaf_rp, "Relative Performance", "nvt.id.ns.lbaf.rp", lbaf_rp_vals,
            0x03000000),
        HFD(hf_idn_lbaf_size, "LBA Data Size (bytes)", "nvt.id.ns.lbaf.size", 0),
        HFD(hf_id_nslist_nsid, "Active Namespace ID", "nvt.id.nslist.nsid", 0),
        HF(hf_id_desc_type, "Identifier Type", "nvt.id.desc.type", U8, BASE_DEC,
           VALS(nid_type_vals), 0),
        HF(hf_id_desc_len, "Identifier Length", "nvt.id.desc.len", U8, BASE_DEC, NULL, 0),
        HF(hf_id_desc_id, "Identifier", "nvt.id.desc.id", FT_BYTES, BASE_NONE, NULL, 0),
        HFX(hf_dsm_range_attr, "Context Attributes", "nvt.dsm.range.attr", 0),
        HFD(hf_dsm_range_nlb, "Length in Logical Blocks", "nvt.dsm.range.nlb", 0),
        HF(hf_dsm_range_slba, "Starting LBA", "nvt.dsm.range.slba", U64, BASE_DEC, NULL, 0),
        HF(hf_copy_range_slba, "Starting LBA", "nvt.copy.range.slba", U64, BASE_DEC, NULL, 0),
        HF(hf_copy_range_nlb, "Number of Logical Blocks (0's based)", "nvt.copy.range.nlb",
           U16, BASE_DEC, NULL, 0),
    };
    static gint *ett[] = {&ett_sqe, &ett_cdw, &ett_cqe, &ett_status, &ett_dw0, &ett_data,
                          &ett_lbaf, &ett_range, &ett_sgl};
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
}
