/* Crash signatures: what identifies "the same crash" across runs (minimize keeps a trace only
 * while the signature stays the same). */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "replay_internal.h"

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGTRAP: return "SIGTRAP";
    case SIGSYS: return "SIGSYS";
    default: return NULL;
    }
}

/* Copies one line of text (up to newline) into out, replacing hex addresses by "0x?" so that
 * address-space layout randomization does not change the signature. */
static void copy_normalized(const char *line, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < outlen;) {
        if (line[i] == '0' && i + 1 < len && line[i + 1] == 'x' && i + 2 < len &&
            isxdigit((unsigned char)line[i + 2])) {
            memcpy(out + o, "0x?", 3);
            o += 3;
            i += 2;
            while (i < len && isxdigit((unsigned char)line[i]))
                i++;
            continue;
        }
        out[o++] = line[i] == '\t' ? ' ' : line[i];
        i++;
    }
    while (o && (out[o - 1] == ' ' || out[o - 1] == '\r'))
        o--;
    out[o] = 0;
}

/* The line of text that names the failure: a sanitizer summary, an assertion, a QEMU
 * "hardware error", in that order of preference; the last one of its kind wins. */
static int find_line(const char *text, const char *const *needles, const char **line,
                     size_t *len)
{
    int found = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        for (const char *const *n = needles; *n; n++) {
            const char *hit = memmem(p, l, *n, strlen(*n));
            if (hit) {
                *line = p;
                *len = l;
                found = 1;
                break;
            }
        }
        p += l + (nl ? 1 : 0);
    }
    return found;
}

void nvt_crash_signature(int exit_status, int term_signal, int hung, const char *stderr_text,
                         char *out, size_t outlen)
{
    char prefix[32];
    if (hung)
        snprintf(prefix, sizeof prefix, "hang");
    else if (term_signal) {
        const char *n = signal_name(term_signal);
        if (n)
            snprintf(prefix, sizeof prefix, "%s", n);
        else
            snprintf(prefix, sizeof prefix, "signal %d", term_signal);
    } else
        snprintf(prefix, sizeof prefix, "exit %d", exit_status);

    const char *text = stderr_text ? stderr_text : "";
    static const char *const sanitizers[] = {"SUMMARY: AddressSanitizer:",
                                             "SUMMARY: UndefinedBehaviorSanitizer:",
                                             "SUMMARY: MemorySanitizer:",
                                             "SUMMARY: ThreadSanitizer:", NULL};
    static const char *const ubsan[] = {": runtime error: ", NULL};
    static const char *const asserts[] = {"Assertion `", "assertion failed", "ERROR:",
                                          "hardware error", "Aborted", NULL};
    const char *line = NULL;
    size_t len = 0;
    char detail[200] = "";
    if (find_line(text, sanitizers, &line, &len)) {
        line += strlen("SUMMARY: ");
        len -= strlen("SUMMARY: ");
    } else if (!find_line(text, ubsan, &line, &len) && !find_line(text, asserts, &line, &len) &&
               exit_status > 0 && !term_signal && !hung) {
        /* A QEMU that exits with an error says why on its last line. */
        const char *p = text + strlen(text);
        while (p > text && (p[-1] == '\n' || p[-1] == ' '))
            p--;
        const char *end = p;
        while (p > text && p[-1] != '\n')
            p--;
        if (end > p) {
            line = p;
            len = (size_t)(end - p);
        }
    }
    if (line)
        copy_normalized(line, len, detail, sizeof detail);
    if (detail[0])
        snprintf(out, outlen, "%s: %s", prefix, detail);
    else
        snprintf(out, outlen, "%s", prefix);
}

void rp_strip_pids(const char *text, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = text; *p && o + 8 < outlen;) {
        /* ASan: "==12345==ERROR: ..." */
        if (p[0] == '=' && p[1] == '=' && isdigit((unsigned char)p[2])) {
            const char *q = p + 2;
            while (isdigit((unsigned char)*q))
                q++;
            if (q[0] == '=' && q[1] == '=') {
                memcpy(out + o, "==PID==", 7);
                o += 7;
                p = q + 2;
                continue;
            }
        }
        /* "pid 12345", "from pid 12345" */
        if (!strncmp(p, "pid ", 4) && isdigit((unsigned char)p[4])) {
            memcpy(out + o, "pid N", 5);
            o += 5;
            p += 4;
            while (isdigit((unsigned char)*p))
                p++;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = 0;
}
