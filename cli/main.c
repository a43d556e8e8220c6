/* nvmetrace: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nvmetrace/format.h"

static const struct nvt_command *const commands[] = {
    &cmd_info,
    &cmd_dump,
    &cmd_convert,
    &cmd_recover,
    &cmd_import,
    &cmd_capture,
    &cmd_index,
    &cmd_lint,
    &cmd_stats,
    &cmd_diff,
    &cmd_report,
    &cmd_replay,
    &cmd_export,
    &cmd_minimize,
    &cmd_qemu_versions,
    &cmd_guest_record,
    /* helpers add their subcommands here, one line each */
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_overview(FILE *out)
{
    fprintf(out,
            "usage: nvmetrace <command> [options] [args]\n"
            "       nvmetrace <command> --help\n"
            "       nvmetrace --version\n\n"
            "Record, decode, analyze and replay the traffic between a guest and an emulated\n"
            "NVMe controller. Traces are pcapng files (optionally zstd-compressed, .pcapng.zst).\n\n"
            "commands:\n");
    fprintf(out, "  %-13s %s\n", "help", "list commands, or show one command's manual");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-13s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\nExit status: 0 success, 1 failure (bad input, I/O error, failed check),\n"
                 "2 usage error. Subcommands may define more; see their --help.\n");
}

static const struct nvt_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

/* A trace read twice in one command (or two traces with the same name) warns once. */
static void print_warning(void *ctx, const char *msg)
{
    static char seen[8][512];
    static unsigned nseen;
    for (unsigned i = 0; i < nseen && i < 8; i++)
        if (strcmp(seen[i], msg) == 0)
            return;
    snprintf(seen[nseen++ % 8], sizeof seen[0], "%s", msg);
    fprintf(stderr, "nvmetrace %s: warning: %s\n", (const char *)ctx, msg);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("nvmetrace %s (record schema v%d)\n", NVT_VERSION_STRING, NVT_SCHEMA_VERSION);
        return EXIT_OK;
    }
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        if (argc >= 3) {
            const struct nvt_command *c = find_command(argv[2]);
            if (!c) {
                fprintf(stderr, "nvmetrace: unknown command '%s' (see 'nvmetrace help')\n", argv[2]);
                return EXIT_USAGE;
            }
            cli_print_help(c);
            return EXIT_OK;
        }
        print_overview(stdout);
        return EXIT_OK;
    }
    const struct nvt_command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "nvmetrace: unknown command '%s' (see 'nvmetrace help')\n", name);
        return EXIT_USAGE;
    }
    if (cli_wants_help(argc - 1, argv + 1)) {
        cli_print_help(c);
        return EXIT_OK;
    }
    nvt_set_warning_handler(print_warning, (void *)c->name);
    return c->run(argc - 1, argv + 1);
}
