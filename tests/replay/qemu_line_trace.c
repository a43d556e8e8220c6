/* Rewrites a trace recorded on one QEMU release line into what another line is known to answer,
 * so a test can replay a recorded sample into the installed QEMU and compare everything the two
 * lines share. The known differences come from the QEMU table (nvmetrace/qemu.h) and nowhere
 * else: CAP of a default controller (MMIO reads of BAR0 0x0-0x7), PCIe Device Capabilities bit 5
 * Extended Tag Field Supported (config reads covering 0x84), Identify Namespace NSFEAT (byte 24
 * of an Identify CNS 0 data transfer, where the trace holds the data) and the status a Security
 * Receive gets. A value is rewritten only where it is the recording line's value; every rewrite
 * is counted and printed, so the test says what it did not compare as recorded.
 *
 * usage: nvt-qemu-line-trace IN OUT --to "QEMU BANNER" [--from VERSION]
 *   The recording's line is read from the trace's device (its emulator string), or given with
 *   --from (a QEMU log import names no version). Exit 0 with
 *   the rewrites on stdout ("same line" and a plain copy when both lines agree), 1 on error,
 *   2 on a usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/format.h"
#include "nvmetrace/qemu.h"
#include "le.h" /* format/src: the library's little-endian readers */

#define IDENTIFY_OPC 0x06
#define SECURITY_RECV_OPC 0x82
#define NSFEAT_OFFSET 24
#define DEVCAP_OFFSET 0x84
#define DEVCAP_EXT_TAG 0x20u

struct counts {
    unsigned cap, devcap, nsfeat, secrecv;
};

/* (Admin opcodes and offsets: nvmetrace/nvme.h has names only, no constants, on this branch.) */

/* Identify CNS 0 commands in flight: (sqid 0, cid) -> PRP1, from their submissions. */
struct pending {
    uint16_t cid;
    uint64_t prp1;
    int used;
};
static struct pending idns[64];
/* Security Receive commands in flight: cid | 0x10000 by cid % 64 */
static uint32_t secrecv[64];

/* All SQE bytes [off, off + width) known (a QEMU log import knows some only). */
static int known(const nvt_event *e, unsigned off, unsigned width)
{
    uint64_t mask = ((1ull << width) - 1) << off;
    return (e->u.sub.known & mask) == mask;
}

/* CAP bytes [offset, offset + size) of BAR0, from a CAP value. */
static uint64_t cap_part(uint64_t cap, uint32_t offset, unsigned size)
{
    uint64_t v = cap >> (8 * offset);
    return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static void rewrite(nvt_event *e, uint8_t *data, const struct nvt_qemu_line *from,
                   const struct nvt_qemu_line *to, struct counts *c)
{
    if (e->type == NVT_EV_MMIO_READ && e->u.mmio.bar == 0 && e->u.mmio.offset < 8 &&
        e->u.mmio.offset + e->u.mmio.size <= 8 && !(e->flags & NVT_F_RECONSTRUCTED) &&
        from->cap != to->cap) {
        uint64_t was = cap_part(from->cap, e->u.mmio.offset, e->u.mmio.size);
        if (e->u.mmio.value == was) {
            e->u.mmio.value = cap_part(to->cap, e->u.mmio.offset, e->u.mmio.size);
            c->cap += e->u.mmio.value != was;
        }
    }
    if (e->type == NVT_EV_CFG_READ && e->u.cfg.offset <= DEVCAP_OFFSET &&
        e->u.cfg.offset + e->u.cfg.size > DEVCAP_OFFSET && from->devcap_ext_tag != to->devcap_ext_tag) {
        uint32_t bit = DEVCAP_EXT_TAG << (8 * (DEVCAP_OFFSET - e->u.cfg.offset));
        if (!!(e->u.cfg.value & bit) == from->devcap_ext_tag) {
            e->u.cfg.value = to->devcap_ext_tag ? e->u.cfg.value | bit : e->u.cfg.value & ~bit;
            c->devcap++;
        }
    }
    if (e->type == NVT_EV_SUBMISSION && e->u.sub.qid == 0 && known(e, 0, 4) && known(e, 24, 8) &&
        known(e, 40, 1) && e->u.sub.sqe[0] == IDENTIFY_OPC && e->u.sub.sqe[40] == 0) {
        uint16_t cid = (uint16_t)get_le16(e->u.sub.sqe + 2);
        struct pending *p = &idns[cid % 64];
        p->cid = cid;
        p->prp1 = get_le64(e->u.sub.sqe + 24);
        p->used = 1;
    }
    if (e->type == NVT_EV_DMA_WRITE && e->u.dma.sqid == 0 && from->nsfeat != to->nsfeat) {
        struct pending *p = &idns[e->u.dma.cid % 64];
        if (p->used && p->cid == e->u.dma.cid && e->u.dma.gpa == p->prp1 &&
            e->u.dma.caplen > NSFEAT_OFFSET && e->u.dma.data[NSFEAT_OFFSET] == from->nsfeat) {
            memcpy(data, e->u.dma.data, e->u.dma.caplen);
            data[NSFEAT_OFFSET] = to->nsfeat;
            e->u.dma.data = data;
            c->nsfeat++;
            p->used = 0;
        }
    }
    if (e->type == NVT_EV_SUBMISSION && e->u.sub.qid == 0 && known(e, 0, 4) &&
        e->u.sub.sqe[0] == SECURITY_RECV_OPC) {
        uint16_t cid = (uint16_t)get_le16(e->u.sub.sqe + 2);
        secrecv[cid % 64] = cid | 0x10000u;
    }
    if (e->type == NVT_EV_COMPLETION && from->security_recv_sf != to->security_recv_sf &&
        (e->u.cpl.known & 0xfc00) == 0xfc00 && get_le16(e->u.cpl.cqe + 10) == 0) {
        /* the completion of a Security Receive seen above, with the recording line's answer */
        uint16_t cid = (uint16_t)get_le16(e->u.cpl.cqe + 12);
        uint16_t sf = (uint16_t)(get_le16(e->u.cpl.cqe + 14) >> 1);
        if (secrecv[cid % 64] == (cid | 0x10000u) && sf == from->security_recv_sf) {
            secrecv[cid % 64] = 0;
            uint16_t w = (uint16_t)((get_le16(e->u.cpl.cqe + 14) & 1) | (to->security_recv_sf << 1));
            put_le16(e->u.cpl.cqe + 14, w);
            c->secrecv++;
        }
    }
}

int main(int argc, char **argv)
{
    if ((argc != 5 && argc != 7) || strcmp(argv[3], "--to") != 0 ||
        (argc == 7 && strcmp(argv[5], "--from") != 0)) {
        fprintf(stderr, "usage: nvt-qemu-line-trace IN OUT --to \"QEMU BANNER\" [--from VERSION]\n");
        return 2;
    }
    const char *in = argv[1], *out = argv[2], *banner = argv[4];
    const char *from_given = argc == 7 ? argv[6] : NULL;
    unsigned tmaj, tmin, tmic, fmaj, fmin, fmic;
    if (from_given && nvt_qemu_parse_version(from_given, &fmaj, &fmin, &fmic) != 0) {
        fprintf(stderr, "nvt-qemu-line-trace: no QEMU version in '%s'\n", from_given);
        return 2;
    }
    if (nvt_qemu_parse_version(banner, &tmaj, &tmin, &tmic) != 0) {
        fprintf(stderr, "nvt-qemu-line-trace: no QEMU version in '%s'\n", banner);
        return 2;
    }
    nvt_error err;
    nvt_reader *r = nvt_reader_open(in, &err);
    if (!r) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    /* The devices (IDBs) are known once the first event is read. */
    static uint8_t data[1 << 20];
    struct counts c = {0};
    nvt_event ev;
    int rc = nvt_reader_next(r, &ev, &err);
    if (rc == 0 || nvt_reader_device_count(r) == 0) {
        fprintf(stderr, "nvt-qemu-line-trace: %s: no device or no event\n", in);
        return 1;
    }
    const nvt_device *d0 = nvt_reader_device(r, 0);
    if (!from_given && nvt_qemu_parse_version(d0->emulator, &fmaj, &fmin, &fmic) != 0) {
        fprintf(stderr, "nvt-qemu-line-trace: %s: no QEMU version in the device's emulator '%s' "
                "(give it with --from)\n", in, d0->emulator);
        return 1;
    }
    const struct nvt_qemu_line *from = nvt_qemu_line_for(fmaj, fmin, NULL);
    const struct nvt_qemu_line *to = nvt_qemu_line_for(tmaj, tmin, NULL);
    nvt_writer_opts wo = {.keep_seq = 1, .appl = nvt_reader_appl(r), .comment = nvt_reader_comment(r)};
    nvt_writer *w = nvt_writer_open(out, &wo, &err);
    if (!w) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    size_t ndev = 0;
    for (; rc == 1; rc = nvt_reader_next(r, &ev, &err)) {
        for (; ndev < nvt_reader_device_count(r); ndev++)
            if (nvt_writer_add_device(w, nvt_reader_device(r, ndev), &err) < 0) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
        if (ev.type == NVT_EV_DMA_WRITE && ev.u.dma.caplen > sizeof data) {
            fprintf(stderr, "nvt-qemu-line-trace: %s: a DMA record of %u bytes\n", in, ev.u.dma.caplen);
            return 1;
        }
        if (from != to)
            rewrite(&ev, data, from, to, &c);
        if (nvt_writer_write(w, &ev, NULL, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    nvt_reader_close(r);
    if (nvt_writer_close(w, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (from == to) {
        printf("recorded on QEMU %u.%u, replayed into %u.%u: same line of the QEMU table, copied "
               "unchanged\n", fmaj, fmin, tmaj, tmin);
        return 0;
    }
    printf("recorded on QEMU %u.%u (line %u.%u), replayed into %u.%u (line %u.%u): rewritten to "
           "the target line's values from the QEMU table: CAP reads %u, DevCap Extended Tag "
           "reads %u, Identify Namespace NSFEAT %u, Security Receive status %u\n",
           fmaj, fmin, from->major, from->minor, tmaj, tmin, to->major, to->minor, c.cap,
           c.devcap, c.nsfeat, c.secrecv);
    return 0;
}
