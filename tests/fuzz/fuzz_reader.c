/* libFuzzer target: the pcapng/zstd reader must never crash, hang or leak on any input, every
 * failure must carry a message naming the input, and every event it returns must satisfy the
 * schema's value rules (it re-encodes and decodes again), so no consumer has to check.
 *
 * LLVMFuzzerCustomMutator below is structure-aware: most mutations change one pcapng block
 * (its body, or just the record inside an enhanced packet block) and then fix the block's
 * leading and trailing lengths and the packet's captured/original lengths, so the reader's
 * deeper checks (records, options, timestamps, the end marker) get inputs that pass its
 * framing checks; the rest drop, repeat or swap whole blocks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/format.h"
#include "nvmetrace/nvme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
/* libFuzzer's own byte mutator; absent (NULL) when the corpus is replayed without libFuzzer. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

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
        static uint8_t rec[NVT_MAX_RECORD_LEN];
        while ((rc = nvt_reader_next(r, &ev, &err)) == 1) {
            /* Everything downstream of the reader sees these fields: touch them all. */
            nvt_event_describe(&ev, line, sizeof line);
            if (ev.raw_len < NVT_HDR_LEN || ev.device >= nvt_reader_device_count(r))
                abort();
            /* What the reader returns is what the writer would write: same bytes again, and
             * they decode. */
            size_t n = nvt_record_encode(&ev, rec, sizeof rec);
            nvt_event back;
            char msg[300];
            if (n == 0 || nvt_record_decode(rec, n, &back, msg, sizeof msg) != NVT_OK)
                abort();
        }
        if (rc < 0 && strncmp(err.msg, "fuzz: ", 6) != 0)
            abort();
        const char *w = nvt_reader_warning(r);
        if (w && (rc != 0 || strncmp(w, "fuzz: ", 6) != 0))
            abort();
        nvt_reader_close(r);
    }
    return 0;
}

/* ---- structure-aware mutation ---- */

#define MAX_BLOCKS 4096

struct block {
    size_t off, len;
};

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Splits a host-order pcapng image into blocks; returns their number, 0 if it is not one
 * (zstd, the other byte order, a length that does not add up). */
static size_t split(const uint8_t *data, size_t size, struct block *b)
{
    size_t n = 0, off = 0;
    while (off + 12 <= size && n < MAX_BLOCKS) {
        uint32_t len = rd32(data + off + 4);
        if (len < 12 || len % 4 || len > size - off)
            return 0;
        b[n].off = off;
        b[n].len = len;
        n++;
        off += len;
    }
    return off == size ? n : 0;
}

static uint32_t next_rand(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* Replaces the bytes [from, to) of block b (offsets within the block) by a mutation of them
 * and fixes the block's lengths. packet: the range is an EPB's packet after the exported-PDU
 * prefix (20 bytes, so padding does not change with it): its padding follows it and the
 * captured and original lengths are fixed too. Returns the new image size, 0 if no room. */
static size_t mutate_body(uint8_t *data, size_t size, size_t max_size, const struct block *b,
                          size_t from, size_t to, int packet)
{
    static uint8_t scratch[1 << 20];
    size_t old = to - from;
    size_t pad_old = packet ? ((old + 3) & ~(size_t)3) - old : 0;
    size_t tail = b->off + to + pad_old; /* what follows, unchanged */
    if (old > sizeof scratch || max_size < size)
        return 0;
    memcpy(scratch, data + b->off + from, old);
    size_t room = max_size - size + old;
    size_t got = LLVMFuzzerMutate(scratch, old, room < sizeof scratch ? room : sizeof scratch);
    size_t padded = (got + 3) & ~(size_t)3;
    size_t nsize = b->off + from + padded + (size - tail);
    if (nsize > max_size)
        return 0;
    memmove(data + b->off + from + padded, data + tail, size - tail);
    memcpy(data + b->off + from, scratch, got);
    memset(data + b->off + from + got, 0, padded - got);
    uint32_t nlen = (uint32_t)(b->len - (old + pad_old) + padded);
    wr32(data + b->off + 4, nlen);
    wr32(data + b->off + nlen - 4, nlen);
    if (packet) {
        uint32_t cap = (uint32_t)(from - 28 + got);
        wr32(data + b->off + 20, cap);
        wr32(data + b->off + 24, cap);
    }
    return nsize;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    static struct block b[MAX_BLOCKS];
    uint32_t s = seed;
    size_t n = LLVMFuzzerMutate ? split(data, size, b) : 0;
    if (n < 2 || next_rand(&s) % 8 == 0)
        return LLVMFuzzerMutate ? LLVMFuzzerMutate(data, size, max_size) : size;
    size_t k = 1 + next_rand(&s) % (n - 1); /* keep the first section header */
    uint32_t type = rd32(data + b[k].off);
    unsigned action = next_rand(&s) % 10;
    if (action < 5 && type == 6 && b[k].len >= 32 + NVT_EXP_PDU_PREFIX_LEN) {
        /* the record inside an EPB (after the exported-PDU prefix), lengths fixed */
        uint32_t cap = rd32(data + b[k].off + 20);
        if (cap >= NVT_EXP_PDU_PREFIX_LEN && cap <= b[k].len - 32) {
            size_t r = mutate_body(data, size, max_size, &b[k], 28 + NVT_EXP_PDU_PREFIX_LEN,
                                   28 + cap, 1);
            if (r)
                return r;
        }
    } else if (action < 8 && b[k].len > 12) {
        size_t r = mutate_body(data, size, max_size, &b[k], 8, b[k].len - 4, 0);
        if (r)
            return r;
    } else if (action == 8) {
        /* drop the block, or repeat it (a cut on a block boundary, a duplicated record) */
        if (next_rand(&s) % 2) {
            memmove(data + b[k].off, data + b[k].off + b[k].len, size - b[k].off - b[k].len);
            return size - b[k].len;
        }
        if (size + b[k].len <= max_size) {
            memmove(data + b[k].off + b[k].len, data + b[k].off, size - b[k].off);
            return size + b[k].len;
        }
    } else if (n > 2) {
        /* swap two neighbouring blocks (an IDB after its packets, statistics not last) */
        size_t j = k + 1 < n ? k + 1 : k - 1;
        size_t a = j < k ? j : k, c = j < k ? k : j;
        static uint8_t tmp[1 << 20];
        if (b[a].len <= sizeof tmp) {
            memcpy(tmp, data + b[a].off, b[a].len);
            memmove(data + b[a].off, data + b[c].off, b[c].len);
            memcpy(data + b[a].off + b[c].len, tmp, b[a].len);
            return size;
        }
    }
    return LLVMFuzzerMutate(data, size, max_size);
}
