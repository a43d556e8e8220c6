/*
 * A stand-in for qemu-system-x86_64 that misbehaves on purpose, so the replay's handling of a
 * dying or silent target is tested without a broken QEMU build. It answers `--version`, and
 * otherwise connects to the "-qtest unix:PATH" socket like QEMU does and answers commands with
 * a minimal PCI function at every address (vendor 1b36:0010, a 16 KiB 64-bit BAR0, no
 * capabilities; everything else reads 0) until the command named in $NVT_FAKE_QEMU comes:
 *   segv:PREFIX    dies with SIGSEGV on the first command starting with PREFIX
 *   abort:PREFIX   prints a glib-style assertion to stderr and aborts there
 *   exit:PREFIX    prints an error to stderr and exits with status 1 there
 *   hang:PREFIX    stops answering there (the replay must declare a hang)
 *   noconnect      never connects (the replay must give up starting it)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static unsigned long cf8;
static int sizing[6];

static unsigned long config_read(void)
{
    unsigned off = cf8 & 0xfc;
    if (off == 0x00)
        return 0x00101b36;
    if (off == 0x10)
        return sizing[0] ? 0xffffc004 : 0;
    if (off == 0x14)
        return sizing[1] ? 0xffffffff : 0;
    return 0;
}

static void answer(int s, const char *cmd)
{
    char out[64];
    unsigned long a, v;
    if (sscanf(cmd, "outl 0xcf8 %li", &a) == 1)
        cf8 = a;
    if (sscanf(cmd, "outl 0xcfc %li", &v) == 1 && (cf8 & 0xfc) >= 0x10 && (cf8 & 0xfc) < 0x28)
        sizing[((cf8 & 0xfc) - 0x10) / 4] = v == 0xffffffff;
    if (!strncmp(cmd, "in", 2))
        snprintf(out, sizeof out, "OK 0x%lx\n", config_read());
    else if (!strncmp(cmd, "read ", 5))
        snprintf(out, sizeof out, "OK 0x00\n");
    else if (!strncmp(cmd, "read", 4))
        snprintf(out, sizeof out, "OK 0x0\n");
    else
        snprintf(out, sizeof out, "OK\n");
    if (write(s, out, strlen(out)) < 0)
        exit(1);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--version")) {
            printf("QEMU emulator version 0.0.0 (nvmetrace test stand-in)\n");
            return 0;
        }
    const char *mode = getenv("NVT_FAKE_QEMU");
    if (!mode)
        mode = "hang:";
    const char *path = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "-qtest") && !strncmp(argv[i + 1], "unix:", 5))
            path = argv[i + 1] + 5;
    if (!path) {
        fprintf(stderr, "fake qemu: no -qtest unix:PATH\n");
        return 1;
    }
    if (!strcmp(mode, "noconnect")) {
        sleep(3600);
        return 0;
    }
    const char *colon = strchr(mode, ':');
    const char *prefix = colon ? colon + 1 : "";
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("fake qemu: connect");
        return 1;
    }
    static char buf[1 << 20];
    size_t len = 0;
    int hung = 0;
    for (;;) {
        ssize_t r = read(s, buf + len, sizeof buf - 1 - len);
        if (r <= 0)
            return 0;
        len += (size_t)r;
        char *start = buf, *nl;
        while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
            *nl = 0;
            if (!hung && !strncmp(start, prefix, strlen(prefix))) {
                if (!strncmp(mode, "segv:", 5)) {
                    signal(SIGSEGV, SIG_DFL);
                    raise(SIGSEGV);
                } else if (!strncmp(mode, "abort:", 6)) {
                    fprintf(stderr, "**\nERROR:../hw/nvme/ctrl.c:1234:nvme_fake: assertion "
                                    "failed: (sq->head != 0x7f3a)\n");
                    abort();
                } else if (!strncmp(mode, "exit:", 5)) {
                    fprintf(stderr, "qemu-system-x86_64: fake failure at '%s'\n", start);
                    return 1;
                }
                hung = 1;
            }
            if (!hung)
                answer(s, start);
            start = nl + 1;
        }
        len -= (size_t)(start - buf);
        memmove(buf, start, len);
    }
}
