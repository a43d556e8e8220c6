/* Crash consistency: a child records a numbered sequence, the parent SIGKILLs it right after
 * event K, runs `nvmetrace recover` and checks that every event up to K is in the recovered
 * trace exactly once, in order, in a file libpcap opens. Then damaged ring files: a clear
 * error naming the file and offset, never a crash, and the inputs left as they were.
 *
 * usage: test_crash PATH/TO/nvmetrace */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture_util.h"
#include "nvmetap.h"
#include "tap_ring.h"
#include "test.h"

static const char *nvmetrace;
static char *dir;

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Runs `nvmetrace ARGS` through the shell; returns its exit status (128+N if killed by
 * signal N) and its combined output in out. */
static int run_tool(char *out, size_t outlen, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", nvmetrace, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct crash_cfg {
    const char *name;    /* trace file name (.zst = compressed) */
    uint32_t kill_after; /* K: the parent is told once doorbell K was recorded */
    int two_threads;     /* a second thread records its own sequence at the same time */
    uint32_t ring_size;
    int hold;            /* after K, stop recording and wait (capture alive) */
    const char *ring;    /* ring_path, or NULL for <trace>.ring */
};

static nvt_tap_dev *child_dev;

static void *second_thread(void *arg)
{
    (void)arg;
    for (uint32_t i = 0;; i++)
        nvt_tap_doorbell(child_dev, 2, 1, i);
    return NULL;
}

/* The recording child: never returns. Doorbell qid 1 values 0, 1, 2, ... with an annotation
 * "n=I" after every 1000th; with two_threads, qid 2 counts on another thread. */
static void child_record(const struct crash_cfg *cfg, const char *path, int wfd)
{
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    /* Lossless mode: the sequence must have no gaps for the check to mean anything. */
    nvt_tap_opts o = {.ring_size = cfg->ring_size, .full_policy = NVT_TAP_FULL_WAIT,
                      .emulator = "test_crash", .ring_path = cfg->ring};
    nvt_tap *tap = nvt_tap_open(path, &o, errbuf);
    if (!tap) {
        fprintf(stderr, "child: %s\n", errbuf);
        _exit(3);
    }
    nvt_tap_device_info info = {.bdf = "0000:00:04.0", .vendor_id = 0x1b36, .device_id = 0x10};
    child_dev = nvt_tap_add_device(tap, &info, errbuf);
    pthread_t th;
    if (cfg->two_threads)
        pthread_create(&th, NULL, second_thread, NULL);
    for (uint32_t i = 0;; i++) {
        nvt_tap_doorbell(child_dev, 1, 0, i);
        if (i % 1000 == 0)
            nvt_tap_annotatef(child_dev, NVT_TAP_ANN_NOTE, "n=%u", i);
        if (i == cfg->kill_after) {
            if (write(wfd, "k", 1) != 1)
                _exit(4);
            if (cfg->hold)
                for (;;)
                    pause();
        }
    }
}

/* Starts a recording child and returns its pid once it has recorded event K. */
static pid_t start_child(const struct crash_cfg *cfg, const char *path)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child_record(cfg, path, fds[1]);
    }
    close(fds[1]);
    char c;
    ssize_t n;
    do
        n = read(fds[0], &c, 1);
    while (n < 0 && errno == EINTR);
    close(fds[0]);
    if (n != 1) {
        fprintf(stderr, "child died before event %u\n", cfg->kill_after);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

static int kill_child(pid_t pid)
{
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

/* Records with a child and SIGKILLs it after event K. Returns 0, or -1 (counted as a failed
 * check) if the child could not get that far. */
static int crash_capture(const struct crash_cfg *cfg, const char *path)
{
    pid_t pid = start_child(cfg, path);
    CHECK(pid > 0);
    if (pid <= 0)
        return -1;
    CHECK(kill_child(pid));
    return 0;
}

/* Checks a recovered trace: qid 1 counts 0..n-1 with n > K, qid 2 likewise from 0, the
 * annotations in order, seq = position, RECOVERED exactly after recover's annotation. */
static void check_recovered(const struct crash_cfg *cfg, const char *path, const char *tool_out)
{
    struct trace t;
    CHECK(trace_load(path, &t) == 0); /* strict: no truncation left */
    uint32_t next1 = 0, next2 = 0, next_ann = 0;
    size_t bad = 0, bad_seq = 0, flagged = 0, flagged_wrong = 0;
    long marker = -1;
    for (size_t i = 0; i < t.n; i++) {
        const nvt_event *e = &t.v[i].ev;
        if (e->seq != i)
            bad_seq++;
        int recovered = (e->flags & NVT_F_RECOVERED) != 0;
        flagged += recovered;
        if (recovered != (marker >= 0) && e->type != NVT_EV_CAPTURE_STATS)
            flagged_wrong++;
        if (e->type == NVT_EV_DOORBELL && e->u.doorbell.qid == 1) {
            bad += e->u.doorbell.value != next1++;
        } else if (e->type == NVT_EV_DOORBELL && e->u.doorbell.qid == 2) {
            bad += e->u.doorbell.value != next2++;
        } else if (e->type == NVT_EV_ANNOTATION && !strncmp(e->u.ann.text, "n=", 2)) {
            char want[32];
            snprintf(want, sizeof want, "n=%u", next_ann);
            bad += e->u.ann.len != strlen(want) || memcmp(e->u.ann.text, want, e->u.ann.len);
            next_ann += 1000;
        } else if (e->type == NVT_EV_ANNOTATION && e->u.ann.len > 18 &&
                   !memcmp(e->u.ann.text, "nvmetrace recover:", 18)) {
            CHECK(marker < 0);
            marker = (long)i;
        } else if (e->type != NVT_EV_CAPTURE_STATS) {
            bad++;
        }
    }
    CHECK_EQ_U64(bad, 0);
    CHECK_EQ_U64(bad_seq, 0);
    CHECK_EQ_U64(flagged_wrong, 0);
    CHECK(next1 > cfg->kill_after); /* every doorbell 0..K */
    CHECK(next_ann > cfg->kill_after / 1000 * 1000); /* every annotation up to K */
    CHECK(marker >= 0);
    CHECK(t.n > 0 && t.v[t.n - 1].ev.type == NVT_EV_CAPTURE_STATS);
    if (t.n > 0) {
        const nvt_event *st = &t.v[t.n - 1].ev;
        CHECK_EQ_U64(st->u.stats.dropped, 0);
        /* recorded = every record but the statistics, recover's own annotation included:
         * the reader checks the final count against the records it reads */
        size_t nstats = 0;
        for (size_t i = 0; i < t.n; i++)
            nstats += t.v[i].ev.type == NVT_EV_CAPTURE_STATS;
        CHECK_EQ_U64(st->u.stats.recorded, t.n - nstats);
    }
    char want[64];
    snprintf(want, sizeof want, "recovered %zu events", flagged);
    CHECK(strstr(tool_out, want) != NULL);
    printf("  %s: K=%u, %zu events (qid1 %u, qid2 %u), %zu recovered from the ring\n",
           cfg->name, cfg->kill_after, t.n, next1, next2, flagged);
    CHECK_EQ_U64(pcap_read_all(path, NULL), t.n);
    trace_free(&t);
}

static void test_sigkill(const struct crash_cfg *cfg)
{
    const char *path = scratch_path(dir, cfg->name, 0);
    char ring[1100];
    snprintf(ring, sizeof ring, "%s.ring", path);
    if (crash_capture(cfg, path) < 0)
        return;
    CHECK(file_exists(ring));
    char out[8192], args[2400];
    snprintf(args, sizeof args, "recover '%s'", path);
    int rc = run_tool(out, sizeof out, args);
    CHECK_EQ_U64(rc, 0);
    if (rc != 0)
        fprintf(stderr, "%s", out);
    CHECK(!file_exists(ring));
    check_recovered(cfg, path, out);
    /* Once is enough: there is no ring any more. */
    rc = run_tool(out, sizeof out, args);
    CHECK_EQ_U64(rc, 1);
    CHECK(strstr(out, "no crash ring") != NULL);
}

/* recover must refuse while the capture lives, and work once it is dead. */
static void test_live_capture(void)
{
    struct crash_cfg cfg = {"live.pcapng", 1000, 0, 64 * 1024, 1, NULL};
    const char *path = scratch_path(dir, cfg.name, 0);
    pid_t pid = start_child(&cfg, path);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    char out[8192], args[2400];
    snprintf(args, sizeof args, "recover '%s'", path);
    CHECK_EQ_U64(run_tool(out, sizeof out, args), 1);
    CHECK(strstr(out, "still running") != NULL);
    CHECK(kill_child(pid));
    CHECK_EQ_U64(run_tool(out, sizeof out, args), 0);
    check_recovered(&cfg, path, out);
}

/* A ring kept elsewhere (ring_path), recovered to another file with the ring kept: the trace
 * is left as it was; then recovered in place. */
static void test_ring_elsewhere(void)
{
    const char *ring = scratch_path(dir, "elsewhere.ring", 2);
    struct crash_cfg cfg = {"elsewhere.pcapng.zst", 20000, 1, 64 * 1024, 0, ring};
    const char *path = scratch_path(dir, cfg.name, 0);
    const char *out_path = scratch_path(dir, "elsewhere-out.pcapng.zst", 3);
    const char *copy = scratch_path(dir, "elsewhere-copy.pcapng.zst", 4);
    if (crash_capture(&cfg, path) < 0)
        return;
    CHECK(file_copy(path, copy) == 0);
    char out[8192], args[4400];
    snprintf(args, sizeof args, "recover '%s'", path);
    CHECK_EQ_U64(run_tool(out, sizeof out, args), 1); /* not at <trace>.ring */
    CHECK(strstr(out, "no crash ring") != NULL);
    snprintf(args, sizeof args, "recover -o '%s' --keep-ring --ring '%s' '%s'", out_path, ring,
             path);
    CHECK_EQ_U64(run_tool(out, sizeof out, args), 0);
    CHECK(files_equal(path, copy));
    CHECK(file_exists(ring));
    check_recovered(&cfg, out_path, out);
    snprintf(args, sizeof args, "recover --ring '%s' '%s'", ring, path);
    CHECK_EQ_U64(run_tool(out, sizeof out, args), 0);
    CHECK(!file_exists(ring));
    check_recovered(&cfg, path, out);
    CHECK(files_equal(path, out_path)); /* the same recovery, byte for byte */
    /* Usage errors: exit 2. */
    CHECK_EQ_U64(run_tool(out, sizeof out, "recover"), 2);
    CHECK_EQ_U64(run_tool(out, sizeof out, "recover --bogus x"), 2);
}

/* ---- damaged ring files ---- */

static const char *corrupt_trace, *corrupt_ring;
static char trace_orig[1200], ring_orig[1200];

static int patch(const char *path, uint64_t off, const void *bytes, size_t n)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t w = pwrite(fd, bytes, n, (off_t)off);
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

static int read_at(const char *path, uint64_t off, void *bytes, size_t n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t r = pread(fd, bytes, n, (off_t)off);
    close(fd);
    return r == (ssize_t)n ? 0 : -1;
}

static void restore(void)
{
    file_copy(trace_orig, corrupt_trace);
    file_copy(ring_orig, corrupt_ring);
}

/* Runs recover on the damaged ring: exit 1, a message naming the ring, the offset and what,
 * and nothing changed. */
static void expect_refused(const char *what, const char *needle, const char *offset)
{
    char out[8192], args[2400];
    snprintf(args, sizeof args, "recover '%s'", corrupt_trace);
    int rc = run_tool(out, sizeof out, args);
    CHECK_EQ_U64(rc, 1);
    int named = strstr(out, corrupt_ring) != NULL && strstr(out, needle) != NULL &&
                (!offset || strstr(out, offset) != NULL);
    CHECK(named);
    if (rc != 1 || !named)
        fprintf(stderr, "  %s: exit %d: %s", what, rc, out);
    CHECK(files_equal(corrupt_trace, trace_orig));
    CHECK(file_exists(corrupt_ring));
}

static void test_damaged_ring(void)
{
    struct crash_cfg cfg = {"damaged.pcapng", 50000, 0, 64 * 1024, 1, NULL};
    corrupt_trace = scratch_path(dir, cfg.name, 1);
    static char ring[1100];
    snprintf(ring, sizeof ring, "%s.ring", corrupt_trace);
    corrupt_ring = ring;
    snprintf(trace_orig, sizeof trace_orig, "%s.orig", corrupt_trace);
    snprintf(ring_orig, sizeof ring_orig, "%s.orig", ring);
    if (crash_capture(&cfg, corrupt_trace) < 0)
        return;
    CHECK(file_copy(corrupt_trace, trace_orig) == 0);
    CHECK(file_copy(ring, ring_orig) == 0);
    struct nvt_ring_header h;
    CHECK(read_at(ring, 0, &h, sizeof h) == 0);
    uint64_t ctl0 = NVT_RING_HEADER_SIZE;
    uint64_t data0 = nvt_ring_data_offset(h.ring_count);
    uint64_t head, released;
    CHECK(read_at(ring, ctl0 + offsetof(struct nvt_ring_ctl, head), &head, 8) == 0);
    CHECK(read_at(ring, ctl0 + offsetof(struct nvt_ring_ctl, released), &released, 8) == 0);
    char off[64];

    CHECK(truncate(ring, 100) == 0);
    expect_refused("truncated header", "truncated ring file", "offset 100:");
    restore();

    CHECK(truncate(ring, (off_t)h.file_size - 1000) == 0);
    snprintf(off, sizeof off, "offset %llu:", (unsigned long long)h.file_size - 1000);
    expect_refused("truncated rings", "truncated ring file", off);
    restore();

    CHECK(patch(ring, 0, "XXXXXXXX", 8) == 0);
    expect_refused("bad magic", "bad magic", "offset 0:");
    restore();

    uint32_t odd = 12345;
    CHECK(patch(ring, offsetof(struct nvt_ring_header, ring_size), &odd, 4) == 0);
    expect_refused("ring size", "power of two", NULL);
    restore();

    uint64_t beyond = head + 1;
    CHECK(patch(ring, ctl0 + offsetof(struct nvt_ring_ctl, released), &beyond, 8) == 0);
    snprintf(off, sizeof off, "offset %llu:", (unsigned long long)ctl0);
    expect_refused("released > head", "inconsistent", off);
    restore();

    /* Unreleased data made of garbage: publish 4 KiB past released and fill it. */
    uint64_t start = released & (h.ring_size - 1);
    uint64_t fake_head = released + 4096;
    if (start + 4096 > h.ring_size) {
        start = 0;
        released = (released | (h.ring_size - 1)) + 1;
        fake_head = released + 4096;
        CHECK(patch(ring, ctl0 + offsetof(struct nvt_ring_ctl, released), &released, 8) == 0);
    }
    snprintf(off, sizeof off, "offset %llu:", (unsigned long long)(data0 + start));
    static uint8_t junk[4096];
    memset(junk, 0xee, sizeof junk);
    CHECK(patch(ring, ctl0 + offsetof(struct nvt_ring_ctl, head), &fake_head, 8) == 0);
    CHECK(patch(ring, data0 + start, junk, sizeof junk) == 0);
    expect_refused("garbage entry", "unknown entry kind", off);
    struct nvt_ring_entry e = {0x7fffffff, 0, NVT_RING_ENTRY_RECORD, 0, 0, 0};
    CHECK(patch(ring, data0 + start, &e, sizeof e) == 0);
    expect_refused("huge entry", "does not fit", off);
    struct nvt_ring_entry e2 = {24, 0, NVT_RING_ENTRY_RECORD, 0, 0, 0};
    uint8_t rec[24] = {9, NVT_EV_DOORBELL}; /* schema version 9, with a good check */
    e2.check = nvt_ring_entry_check(&e2, rec, sizeof rec);
    CHECK(patch(ring, data0 + start, &e2, sizeof e2) == 0);
    CHECK(patch(ring, data0 + start + sizeof e2, rec, sizeof rec) == 0);
    snprintf(off, sizeof off, "offset %llu:", (unsigned long long)(data0 + start + NVT_RING_ENTRY_HDR));
    expect_refused("unknown schema", "version", off);
    restore();

    /* Random damage to the header, the first control block and the unreleased entries:
     * recover either succeeds or fails with a message; it never crashes. */
    srand(12345);
    int crashed = 0, silent = 0;
    for (int round = 0; round < 60; round++) {
        restore();
        for (int k = 0; k < 8; k++) {
            uint8_t b = (uint8_t)rand();
            uint64_t where;
            switch (rand() % 3) {
            case 0: where = (uint64_t)rand() % sizeof h; break;
            case 1: where = ctl0 + (uint64_t)rand() % NVT_RING_CTL_SIZE; break;
            default: where = data0 + ((released + (uint64_t)rand() % 8192) & (h.ring_size - 1));
            }
            patch(ring, where, &b, 1);
        }
        char out[8192], args[2400];
        snprintf(args, sizeof args, "recover -o '%s/fuzz-out.pcapng' --keep-ring '%s'", dir,
                 corrupt_trace);
        int rc = run_tool(out, sizeof out, args);
        if (rc != 0 && rc != 1) {
            crashed++;
            fprintf(stderr, "  fuzz round %d: exit %d: %s", round, rc, out);
        }
        if (rc == 1 && strstr(out, "nvmetrace recover: ") == NULL)
            silent++;
    }
    CHECK_EQ_U64(crashed, 0);
    CHECK_EQ_U64(silent, 0);
    restore();
    /* Undamaged, the same files recover fine. */
    char out[8192], args[2400];
    snprintf(args, sizeof args, "recover '%s'", corrupt_trace);
    CHECK_EQ_U64(run_tool(out, sizeof out, args), 0);
    check_recovered(&cfg, corrupt_trace, out);
}

/* Damaged entries among the unreleased ones (three SQ doorbell values changed, as a bad disk
 * or a stray write would): recover leaves them out and says how many and where, and recovers
 * every other event; none of the wrong values reaches the trace. */
static int only_in_ring(const struct trace *t, const uint8_t *body)
{
    uint16_t qid = (uint16_t)(body[0] | body[1] << 8);
    uint32_t value = (uint32_t)body[4] | (uint32_t)body[5] << 8 | (uint32_t)body[6] << 16 |
                     (uint32_t)body[7] << 24;
    for (size_t i = 0; i < t->n; i++) {
        const nvt_event *e = &t->v[i].ev;
        if (e->type == NVT_EV_DOORBELL && e->u.doorbell.qid == qid && !e->u.doorbell.is_cq &&
            e->u.doorbell.value == value)
            return (e->flags & NVT_F_RECOVERED) != 0;
    }
    return 0;
}

static void test_entry_checks(void)
{
    struct crash_cfg cfg = {"checked.pcapng", 50000, 0, 64 * 1024, 0, NULL};
    const char *path = scratch_path(dir, cfg.name, 1);
    char ring[1100], good[1200], bad_out[1200], orig[1200];
    snprintf(ring, sizeof ring, "%s.ring", path);
    snprintf(good, sizeof good, "%s/checked-good.pcapng", dir);
    snprintf(bad_out, sizeof bad_out, "%s/checked-bad.pcapng", dir);
    snprintf(orig, sizeof orig, "%s.orig", ring);
    /* The kill must find at least nine SQ doorbells only the ring holds; a writer that kept
     * up with the recording leaves none, so the capture is tried again (five times at most). */
    struct nvt_ring_header h;
    uint64_t ctl0 = NVT_RING_HEADER_SIZE, data0 = 0, head = 0, released = 0;
    char out[8192], args[2600];
    struct trace tg = {0};
    size_t ring_only = 0;
    for (int attempt = 0; attempt < 5 && ring_only < 9; attempt++) {
        if (attempt) {
            trace_free(&tg);
            unlink(path);
            unlink(ring);
            unlink(good);
        }
        if (crash_capture(&cfg, path) < 0)
            return;
        CHECK(file_copy(ring, orig) == 0);
        CHECK(read_at(ring, 0, &h, sizeof h) == 0);
        data0 = nvt_ring_data_offset(h.ring_count);
        CHECK(read_at(ring, ctl0 + offsetof(struct nvt_ring_ctl, head), &head, 8) == 0);
        CHECK(read_at(ring, ctl0 + offsetof(struct nvt_ring_ctl, released), &released, 8) == 0);
        /* The undamaged ring, for comparison. */
        snprintf(args, sizeof args, "recover -o '%s' --keep-ring '%s'", good, path);
        CHECK_EQ_U64(run_tool(out, sizeof out, args), 0);
        CHECK(trace_load(good, &tg) == 0);
        ring_only = 0;
        for (size_t i = 0; i < tg.n; i++)
            ring_only += tg.v[i].ev.type == NVT_EV_DOORBELL && !tg.v[i].ev.u.doorbell.is_cq &&
                         (tg.v[i].ev.flags & NVT_F_RECOVERED);
    }
    /* Every third doorbell entry of the unreleased ones whose event only the ring holds (the
     * undamaged recovery flags it recovered: an unreleased entry may already be in the file,
     * when the kill came between the writer's write and its release), up to three, gets a
     * wrong value. Doorbell values count up per queue, so (qid, value) names the event. */
    uint64_t offs[3];
    size_t nbad = 0, doorbells = 0;
    for (uint64_t pos = released; pos < head && nbad < 3;) {
        uint64_t off = pos & (h.ring_size - 1);
        if (h.ring_size - off < NVT_RING_ENTRY_HDR) {
            pos += h.ring_size - off;
            continue;
        }
        struct nvt_ring_entry e;
        uint8_t rec[NVT_HDR_LEN + NVT_BODY_DOORBELL_LEN];
        CHECK(read_at(ring, data0 + off, &e, sizeof e) == 0);
        if (e.kind == NVT_RING_ENTRY_PAD) {
            pos += h.ring_size - off;
            continue;
        }
        if (e.rec_len == sizeof rec &&
            read_at(ring, data0 + off + NVT_RING_ENTRY_HDR, rec, sizeof rec) == 0 &&
            rec[1] == NVT_EV_DOORBELL && only_in_ring(&tg, rec + NVT_HDR_LEN) &&
            doorbells++ % 3 == 2) {
            uint32_t wrong = 0xdead0000u + (uint32_t)nbad;
            CHECK(patch(ring, data0 + off + NVT_RING_ENTRY_HDR + NVT_HDR_LEN + 4, &wrong, 4) == 0);
            offs[nbad++] = data0 + off;
        }
        pos += nvt_ring_entry_size(e.rec_len);
    }
    CHECK_EQ_U64(nbad, 3);
    snprintf(args, sizeof args, "recover -o '%s' --keep-ring '%s'", bad_out, path);
    CHECK_EQ_U64(run_tool(out, sizeof out, args), 0);
    CHECK(strstr(out, "3 crash-ring entries failed their check and were left out") != NULL);
    char want[200];
    if (nbad == 3) {
        snprintf(want, sizeof want, "offsets %llu, %llu, %llu)", (unsigned long long)offs[0],
                 (unsigned long long)offs[1], (unsigned long long)offs[2]);
        CHECK(strstr(out, want) != NULL);
    }
    CHECK(strstr(out, ring) != NULL);
    struct trace tb;
    CHECK(trace_load(bad_out, &tb) == 0);
    size_t rec_good = 0, rec_bad = 0, wrong_values = 0, ann = 0;
    for (size_t i = 0; i < tg.n; i++)
        rec_good += (tg.v[i].ev.flags & NVT_F_RECOVERED) != 0;
    for (size_t i = 0; i < tb.n; i++) {
        const nvt_event *e = &tb.v[i].ev;
        rec_bad += (e->flags & NVT_F_RECOVERED) != 0;
        wrong_values += e->type == NVT_EV_DOORBELL && (e->u.doorbell.value >> 16) == 0xdead;
        ann += e->type == NVT_EV_ANNOTATION && e->u.ann.len > 18 &&
               strstr(e->u.ann.text, "3 ring entries failed their check") != NULL;
    }
    CHECK_EQ_U64(rec_bad + 3, rec_good);
    CHECK_EQ_U64(tb.n + 3, tg.n);
    CHECK_EQ_U64(wrong_values, 0);
    CHECK_EQ_U64(ann, 1);
    printf("  checked.pcapng: %zu events recovered from the undamaged ring, %zu with 3 entries "
           "damaged\n", rec_good, rec_bad);
    trace_free(&tg);
    trace_free(&tb);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH/TO/nvmetrace\n", argv[0]);
        return 2;
    }
    nvmetrace = argv[1];
    /* Sanitizer reports must not look like recover's own exit 1. */
    setenv("ASAN_OPTIONS", "exitcode=99", 1);
    setenv("UBSAN_OPTIONS", "exitcode=98:print_stacktrace=1", 1);
    dir = scratch_dir("crash");
    static const struct crash_cfg cases[] = {
        {"plain.pcapng", 200000, 0, 256 * 1024, 0, NULL},
        {"zstd.pcapng.zst", 300000, 1, 256 * 1024, 0, NULL},
        {"early.pcapng", 0, 1, 64 * 1024, 0, NULL},
        {"early.pcapng.zst", 5, 0, 64 * 1024, 0, NULL},
        {"big-ring.pcapng.zst", 1000000, 1, 4 * 1024 * 1024, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        test_sigkill(&cases[i]);
    test_live_capture();
    test_ring_elsewhere();
    test_damaged_ring();
    test_entry_checks();
    scratch_remove(dir);
    free(dir);
    TEST_DONE();
}
