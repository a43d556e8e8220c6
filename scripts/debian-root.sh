#!/usr/bin/env bash
# Runs a command inside a fresh Debian root (debootstrap --variant=minbase) holding a copy of
# this repository, so the README's commands can be tried on a release the host does not run.
#
# usage: debian-root.sh [--rebuild] SUITE [-- CMD ARGS...]
#   SUITE      a Debian suite debootstrap knows (trixie, sid, bookworm, ...)
#   CMD        run inside the root, in /src/nvmetrace (a copy of the working tree, tracked and
#              untracked files, without build trees); default: an interactive bash
#   --rebuild  make the pristine root again even if the cached one is fresh
#
# The pristine root is made from Debian's packages (mirror $NVT_DEBIAN_MIRROR, default
# http://deb.debian.org/debian) and cached as $cache/roots/SUITE-minbase.tar.zst, cache being
# ${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace; it is made again when older than NVT_ROOT_MAX_DAYS
# (default 7) or when this script changes. Each run unpacks it into a new folder
# ${NVT_ROOT_TMP:-/var/tmp}/nvmetrace-root-PID and runs CMD there under chroot, inside a private
# mount and PID namespace (unshare): /proc, /sys and /dev are mounted inside the namespace only,
# so no mount is seen from outside and none outlives the run, even after a SIGKILL (the namespace
# dies with its last process; unshare --kill-child kills CMD when unshare dies). The folder is
# removed at the end, or by the next run when this one was killed.
#
# What should survive between runs is bind-mounted from $cache/roots/SUITE-cache/: root-home
# (the root's /root/.cache: QEMU builds, initramfs) and apt-archives (downloaded .debs); one
# run at a time uses them (a second waits; give it another XDG_CACHE_HOME to run alongside).
# Needs root (debootstrap, chroot, mounts). Exit status: CMD's, or 1 when the root cannot be
# made, 2 on a usage error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace
mirror=${NVT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
max_days=${NVT_ROOT_MAX_DAYS:-7}
tmpbase=${NVT_ROOT_TMP:-/var/tmp}

die() { echo "debian-root: $*" >&2; exit 1; }
log() { echo "debian-root: $*" >&2; }
usage() { sed -n '2,25p' "$0" >&2; exit 2; }

# ---- inside the namespace (the script calls itself through unshare) ----
if [ "${1:-}" = "--inside" ]; then
  shift
  tarball=$1 dir=$2 suite=$3
  shift 3
  root=$dir/root
  mkdir -p "$root"
  zstd -qdc "$tarball" | tar -C "$root" --numeric-owner -xf - || die "cannot unpack $tarball"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  # Packages installed inside must not start daemons (there is no init).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  mkdir -p "$cache/roots/$suite-cache/root-home" "$cache/roots/$suite-cache/apt-archives/partial" \
           "$root/root/.cache"
  # One run at a time per cache: two roots' apt would fight over the shared archives' lock.
  # (Held by CMD too, through the inherited descriptor; released when the namespace ends.)
  exec 8>"$cache/roots/$suite-cache/.lock"
  if ! flock -n 8; then
    log "waiting for another run using $cache/roots/$suite-cache"
    flock 8
  fi
  mount --bind "$cache/roots/$suite-cache/root-home" "$root/root/.cache"
  mount --bind "$cache/roots/$suite-cache/apt-archives" "$root/var/cache/apt/archives"
  # A throw-away root: dpkg need not fsync every file (minutes of apt time saved).
  echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/90nvmetrace-unsafe-io"
  # Keep the downloaded .debs for the next run (Debian's image deletes them after install).
  rm -f "$root/etc/apt/apt.conf.d/docker-clean"
  echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/90nvmetrace-keep"
  mkdir -p "$root/src/nvmetrace"
  # The working tree as it is (committed or not), without build trees and caches.
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
     xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
     tar --null -T - -cf -) | tar -C "$root/src/nvmetrace" -xf - || die "cannot copy $repo"
  [ $# -gt 0 ] || set -- bash
  set +e
  chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NVT_FUZZ_SECONDS="${NVT_FUZZ_SECONDS:-}" NVT_TEST_SUITES="${NVT_TEST_SUITES:-}" \
    NVT_IN_DEBIAN_ROOT="$suite" \
    /bin/sh -c 'cd /src/nvmetrace && exec "$@"' sh "$@"
  rc=$?
  set -e
  # Remove the root only once nothing is mounted in it: the cache bind mounts are on the same
  # file system, so --one-file-system alone would not keep rm out of them. Otherwise the next
  # run removes the folder, from outside this namespace, where nothing is mounted there.
  # (A busy mount, e.g. a process some other way into the namespace still using it, is
  # detached lazily: gone from the tree at once.)
  mounts=("$root/var/cache/apt/archives" "$root/root/.cache" "$root/dev" "$root/sys" "$root/proc")
  umount -R "${mounts[@]}" 2>/dev/null || umount -R -l "${mounts[@]}" 2>/dev/null || true
  if ! findmnt -rn -o TARGET | grep -qF "$root"; then
    rm -rf --one-file-system "$dir"
  else
    log "cannot unmount everything in $root: leaving it for the next run to remove"
  fi
  exit $rc
fi

rebuild=0
if [ "${1:-}" = "--rebuild" ]; then rebuild=1; shift; fi
case ${1:-} in ''|-h|--help) usage ;; esac
suite=$1
shift
case $suite in *[!a-z0-9-]*) die "bad suite name '$suite'" ;; esac
if [ $# -gt 0 ]; then
  [ "$1" = "--" ] || usage
  shift
fi
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mounts)"
for t in unshare chroot zstd tar git findmnt; do
  command -v "$t" >/dev/null || die "$t not found"
done

# A run killed before its end left its folder: remove those whose process is gone. Their mounts
# lived in the dead namespace only; --one-file-system keeps rm away from any other.
for d in "$tmpbase"/nvmetrace-root-*; do
  [ -d "$d" ] || continue
  pid=${d##*-}
  case $pid in *[!0-9]*|'') continue ;; esac
  kill -0 "$pid" 2>/dev/null && continue
  log "removing $d (left by a killed run)"
  rm -rf --one-file-system "$d"
done

mkdir -p "$cache/roots"
tarball=$cache/roots/$suite-minbase.tar.zst
stamp=$tarball.key
# Makes the pristine root of $suite into $tarball. Its text is the cache key (with the mirror):
# a changed recipe makes the root again, an edit elsewhere in this script does not.
make_root() {
  build=$tmpbase/nvmetrace-debootstrap-$suite.$$
  rm -rf "$tmpbase"/nvmetrace-debootstrap-"$suite".*
  start=$(date +%s)
  log "debootstrap --variant=minbase $suite from $mirror"
  debootstrap --variant=minbase "$suite" "$build" "$mirror" >"$cache/roots/$suite-debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/roots/$suite-debootstrap.log" >&2; rm -rf --one-file-system "$build";
      die "debootstrap $suite failed (log: $cache/roots/$suite-debootstrap.log)"; }
  # The release's updates and security suites too, as a fresh installation has them.
  if [ "$suite" != sid ] && [ "$suite" != unstable ]; then
    cat >"$build/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
EOF
  fi
  rm -rf "$build"/var/cache/apt/archives/*.deb "$build"/var/lib/apt/lists/*_Packages
  tar -C "$build" --numeric-owner -cf - . | zstd -q -T2 -3 -o "$tarball.tmp" --force
  mv "$tarball.tmp" "$tarball"
  echo "$key" >"$stamp"
  rm -rf --one-file-system "$build"
}

key="$(declare -f make_root | sha256sum | cut -c1-12) $suite $mirror"
stale() {
  [ ! -s "$tarball" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$key" ] ||
    [ -n "$(find "$tarball" -mtime +"$max_days" 2>/dev/null)" ]
}
if [ $rebuild -eq 1 ] || stale; then
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2 ||
      die "apt-get install debootstrap failed"
  fi
  [ -e "/usr/share/debootstrap/scripts/$suite" ] ||
    die "this debootstrap does not know the suite '$suite'"
  exec 9>"$cache/roots/.lock"
  flock 9
  # Another run may have made it while this one waited for the lock.
  if [ $rebuild -eq 1 ] || stale; then
    make_root
    log "made $tarball ($(du -h "$tarball" | cut -f1)) in $(( $(date +%s) - start )) s"
  fi
  exec 9>&-
fi

dir=$tmpbase/nvmetrace-root-$$
rm -rf --one-file-system "$dir"
mkdir -p "$dir"
log "running in a fresh $suite root ($dir): ${*:-bash}"
# exec: this process becomes unshare, so the folder's PID is the live unshare's while it runs.
exec unshare --mount --propagation private --pid --kill-child -- "$0" --inside "$tarball" "$dir" "$suite" "$@"
