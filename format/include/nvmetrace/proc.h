/* Child processes and temporary files that cannot outlive the process that made them.
 *
 * Internal to nvmetrace's libraries (capture/ and replay/ spawn QEMU and keep FIFOs, sockets
 * and disk copies): not part of the installed API. Nothing here prints. */
#ifndef NVMETRACE_PROC_H
#define NVMETRACE_PROC_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* fork() whose child gets SIGKILL when the calling thread's process dies, even by SIGKILL
 * (PR_SET_PDEATHSIG, with getppid() re-checked after it: a parent that died between fork and
 * prctl is noticed and the child exits 127). With own_group the child leads its own process
 * group, so nvt_child_kill() takes whatever it started too. In the child, the signals the CLI
 * handles or ignores (INT, TERM, HUP, QUIT, PIPE) are back to their defaults and none is
 * blocked. Returns what fork() returns (-1 with errno). */
pid_t nvt_child_fork(int own_group);

/* How nvt_child_spawn() sets up the child's standard streams: a descriptor to dup2 there,
 * NVT_CHILD_NULL for /dev/null or NVT_CHILD_INHERIT for the caller's own. */
#define NVT_CHILD_NULL (-1)
#define NVT_CHILD_INHERIT (-2)

typedef struct nvt_child_opts {
    int stdin_fd, stdout_fd, stderr_fd;
    int own_group;                    /* as for nvt_child_fork() */
    const char *env_name, *env_value; /* one variable set in the child, or NULL */
} nvt_child_opts;

/* Runs argv (PATH searched) in a child made by nvt_child_fork(). Returns its pid once exec
 * succeeded; -1 with errno when fork failed or exec did (the child is reaped then, and errno is
 * exec's: ENOENT for a missing program). */
pid_t nvt_child_spawn(char *const argv[], const nvt_child_opts *o);

/* Sends sig to the child (to its whole process group when it has one). */
void nvt_child_kill(pid_t pid, int own_group, int sig);

/* Temporary files live in one private per-user folder: $XDG_RUNTIME_DIR/nvmetrace when that
 * is set, else ${TMPDIR:-/tmp}/nvmetrace-UID (mode 0700, refused when someone else owns it).
 * Each entry is named KIND-PID-XXXXXX after the process that made it, and every call below
 * first removes the entries whose process no longer exists: what a SIGKILL strands, the next
 * run takes away.
 *
 * nvt_run_mkdtemp creates a folder there and writes its path to path (0, or -1 with errno:
 * ENAMETOOLONG when it does not fit pathlen). nvt_run_mkstemp creates a file (O_CLOEXEC) and
 * returns its descriptor (or -1 with errno). */
int nvt_run_mkdtemp(const char *kind, char *path, size_t pathlen);
int nvt_run_mkstemp(const char *kind, char *path, size_t pathlen);

/* Removes a folder made by nvt_run_mkdtemp and the files in it (not sub-folders). */
void nvt_run_rmdir(const char *path);

#ifdef __cplusplus
}
#endif

#endif
