/* Helpers shared by the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_print_help(const struct nvt_command *cmd)
{
    fputs(cmd->help, stdout);
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

int cli_usage_error(const char *name, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "nvmetrace %s: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'nvmetrace %s --help')\n", name);
    return EXIT_USAGE;
}

/* One JSON string writer for every --json output. */
void cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

int cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_time(const char *s, uint64_t *ns, int *relative)
{
    *relative = 0;
    if (*s == '+') {
        *relative = 1;
        s++;
    }
    if (!*s)
        return -1;
    uint64_t sec = 0, frac = 0;
    const char *p = s;
    int digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (sec > (UINT64_MAX / 1000000000u - 9) / 10)
            return -1;
        sec = sec * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++, digits++)
            if (n < 9)
                frac = frac * 10 + (uint64_t)(*p - '0');
        for (; n < 9; n++)
            frac *= 10;
    }
    if (*p || !digits)
        return -1;
    *ns = sec * 1000000000u + frac;
    return 0;
}
