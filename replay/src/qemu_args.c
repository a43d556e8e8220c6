/* Command-line words: building QEMU's argv, reading the one a trace was made with. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_internal.h"

int rp_args_add(rp_args *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        char **v = realloc(a->v, cap * sizeof *v);
        if (!v)
            return -1;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n] = strdup(s);
    if (!a->v[a->n])
        return -1;
    a->n++;
    a->v[a->n] = NULL; /* always usable as an argv */
    return 0;
}

int rp_args_addf(rp_args *a, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return rp_args_add(a, buf);
}

void rp_args_free(rp_args *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

int rp_split_words(const char *s, rp_args *out)
{
    size_t cap = strlen(s) + 1;
    char *w = malloc(cap);
    if (!w)
        return -1;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        size_t n = 0;
        char quote = 0;
        for (; *p; p++) {
            if (quote) {
                if (*p == quote)
                    quote = 0;
                else if (*p == '\\' && quote == '"' && p[1])
                    w[n++] = *++p;
                else
                    w[n++] = *p;
                continue;
            }
            if (*p == '\'' || *p == '"') {
                quote = *p;
                continue;
            }
            if (*p == '\\' && p[1] == '\n') { /* line continuation */
                p++;
                continue;
            }
            if (*p == '\\' && p[1]) {
                w[n++] = *++p;
                continue;
            }
            if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                break;
            w[n++] = *p;
        }
        w[n] = 0;
        if (rp_args_add(out, w) < 0) {
            free(w);
            return -1;
        }
    }
    free(w);
    return 0;
}

int rp_comment_qemu_args(const char *comment, rp_args *out, int *from_import)
{
    *from_import = 0;
    if (!comment)
        return -1;
    const char *dd = strstr(comment, " -- ");
    if (!dd)
        return -1;
    rp_args words = {0};
    if (rp_split_words(dd + 4, &words) < 0)
        return -1;
    /* The trace reader keeps 255 bytes of a comment: a comment that long may end in the middle
     * of a word, which would be a different (wrong) option. Drop that word. */
    if (strlen(comment) == 255 && words.n > 1) {
        free(words.v[words.n - 1]);
        words.v[--words.n] = NULL;
        /* ... and an option left without its value would take the next argument as its own. */
        if (words.n > 1 && words.v[words.n - 1][0] == '-') {
            free(words.v[words.n - 1]);
            words.v[--words.n] = NULL;
        }
    }
    int rc = -1;
    /* The first word is the binary: "qemu-system-x86_64" or a path ending in it. */
    if (words.n && strstr(words.v[0], "qemu-system")) {
        for (size_t i = 1; i < words.n; i++)
            if (rp_args_add(out, words.v[i]) < 0)
                goto done;
        *from_import = strstr(comment, "import qtest") != NULL;
        rc = 0;
    }
done:
    rp_args_free(&words);
    return rc;
}

void rp_quote_word(const char *word, char *out, size_t outlen)
{
    int plain = *word != 0;
    for (const char *p = word; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                    "-_=,.:/+@%", *p))
            plain = 0;
    if (plain) {
        snprintf(out, outlen, "%s", word);
        return;
    }
    size_t o = 0;
    if (o + 1 < outlen)
        out[o++] = '\'';
    for (const char *p = word; *p && o + 6 < outlen; p++) {
        if (*p == '\'') {
            memcpy(out + o, "'\\''", 4);
            o += 4;
        } else {
            out[o++] = *p;
        }
    }
    if (o + 1 < outlen)
        out[o++] = '\'';
    out[o] = 0;
}
