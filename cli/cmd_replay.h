/* Helpers shared by the replay, minimize and export subcommands (defined in cmd_replay.c). */
#ifndef NVMETRACE_CMD_REPLAY_H
#define NVMETRACE_CMD_REPLAY_H

#include <stdio.h>

#include "nvmetrace/replay.h"

/* The target options every replaying command takes. */
struct cli_target {
    const char *qemu, *args, *add, *module_dir;
    const char *lib, *lib_args; /* --target lib:PATH, --target-args */
    int replace, accel, copy_disks, no_fork;
    int qemu_only;              /* a QEMU-only option was given (named in qemu_opt) */
    const char *qemu_opt;
    unsigned timeout_ms, settle_ms;
    char **words;
};

/* 1: argv[*i] was a target option (its value consumed); 0: not one; -1: usage error printed. */
int cli_target_option(const char *cmdname, int argc, char **argv, int *i, struct cli_target *t);
/* Fills o's target fields; -1 on a usage error (printed). */
int cli_target_apply(const char *cmdname, struct cli_target *t, nvt_replay_opts *o);
void cli_target_free(struct cli_target *t);
/* The accel-qtest module folder for the QEMU binary qemu (NULL: qemu-system-x86_64): given,
 * $NVT_QEMU_MODULE_DIR, or the newest one in the cache scripts/qemu/build-qemu.sh fills that
 * was built for this binary's version string (`qemu --version`); NULL if none. A given module
 * whose BUILDINFO names another version is refused: *mismatch = 1, message printed, NULL. */
const char *cli_module_dir(const char *given, const char *qemu, int *mismatch);
/* Splits a string of arguments (quotes honoured) into a NULL-terminated array. */
int cli_split_args(const char *s, char ***out);
void cli_print_crash_text(FILE *f, const nvt_replay_result *r);
void cli_print_crash_json(FILE *f, const nvt_replay_result *r);

#endif
