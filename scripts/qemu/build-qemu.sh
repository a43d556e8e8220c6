#!/usr/bin/env bash
# Builds the QEMU pieces `nvmetrace replay` uses, from the Debian source of the installed
# qemu-system-x86 package, into a cache outside the repository, and prints the result's path.
# A second call with the same inputs prints the cached path at once.
#
# usage: build-qemu.sh [--check|--path] [--qemu LINE] qtest-module
#        build-qemu.sh [--check|--path] [--qemu LINE] crash NAME
#        build-qemu.sh [--check|--path] [--qemu LINE] tap
#        build-qemu.sh [--check|--path] --qemu LINE plain
#
#   --qemu LINE   the QEMU release line to build (7.2, 10.0, 10.2, 11.1), default the installed
#                 qemu-system-x86's (7.2 on Debian 12). Another line's source comes from the
#                 Debian suite that has it (10.0: trixie; 10.2: sid; 11.1: sid, forky,
#                 trixie-backports), its newest Debian revision, through the same private apt
#                 configuration. Such builds are whole binaries (plain, tap, crash), cached
#                 under their own names (plain-LINE-KEY, tap-LINE-KEY) and locked apart from
#                 the installed line's, so a 7.2 build and a 10.2 build can run side by side.
#   plain         a whole minimal qemu-system-x86_64 of LINE with no patch (qtest built in):
#                 what replay and the log importer run against for that line.
#   qtest-module  the accel-qtest module Debian deletes from its package (debian/rules removes
#                 accel-qtest-*.so), built with the installed binary's version string so the
#                 module stamp matches. Prints the folder to put in QEMU_MODULE_DIR; with it,
#                 the installed qemu-system-x86_64 accepts -machine accel=qtest and replay runs
#                 on virtual time. About a minute (it compiles a handful of files). When the
#                 installed QEMU has the accelerator already, prints nothing and exits 0.
#   crash NAME    a whole minimal qemu-system-x86_64 (x86_64-softmmu, default devices, no
#                 optional features, qtest built in) with samples/crash/NAME/*.patch applied
#                 on top of Debian's patches: a QEMU with a public NVMe fix reverted. Prints the
#                 binary's path. About 7 CPU-minutes: 4 minutes on 2 idle cores.
#   tap           the same minimal qemu-system-x86_64 with samples/qemu/nvmetap-qemu-LINE.patch
#                 (-device nvme,...,nvmetrace=FILE records the controller with the tap shim),
#                 linked with libnvmetap built from this repository, which goes beside it in
#                 lib/. Rebuilt when the patch or libnvmetap's ABI (nvmetap.h, its symbol
#                 map) changes; when only libnvmetap's sources change, the cached build gets
#                 a fresh libnvmetap in lib/ (seconds). Same time.
#   --check       print the cached path and exit 0 if it exists; exit 3 without building if
#                 not (tests use this to skip cleanly).
#   --path        print where the result goes, built or not.
#
# Environment: NVT_QEMU_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace/qemu),
# NVT_QEMU_JOBS (default 2), QEMU (the installed binary, default qemu-system-x86_64).
# Build dependencies (libfdt-dev libpixman-1-dev meson ninja-build flex bison libglib2.0-dev
# python3-venv) are installed with apt-get when missing (needs root or sudo). The source comes
# from a private apt configuration with deb-src lines (the installed release's suites): the
# system's sources.list is not touched.
# Builds run under `nice -n 10`. Exit status: 0 built or cached, 1 failure, 2 usage, 3 --check
# found nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${NVT_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace/qemu}
jobs=${NVT_QEMU_JOBS:-2}
qemu=${QEMU:-qemu-system-x86_64}

die() { echo "build-qemu: $*" >&2; exit 1; }
usage() { sed -n '2,47p' "$0" >&2; exit 2; }
log() { echo "build-qemu: $*" >&2; }

# ---- tap: the QEMU patch of samples/qemu/ and the libnvmetap it links ----
# (tap_patch is set below, once the QEMU line is known)
# What a tap QEMU binary depends on besides the recipe: the patch's diff and libnvmetap's ABI
# (its header, symbol map and pkg-config file). libnvmetap's implementation (the shim and the
# format library inside it) is not in the binary's key: the binary loads it from lib/ beside
# it, and a cached build gets a fresh libnvmetap from this tree when those sources change
# (refresh_lib, seconds) instead of a new QEMU build (minutes).
tap_inputs() {
  [ -f "$tap_patch" ] || die "no $tap_patch"
  sed -n '/^diff /,$p' "$tap_patch"
  (cd "$repo" && cat capture/include/nvmetap.h capture/nvmetap.map cmake/nvmetap.pc.in)
}
lib_key() {
  (cd "$repo" && find CMakeLists.txt capture/CMakeLists.txt capture/src/tap* format -type f |
     LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-12
}
# build_lib DIR: builds libnvmetap from this tree and installs it in DIR/nvmetap (lib/ and
# lib/pkgconfig), with the log in DIR/nvt-build.log.
build_lib() {
  local dir=$1
  command -v cmake >/dev/null || die "cmake is needed to build libnvmetap"
  log "building libnvmetap"
  { cmake -S "$repo" -B "$dir/nvt-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_INSTALL_LIBDIR=lib -DNVT_BUILD_TESTS=OFF -DNVT_BUILD_BENCH=OFF \
      -DNVT_BUILD_DISSECTOR=OFF &&
    nice -n 10 cmake --build "$dir/nvt-build" --target nvmetap -j "$jobs" &&
    cmake -DCMAKE_INSTALL_PREFIX="$dir/nvmetap" -P "$dir/nvt-build/capture/cmake_install.cmake" &&
    install -D -m 0644 "$dir/nvt-build/nvmetap.pc" "$dir/nvmetap/lib/pkgconfig/nvmetap.pc"
  } >"$dir/nvt-build.log" 2>&1 ||
    { tail -n 30 "$dir/nvt-build.log" >&2; die "libnvmetap build failed (log: $dir/nvt-build.log)"; }
}
# Applies the patch (a patch that no longer applies stops the build here), then builds
# libnvmetap and installs it where QEMU's meson finds it through pkg-config.
# The patch is for one QEMU line (its name says which: nvmetap-qemu-MAJOR.MINOR.patch, the
# QEMU table's tap_patch); on another the tap build and its tests are not possible.
tap_check_version() {
  local want have
  want=$(basename "$tap_patch" .patch)
  want=${want#nvmetap-qemu-}
  have=$(cut -d. -f1,2 "$1/VERSION")
  [ "$want" = "$have" ] ||
    die "no tap build for qemu $srcver: $(basename "$tap_patch") is for QEMU $want, the installed QEMU is $have (the tap tests skip; docs/qemu-versions.md)"
}
tap_prepare() {
  log "applying $(basename "$tap_patch")"
  patch -d "$work/src" -p1 --no-backup-if-mismatch --batch --forward <"$tap_patch" >&2 ||
    die "$tap_patch does not apply to qemu $srcver: update it (samples/qemu/README.md)"
  build_lib "$work"
  export PKG_CONFIG_PATH=$work/nvmetap/lib/pkgconfig
}
# A cached tap build whose libnvmetap is older than this tree: a fresh one replaces it (renamed
# into place, so a QEMU running with the old one keeps its mapping), under the build lock.
refresh_lib() {
  mkdir -p "$cache"
  exec 8>"$cache/.lock-lib"
  flock 8
  [ "$(cat "$out/lib/.nvmetap-key" 2>/dev/null)" != "$(lib_key)" ] || return 0
  local tmp
  tmp=$(mktemp -d "$cache/.lib-XXXXXX")
  build_lib "$tmp"
  local f
  for f in "$tmp/nvmetap/lib"/libnvmetap.so*; do
    cp -P "$f" "$out/lib/.new-$(basename "$f")"
    mv -f "$out/lib/.new-$(basename "$f")" "$out/lib/$(basename "$f")"
  done
  LD_LIBRARY_PATH=$out/lib "$product" -device nvme,help 2>&1 | grep -q 'nvmetrace=' ||
    die "the cached tap QEMU does not start with the refreshed libnvmetap"
  lib_key >"$out/lib/.nvmetap-key"
  rm -rf "$tmp"
  log "libnvmetap of $out refreshed from this tree"
}
# libnvmetap goes in lib/ beside the binary (its rpath is $ORIGIN/lib); proof that the
# binary runs with it and that its nvme device has the property.
tap_install() {
  mkdir -p "$out.tmp/lib"
  cp -P "$work/nvmetap/lib"/libnvmetap.so* "$out.tmp/lib/"
  lib_key >"$out.tmp/lib/.nvmetap-key"
  LD_LIBRARY_PATH=$out.tmp/lib "$work/build/qemu-system-x86_64" -device nvme,help 2>&1 |
    grep -q 'nvmetrace=' || die "the built QEMU has no nvmetrace property on its nvme device"
}

check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
if [ "${1:-}" = "--path" ]; then check=2; shift; fi
line=""
if [ "${1:-}" = "--qemu" ]; then [ $# -ge 2 ] || usage; line=$2; shift 2; fi
what=${1:-}
name=""
case $what in
  qtest-module|plain) [ $# -eq 1 ] || usage ;;
  crash)
    [ $# -eq 2 ] || usage
    name=$2
    case $name in *[!A-Za-z0-9_.-]*|.*) die "bad crash name '$name'" ;; esac
    [ -d "$repo/samples/crash/$name" ] || die "no samples/crash/$name"
    ls "$repo/samples/crash/$name"/*.patch >/dev/null 2>&1 || die "no patch in samples/crash/$name" ;;
  tap) [ $# -eq 1 ] || usage ;;
  -h|--help) sed -n '2,47p' "$0"; exit 0 ;;
  *) usage ;;
esac

# The installed package decides the source version and the version string the module stamp
# is computed from ("7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" -> "Debian 1:7.2+...+b3").
srcver=$(dpkg-query -W -f '${source:Version}' qemu-system-x86 2>/dev/null) ||
  die "qemu-system-x86 is not installed (apt-get install qemu-system-x86)"
banner=$("$qemu" --version 2>/dev/null | head -n1) || die "cannot run $qemu --version"
pkgversion=$(sed -n 's/^QEMU emulator version [^ ]* (\(.*\))$/\1/p' <<<"$banner")
[ -n "$pkgversion" ] || die "cannot find the package version in '$banner'"
installed_line=$(sed -n 's/^QEMU emulator version \([0-9]*\.[0-9]*\).*/\1/p' <<<"$banner")

# Another release line than the installed one: its own source, found in the Debian suites
# that carry it. "other" is empty for the installed line, whose names and cache keys stay
# what they were before lines existed.
other=""
if [ -n "$line" ] && [ "$line" != "$installed_line" ]; then
  case $line in
    10.0) suites="trixie" ;;
    10.2) suites="sid" ;;
    11.1) suites="sid forky trixie-backports" ;;
    *) die "unknown QEMU line '$line' (known: $installed_line (installed), 10.0, 10.2, 11.1)" ;;
  esac
  [ "$what" != qtest-module ] ||
    die "qtest-module is for the installed QEMU ($installed_line); a $line build has qtest built in"
  other=$line
elif [ "$what" = plain ]; then
  die "plain is for another line than the installed one: the installed $qemu is the plain $installed_line"
fi
if [ -n "$line" ]; then tap_patch=$repo/samples/qemu/nvmetap-qemu-$line.patch
else tap_patch=$repo/samples/qemu/nvmetap-qemu-$installed_line.patch; fi

# ---- another line's source: the newest Debian revision of LINE that the archive serves ----
# A private apt configuration for the line's suites (deb-src and, for meson, deb lines).
line_apt() {
  local dir=$cache/apt-$other s
  aptopts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
           -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
           -o "Dir::State::status=/dev/null" -o "APT::Sandbox::User=root")
  [ -f "$dir/.updated" ] && [ -z "$(find "$dir/.updated" -mmin +1440)" ] && return 0
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  for s in $suites trixie; do
    echo "deb-src http://deb.debian.org/debian $s main"
  done >"$dir/sources.list"
  echo "deb [arch=amd64] http://deb.debian.org/debian trixie main" >>"$dir/sources.list"
  log "apt-get update for qemu $other ($suites)"
  timeout 600 apt-get "${aptopts[@]}" -qq update >&2 || die "apt-get update (qemu $other: $suites) failed"
  touch "$dir/.updated"
}
# Sets srcver to the Debian version of LINE to build: the one already unpacked in the cache,
# or (fetch=1) the newest listed whose files the archive serves, downloaded and unpacked into
# src-VERSION. The index can list a version whose files the mirror does not (yet) hold: the
# next older revision of the same line is tried then.
line_source() {
  local fetch=$1 known=$cache/line-$other.srcver v dl tree
  if [ -f "$known" ] && [ -f "$cache/src-$(cat "$known")/.complete" ]; then srcver=$(cat "$known"); return 0; fi
  [ "$fetch" = 1 ] || return 1
  line_apt
  local listed
  listed=$(apt-cache "${aptopts[@]}" showsrc qemu 2>/dev/null | sed -n 's/^Version: //p' |
           grep -E "^1:${other//./\\.}\.[0-9]+\+" | sort -Vr -u) || true
  [ -n "$listed" ] || die "no qemu $other source in Debian $suites"
  for v in $listed; do
    dl=$cache/dl-$v
    rm -rf "$dl"; mkdir -p "$dl"
    log "fetching the source of qemu $v"
    if (cd "$dl" && timeout 1200 apt-get "${aptopts[@]}" -qq --download-only source "qemu=$v" >&2); then
      rm -rf "$cache/src-$v"; mkdir -p "$cache/src-$v"
      (cd "$cache/src-$v" && dpkg-source -x "$dl"/qemu_*.dsc >&2) || die "dpkg-source -x qemu $v failed"
      tree=$(find "$cache/src-$v" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n1)
      [ -n "$tree" ] && [ -f "$tree/VERSION" ] || die "no unpacked source tree in $cache/src-$v"
      mv "$tree" "$cache/src-$v/tree"
      rm -rf "$dl"
      touch "$cache/src-$v/.complete"
      echo "$v" >"$known"
      srcver=$v
      return 0
    fi
    rm -rf "$dl"
    log "qemu $v is listed but its files cannot be downloaded; trying an older revision"
  done
  die "no qemu $other source can be downloaded (listed: $(tr "\n" " " <<<"$listed"))"
}
# QEMU 10+ runs configure through a venv and needs meson >= the version pythondeps.toml
# accepts; Debian's +ds source drops the bundled wheels and Debian 12's meson is 1.0.1. Then
# trixie's meson package (all-architecture Python) is unpacked into the cache and put first
# on PATH/PYTHONPATH. Sets meson_note for the cache key.
line_meson() {
  local need have deb dir
  meson_note=""
  need=$(sed -n '/^\[meson\]/,/^\[/s/.*accepted = ">=\([0-9.]*\)".*/\1/p' "$srcdir/tree/pythondeps.toml" | head -n1)
  [ -n "$need" ] || return 0
  have=$(meson --version 2>/dev/null || echo 0)
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" = "$need" ]; then meson_note="meson $have"; return 0; fi
  if ls "$srcdir/tree/python/wheels"/meson-*.whl >/dev/null 2>&1; then meson_note="bundled meson"; return 0; fi
  dir=$(find "$cache" -maxdepth 1 -type d -name 'meson-*' | sort -V | tail -n1)
  if [ -z "$dir" ] || [ ! -f "$dir/.complete" ]; then
    line_apt
    deb=$cache/dl-meson
    rm -rf "$deb"; mkdir -p "$deb"
    (cd "$deb" && timeout 600 apt-get "${aptopts[@]}" -qq download meson >&2) ||
      die "qemu $other needs meson >= $need (installed: $have) and trixie's meson cannot be downloaded"
    have=$(dpkg-deb -f "$deb"/meson_*.deb Version)
    dir=$cache/meson-$have
    rm -rf "$dir"
    dpkg-deb -x "$deb"/meson_*.deb "$dir"
    rm -rf "$deb"
    touch "$dir/.complete"
  fi
  export PATH=$dir/usr/bin:$PATH
  export PYTHONPATH=$dir/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
  have=$(meson --version) || die "the meson in $dir does not run"
  log "meson $have from $dir (qemu $other needs >= $need)"
  meson_note="meson $have"
}
if [ -n "$other" ]; then
  mkdir -p "$cache"
  if [ $check -eq 0 ]; then
    exec 9>"$cache/.lock-$other"
    flock 9 # one build of this line at a time; the installed line's builds lock .lock
    line_source 1
  elif ! line_source 0; then
    [ $check -eq 1 ] && exit 3
    echo "$cache/$what${name:+-$name}-$other-(not fetched yet)"; exit 0
  fi
  pkgversion="Debian $srcver"
  srcdir=$cache/src-$srcver
  line_meson
fi

# Debian's own paths (debian/rules common_configure_opts) so the module's CONFIG_QEMU_MODDIR and
# the firmware path agree with the installed package.
common=(--prefix=/usr --sysconfdir=/etc --libdir=/usr/lib/x86_64-linux-gnu
        --libexecdir=/usr/lib/qemu --localstatedir=/var
        --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
        --target-list=x86_64-softmmu --without-default-features --enable-fdt=system
        --disable-docs --disable-werror)
# QEMU 10+ from another suite: never fetch subprojects. Debian's QEMU 8+ source (+ds) leaves
# the firmware blobs out (bios.bin, ...): do not install them (the installed package's firmware
# is used). Neither is added for 7.2, whose cache keys stay.
qemu_major=$(sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p' <<<"$banner")
[ -z "$other" ] || common+=(--disable-download)
if [ -n "$other" ] || [ "${qemu_major:-0}" -ge 8 ]; then common+=(--disable-install-blobs); fi
if [ "$what" = qtest-module ]; then
  conf=("${common[@]}" --enable-modules --with-pkgversion="$pkgversion" --enable-tcg --enable-kvm)
  targets=(accel-qtest-x86_64.so)
elif [ "$what" = tap ]; then
  # shellcheck disable=SC2016 # $ORIGIN is for the dynamic linker
  # KVM too: a traced QEMU is for running guests at their real speed as well
  conf=("${common[@]}" --with-pkgversion="$pkgversion, nvmetrace tap build" --enable-kvm
        --extra-ldflags='-Wl,-rpath,$ORIGIN/lib')
  targets=(qemu-system-x86_64)
elif [ "$what" = plain ]; then
  conf=("${common[@]}" --with-pkgversion="$pkgversion, nvmetrace plain build" --enable-kvm)
  targets=(qemu-system-x86_64)
else
  conf=("${common[@]}" --with-pkgversion="$pkgversion, nvmetrace crash build $name")
  targets=(qemu-system-x86_64)
fi

# A QEMU that already has the qtest accelerator (built in, or its module shipped: not Debian
# 12's 7.2) needs no module: say so, print nothing (QEMU_MODULE_DIR stays unset) and succeed.
if [ "$what" = qtest-module ]; then
  "$qemu" -machine q35,accel=qtest -qtest null -nodefaults -display none -S </dev/null \
    >/dev/null 2>&1 &
  probe=$!
  sleep 2
  if kill -0 "$probe" 2>/dev/null; then
    kill "$probe"
    wait "$probe" 2>/dev/null || true
    log "the installed $qemu ('$banner') has the qtest accelerator: no module needed"
    exit 0
  fi
  wait "$probe" 2>/dev/null || true
fi

# Cache key: what the result depends on (the recipe revision below, the source version, the
# configure options, the patches), so a changed recipe rebuilds and an edited comment does not.
recipe=1
key_input=$(echo "$recipe $srcver $pkgversion ${conf[*]} ${targets[*]}")
[ -z "$other" ] || key_input+=" $meson_note"
sfx=${other:+$other-} # another line's results are named plain-10.2-KEY, tap-10.2-KEY, ...
# (only the diff part of a patch: its explanation above the diff may change freely)
if [ -n "$name" ]; then key_input+=$(sed -n '/^--- /,$p' "$repo/samples/crash/$name"/*.patch); fi
if [ "$what" = tap ]; then key_input+=$(tap_inputs); fi
key=$(sha256sum <<<"$key_input" | cut -c1-12)
if [ "$what" = qtest-module ]; then
  out=$cache/qtest-module-$key
  product=$out/accel-qtest-x86_64.so
  result=$out
elif [ "$what" = tap ]; then
  out=$cache/tap-$sfx$key
  product=$out/qemu-system-x86_64
  result=$product
elif [ "$what" = plain ]; then
  out=$cache/plain-$sfx$key
  product=$out/qemu-system-x86_64
  result=$product
else
  out=$cache/crash-$name-$sfx$key
  product=$out/qemu-system-x86_64
  result=$product
fi
if [ $check -eq 2 ]; then echo "$result"; exit 0; fi
if [ -s "$product" ]; then
  if [ "$what" = tap ] && [ "$(cat "$out/lib/.nvmetap-key" 2>/dev/null)" != "$(lib_key)" ]; then
    if [ $check -eq 1 ]; then
      log "the cached tap build's libnvmetap is older than this tree: build-qemu.sh ${line:+--qemu $line }tap refreshes it"
      exit 3
    fi
    refresh_lib
  fi
  echo "$result"
  exit 0
fi
[ $check -eq 1 ] && exit 3

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
deps=(libfdt-dev libpixman-1-dev meson ninja-build flex bison libglib2.0-dev pkg-config
      python3 python3-venv dpkg-dev xz-utils)  # python3-venv: QEMU 8.1+ configures in a venv
missing=()
for p in "${deps[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
fi

mkdir -p "$cache"
if [ -z "$other" ]; then
  exec 9>"$cache/.lock"
  flock 9 # two builds at once would fight over 2 cores and the source tree
fi

# ---- source: apt-get source through a private configuration ----
srcdir=$cache/src-$srcver
if [ ! -f "$srcdir/.complete" ]; then
  rm -rf "$srcdir"
  mkdir -p "$srcdir/apt/lists/partial" "$srcdir/apt/cache/archives/partial"
  # The installed release's suites (bookworm on Debian 12, trixie on 13, ...).
  suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  [ -n "$suite" ] || die "no VERSION_CODENAME in /etc/os-release: cannot tell which Debian suite holds qemu $srcver"
  if [ "$suite" = sid ]; then
    echo "deb-src http://deb.debian.org/debian sid main" >"$srcdir/apt/sources.list"
  else
    cat >"$srcdir/apt/sources.list" <<EOF
deb-src http://deb.debian.org/debian $suite main
deb-src http://deb.debian.org/debian $suite-updates main
deb-src http://deb.debian.org/debian-security $suite-security main
EOF
  fi
  aptopts=(-o "Dir::Etc::SourceList=$srcdir/apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
           -o "Dir::State::Lists=$srcdir/apt/lists" -o "Dir::Cache=$srcdir/apt/cache"
           -o "APT::Sandbox::User=root")
  log "fetching the source of qemu $srcver"
  timeout 600 apt-get "${aptopts[@]}" -qq update >&2 || die "apt-get update (deb-src) failed"
  (cd "$srcdir" && timeout 1200 apt-get "${aptopts[@]}" -qq source "qemu=$srcver" >&2) || {
    # The archive keeps only the current version; older ones live on snapshot.debian.org.
    log "qemu $srcver not in the archive; trying snapshot.debian.org"
    (cd "$srcdir" && timeout 1200 python3 - "$srcver" <<'PY' >&2) ||
import json, sys, urllib.request
ver = sys.argv[1]
base = "https://snapshot.debian.org"
with urllib.request.urlopen(f"{base}/mr/package/qemu/{ver}/srcfiles?fileinfo=1", timeout=60) as r:
    info = json.load(r)
for h, entries in info["fileinfo"].items():
    name = entries[0]["name"]
    print("snapshot:", name)
    urllib.request.urlretrieve(f"{base}/file/{h}", name)
PY
      die "cannot fetch qemu $srcver source (need deb.debian.org or snapshot.debian.org)"
    (cd "$srcdir" && dpkg-source -x qemu_*.dsc >&2) || die "dpkg-source -x failed"
  }
  tree=$(find "$srcdir" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n1)
  [ -n "$tree" ] && [ -f "$tree/VERSION" ] || die "no unpacked source tree in $srcdir"
  mv "$tree" "$srcdir/tree"
  rm -rf "$srcdir/apt" "$srcdir"/*.tar.* "$srcdir"/*.dsc
  touch "$srcdir/.complete"
fi
log "source: qemu $srcver ($(cat "$srcdir/tree/VERSION")), version string '$pkgversion'"

if [ "$what" = tap ]; then tap_check_version "$srcdir/tree"; fi
work=$cache/work-$what${name:+-$name}${other:+-$other}
rm -rf "$work"
mkdir -p "$work"
cp -a "$srcdir/tree" "$work/src"
if [ -n "$name" ]; then
  for p in "$repo/samples/crash/$name"/*.patch; do
    log "applying $(basename "$p")"
    patch -d "$work/src" -p1 --no-backup-if-mismatch <"$p" >&2 || die "patch $p does not apply"
  done
fi
if [ "$what" = tap ]; then tap_prepare; fi

start=$(date +%s)
mkdir -p "$work/build"
log "configure: ${conf[*]}"
(cd "$work/build" && nice -n 10 ../src/configure "${conf[@]}" >configure.log 2>&1) ||
  { tail -n 30 "$work/build/configure.log" >&2; die "configure failed (log: $work/build/configure.log)"; }
log "ninja -j$jobs ${targets[*]}"
(cd "$work/build" && nice -n 10 ninja -j"$jobs" "${targets[@]}" >ninja.log 2>&1) ||
  { tail -n 30 "$work/build/ninja.log" >&2; die "build failed (log: $work/build/ninja.log)"; }

# starts_up MESSAGE CMD...: CMD (a QEMU) must still be up 2 s after starting with the qtest
# accelerator and no guest; otherwise stop with MESSAGE and its stderr.
starts_up() {
  local msg=$1 pid
  shift
  "$@" -machine q35,accel=qtest -qtest null -nodefaults -display none -S \
    </dev/null >/dev/null 2>"$work/check.log" &
  pid=$!
  sleep 2
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" || true
    cat "$work/check.log" >&2
    die "$msg"
  fi
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

rm -rf "$out"
mkdir -p "$out.tmp"
if [ "$what" = qtest-module ]; then
  cp "$work/build/accel-qtest-x86_64.so" "$out.tmp/"
  # Proof the stamp matches: the installed binary must accept the accelerator.
  starts_up "the installed $qemu refuses the rebuilt module" env QEMU_MODULE_DIR="$out.tmp" "$qemu"
else
  if [ "$what" = tap ]; then tap_install; fi
  cp "$work/build/qemu-system-x86_64" "$out.tmp/"
  # QEMU finds firmware (bios-256k.bin, ...) relative to its own folder when that holds a
  # qemu-bundle tree: point it at the installed Debian firmware instead of installing.
  mkdir -p "$out.tmp/qemu-bundle/usr/share" "$out.tmp/qemu-bundle/usr/lib/ipxe"
  ln -s /usr/share/qemu "$out.tmp/qemu-bundle/usr/share/qemu"
  ln -s /usr/share/seabios "$out.tmp/qemu-bundle/usr/share/seabios"
  ln -s /usr/lib/ipxe/qemu "$out.tmp/qemu-bundle/usr/lib/ipxe/qemu"
  starts_up "the built QEMU does not start" "$out.tmp/qemu-system-x86_64"
fi
echo "qemu $srcver '$pkgversion' ${name:+crash $name }${meson_note:+($meson_note) }built $(date -u +%FT%TZ) in $(( $(date +%s) - start )) s" \
  >"$out.tmp/BUILDINFO"
mv "$out.tmp" "$out"
rm -rf "$work"
log "done in $(( $(date +%s) - start )) s: $result"
echo "$result"
