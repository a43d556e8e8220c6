/* Whole-file import: read a QEMU log in chunks and stream it through the importer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nvmetrace/import.h"

int nvt_qemu_import_file(const char *path, const nvt_qemu_import_opts *opts, nvt_writer *w,
                         nvt_qemu_import_stats *stats, nvt_error *err)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err->code = NVT_E_IO;
        err->offset = UINT64_MAX;
        snprintf(err->msg, sizeof err->msg, "%s: %s", path, strerror(errno));
        return -1;
    }
    nvt_qemu_import_opts o = {0};
    if (opts)
        o = *opts;
    if (!o.name)
        o.name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    nvt_import_sink sink;
    nvt_import_sink_writer(&sink, w);
    nvt_qemu_importer *imp = nvt_qemu_import_new(&o, &sink, err);
    if (!imp) {
        if (fd != STDIN_FILENO)
            close(fd);
        return -1;
    }
    static const size_t bufsize = 1 << 16;
    char buf[1 << 16];
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, bufsize);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err->code = NVT_E_IO;
            err->offset = UINT64_MAX;
            snprintf(err->msg, sizeof err->msg, "%s: read: %s", o.name, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        if (nvt_qemu_import_feed(imp, buf, (size_t)n, err) < 0) {
            rc = -1;
            break;
        }
    }
    /* Even after an error, finish writes out what was imported so far; the first error is
     * the one reported. */
    nvt_error ferr;
    if (nvt_qemu_import_finish(imp, rc < 0 ? &ferr : err) < 0 && rc == 0)
        rc = -1;
    if (stats)
        *stats = *nvt_qemu_import_get_stats(imp);
    nvt_qemu_import_free(imp);
    if (fd != STDIN_FILENO)
        close(fd);
    return rc;
}
