/* Minimal assertion helpers for the C test programs: each test program exits non-zero if any
 * check failed, and prints "N passed, N failed" as its last line. */
#ifndef NVT_TEST_H
#define NVT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int nvt_test_pass, nvt_test_fail;

#define CHECK(cond) do { \
    if (cond) nvt_test_pass++; \
    else { nvt_test_fail++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_EQ_U64(a, b) do { \
    uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
    if (a_ == b_) nvt_test_pass++; \
    else { nvt_test_fail++; fprintf(stderr, "%s:%d: %s == %s failed: 0x%" PRIx64 " != 0x%" PRIx64 "\n", \
                                    __FILE__, __LINE__, #a, #b, a_, b_); } \
} while (0)

#define CHECK_STR(a, b) do { \
    const char *a_ = (a), *b_ = (b); \
    if (a_ && b_ && strcmp(a_, b_) == 0) nvt_test_pass++; \
    else { nvt_test_fail++; fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", \
                                    __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } \
} while (0)

#define TEST_DONE() do { \
    printf("%d passed, %d failed\n", nvt_test_pass, nvt_test_fail); \
    return nvt_test_fail ? 1 : 0; \
} while (0)

#endif
