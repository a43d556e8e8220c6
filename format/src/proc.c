/* Children that die with their parent; temporary files the next run removes when a SIGKILL
 * stranded them. See nvmetrace/proc.h. */
#define _GNU_SOURCE /* pipe2 */
#include "nvmetrace/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t nvt_child_fork(int own_group)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid > 0 && own_group)
        setpgid(pid, pid); /* here too, so a kill of the group right after fork finds it */
    if (pid != 0)
        return pid;
    /* The parent may have died before prctl: then getppid() is no longer it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(127);
    if (own_group)
        setpgid(0, 0);
    static const int reset[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
    for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++)
        signal(reset[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    return 0;
}

pid_t nvt_child_spawn(char *const argv[], const nvt_child_opts *o)
{
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = nvt_child_fork(o->own_group);
    if (pid == 0) {
        const int want[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
        int moved[3];
        /* Move every source above 2 first, so one stream's source is never another's target. */
        for (int i = 0; i < 3; i++) {
            int src = want[i];
            if (src == NVT_CHILD_NULL)
                src = open("/dev/null", O_RDWR | O_CLOEXEC);
            moved[i] = src == NVT_CHILD_INHERIT ? -1 : fcntl(src, F_DUPFD_CLOEXEC, 3);
        }
        for (int i = 0; i < 3; i++)
            if (moved[i] >= 0)
                dup2(moved[i], i);
        if (o->env_name)
            setenv(o->env_name, o->env_value, 1);
        execvp(argv[0], argv);
        int e = errno;
        if (write(ep[1], &e, sizeof e) < 0)
            _exit(127);
        _exit(127);
    }
    int fork_errno = errno;
    close(ep[1]);
    if (pid < 0) {
        close(ep[0]);
        errno = fork_errno;
        return -1;
    }
    int exec_errno = 0;
    ssize_t k;
    while ((k = read(ep[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
        ;
    close(ep[0]);
    if (k == (ssize_t)sizeof exec_errno) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        errno = exec_errno;
        return -1;
    }
    return pid;
}

void nvt_child_kill(pid_t pid, int own_group, int sig)
{
    if (pid <= 0)
        return;
    /* The group may not exist yet (the child has not run setpgid): then the child itself. */
    if (!own_group || kill(-pid, sig) < 0)
        kill(pid, sig);
}

/* ---- the per-user run folder ---- */

/* The folder, created when missing; -1 with errno when it cannot be ours alone. */
static int run_base(char *out, size_t outlen)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n;
    if (xdg && xdg[0] == '/') {
        n = snprintf(out, outlen, "%s/nvmetrace", xdg);
    } else {
        const char *tmp = getenv("TMPDIR");
        n = snprintf(out, outlen, "%s/nvmetrace-%u", tmp && tmp[0] == '/' ? tmp : "/tmp",
                     (unsigned)geteuid());
    }
    if (n < 0 || (size_t)n >= outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (mkdir(out, 0700) < 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (lstat(out, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
        errno = EPERM; /* a symlink, a file, or someone else's folder in a shared /tmp */
        return -1;
    }
    if ((st.st_mode & 077) && chmod(out, 0700) < 0)
        return -1;
    return 0;
}

/* The owner pid in "KIND-PID-XXXXXX", or 0 when the name is not one of ours. */
static pid_t entry_owner(const char *name)
{
    const char *dash = strchr(name, '-');
    if (!dash || dash == name || dash[1] < '1' || dash[1] > '9')
        return 0;
    char *end;
    long pid = strtol(dash + 1, &end, 10);
    if (*end != '-' || pid <= 0 || pid > 0x7fffffffL)
        return 0;
    return (pid_t)pid;
}

static void remove_entry(int basefd, const char *name)
{
    if (unlinkat(basefd, name, 0) == 0 || errno != EISDIR)
        return;
    int fd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                    unlinkat(fd, de->d_name, 0);
            closedir(d);
        } else {
            close(fd);
        }
    }
    unlinkat(basefd, name, AT_REMOVEDIR);
}

/* Removes the entries whose owner process is gone. */
static void sweep(const char *base)
{
    DIR *d = opendir(base);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        pid_t owner = entry_owner(de->d_name);
        if (owner > 0 && owner != getpid() && kill(owner, 0) < 0 && errno == ESRCH)
            remove_entry(dirfd(d), de->d_name);
    }
    closedir(d);
}

static int run_template(const char *kind, char *path, size_t pathlen)
{
    if (run_base(path, pathlen) < 0)
        return -1;
    sweep(path);
    size_t n = strlen(path);
    int k = snprintf(path + n, pathlen - n, "/%s-%ld-XXXXXX", kind, (long)getpid());
    if (k < 0 || (size_t)k >= pathlen - n) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int nvt_run_mkdtemp(const char *kind, char *path, size_t pathlen)
{
    if (run_template(kind, path, pathlen) < 0 || !mkdtemp(path))
        return -1;
    return 0;
}

int nvt_run_mkstemp(const char *kind, char *path, size_t pathlen)
{
    if (run_template(kind, path, pathlen) < 0)
        return -1;
    return mkostemp(path, O_CLOEXEC);
}

void nvt_run_rmdir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return;
    char base[4096];
    size_t n = (size_t)(slash - path);
    if (n == 0 || n >= sizeof base)
        return;
    memcpy(base, path, n);
    base[n] = '\0';
    int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    remove_entry(fd, slash + 1);
    close(fd);
}
