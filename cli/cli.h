/* nvmetrace CLI: one command, subcommands in cmd_*.c. Only this folder prints to stdout. */
#ifndef NVMETRACE_CLI_H
#define NVMETRACE_CLI_H

#include <stdint.h>
#include <stdio.h>

/* Exit codes shared by every subcommand (docs/cli.md). */
#define EXIT_OK 0
#define EXIT_FAIL 1   /* bad input file, I/O error, failed check */
#define EXIT_USAGE 2  /* bad command line */

struct nvt_command {
    const char *name;
    const char *summary;                 /* one line for `nvmetrace help` */
    int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name */
    const char *help;                    /* man-page style text for --help */
};

/* Each subcommand file defines one of these. */
extern const struct nvt_command cmd_info, cmd_dump, cmd_convert;
/* one extern line per further subcommand below */
extern const struct nvt_command cmd_recover;
extern const struct nvt_command cmd_import;
extern const struct nvt_command cmd_capture;
extern const struct nvt_command cmd_index;
extern const struct nvt_command cmd_lint;
extern const struct nvt_command cmd_stats;
extern const struct nvt_command cmd_diff;
extern const struct nvt_command cmd_report;

extern const struct nvt_command cmd_replay;
extern const struct nvt_command cmd_minimize;
extern const struct nvt_command cmd_export;
extern const struct nvt_command cmd_qemu_versions;
/* `nvmetrace import qtest` (cli/cmd_export.c): argv[0] "import", argv[1] "qtest". */
int cli_import_qtest(int argc, char **argv);
/* `nvmetrace import linux-trace` (cli/cmd_linux.c): argv[1] "linux-trace". */
int cli_import_linux(int argc, char **argv);
extern const struct nvt_command cmd_guest_record;
/* Helpers shared by subcommands (cli/util.c). */
/* Prints cmd's help to stdout. */
void cli_print_help(const struct nvt_command *cmd);
/* 1 if argv has -h/--help before any "--". */
int cli_wants_help(int argc, char **argv);
/* Prints "nvmetrace NAME: msg" to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses a time "SEC[.FRAC]" (absolute, ns since epoch) or "+SEC[.FRAC]" (relative to the
 * first event): returns 0 and sets *ns / *relative, or -1. */
int cli_parse_time(const char *s, uint64_t *ns, int *relative);
/* Writes s as a JSON string literal (quotes and escapes) to f. */
void cli_json_str(FILE *f, const char *s);
/* Parses an unsigned integer (decimal or 0x hex); returns 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *out);

#endif
