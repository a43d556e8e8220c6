#!/usr/bin/env bash
# Fetches a Debian binary package of QEMU from another suite and unpacks it (dpkg -x) into a
# cache outside the repository, without installing it and without touching the system's apt
# sources, so tests can boot the guest under a second QEMU line. Prints, one per line, the
# qemu-system-x86_64 binary's path, then the arguments to run it with: the -L folders of its
# firmware and option ROMs (its own usr/share/qemu, then the system's /usr/share/seabios).
# The cache folder also holds "run", a wrapper that passes those arguments and points
# QEMU_MODULE_DIR (and LD_LIBRARY_PATH, for dependencies fetched beside it) at the unpacked
# files; --wrapper prints only its path.
#
# usage: fetch-qemu.sh [--check] [--wrapper] SUITE
#   SUITE       bookworm-backports (QEMU 10.0.x built for Debian 12)
#   --check     print the cached result and exit 0 if present; exit 3 without fetching if not
#   --wrapper   print only the wrapper's path
#
# The apt configuration is private (its own sources.list with the suite, lists and cache
# folders); apt reads the system's dpkg status only to see which dependencies Debian 12
# already satisfies: a dependency whose installed version is older than the package asks for
# is fetched from the same suite and unpacked beside it (for bookworm-backports' 10.0.2 there
# is none: Debian 12's libraries suffice). The unpacked binary is run once (-version) before
# the cache is marked complete. Environment: NVT_QEMU_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace/qemu). Exit status: 0 fetched or cached,
# 1 failure, 2 usage, 3 --check found nothing.
set -euo pipefail
cache=${NVT_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace/qemu}
die() { echo "fetch-qemu: $*" >&2; exit 1; }
log() { echo "fetch-qemu: $*" >&2; }
usage() { sed -n '2,23p' "$0" >&2; exit 2; }

check=0 wrapper=0 suite=""
while [ $# -gt 0 ]; do
  case $1 in
    --check) check=1 ;;
    --wrapper) wrapper=1 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [ -z "$suite" ] || usage; suite=$1 ;;
  esac
  shift
done
case $suite in
  bookworm-backports) line="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main" ;;
  "") usage ;;
  *) die "unknown suite $suite (known: bookworm-backports)" ;;
esac

out=$cache/pkg-$suite
report() {
  if [ "$wrapper" = 1 ]; then
    echo "$out/run"
  else
    echo "$out/root/usr/bin/qemu-system-x86_64"
    printf '%s\n' -L "$out/root/usr/share/qemu" -L /usr/share/seabios
  fi
}
if [ -f "$out/.complete" ]; then
  report
  exit 0
fi
[ "$check" = 0 ] || exit 3
command -v apt-get >/dev/null && command -v dpkg >/dev/null || die "needs apt-get and dpkg (Debian)"
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] ||
  die "no /usr/share/keyrings/debian-archive-keyring.gpg (package debian-archive-keyring)"

mkdir -p "$cache"
exec 9>"$cache/.fetch-$suite.lock"
flock 9
if [ -f "$out/.complete" ]; then
  report
  exit 0
fi
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial" "$tmp/apt/prefs.d" "$tmp/debs"
trap 'rm -rf "$tmp"' EXIT
echo "$line" >"$tmp/apt/sources.list"
# Private lists and cache; the system's dpkg status says what is installed, so apt can tell
# which dependencies Debian 12 already satisfies.
aptopts=(-o "Dir::Etc::SourceList=$tmp/apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
         -o "Dir::State::Lists=$tmp/apt/lists" -o "Dir::Cache=$tmp/apt/cache"
         -o "Dir::Etc::Preferences=$tmp/apt/preferences" -o "Dir::Etc::PreferencesParts=$tmp/apt/prefs.d"
         -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
log "apt-get update ($suite, private lists)"
timeout 600 apt-get "${aptopts[@]}" -qq update >&2 || die "apt-get update for $suite failed"
ver=$(apt-cache "${aptopts[@]}" show qemu-system-x86 2>/dev/null |
      sed -n 's/^Version: //p' | sort -V | tail -n1)
[ -n "$ver" ] || die "no qemu-system-x86 in $suite"
log "qemu-system-x86 $ver"
# The binary package and what it needs that this system's versions do not satisfy: the
# dependencies of qemu-system-x86 and qemu-system-common / qemu-system-data at that version,
# fetched when the installed version (if any) is older than the suite asks for.
pkgs=(qemu-system-x86 qemu-system-common qemu-system-data)
deps=$(apt-cache "${aptopts[@]}" show "qemu-system-x86=$ver" "qemu-system-common=$ver" |
       sed -n 's/^Depends: //p' | tr ',' '\n' | sed 's/|.*//; s/^ *//; s/ *$//' | sort -u)
while IFS= read -r dep; do
  [ -n "$dep" ] || continue
  name=${dep%% *}
  case $name in qemu-*|ipxe-qemu|seabios|"\${"*) continue ;; esac # "${misc:Depends}"-style leftovers
  want=""
  if [[ $dep =~ \(\>=\ ([^\)]*)\) ]]; then want=${BASH_REMATCH[1]}; fi
  have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)
  if [ -z "$have" ] || { [ -n "$want" ] && ! dpkg --compare-versions "$have" ge "$want"; }; then
    log "dependency $dep: installed '${have:-none}', fetching it from $suite"
    pkgs+=("$name")
  fi
done <<<"$deps"
(cd "$tmp/debs" && timeout 1200 apt-get "${aptopts[@]}" -qq download "${pkgs[@]}" >&2) ||
  die "apt-get download ${pkgs[*]} failed"
for deb in "$tmp/debs"/*.deb; do
  dpkg -x "$deb" "$tmp/root" || die "dpkg -x $deb failed"
done
bin=$tmp/root/usr/bin/qemu-system-x86_64
[ -x "$bin" ] || die "no qemu-system-x86_64 in the unpacked packages"
libs=$tmp/root/usr/lib/x86_64-linux-gnu
cat >"$tmp/run" <<RUN
#!/bin/sh
# Runs QEMU $ver from $suite, unpacked by fetch-qemu.sh.
LD_LIBRARY_PATH="$out/root/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" \\
QEMU_MODULE_DIR="$out/root/usr/lib/x86_64-linux-gnu/qemu" \\
  exec "$out/root/usr/bin/qemu-system-x86_64" -L "$out/root/usr/share/qemu" -L /usr/share/seabios "\$@"
RUN
chmod +x "$tmp/run"
# Proof that it runs here: the libraries resolve and it prints its version.
LD_LIBRARY_PATH=$libs "$bin" -version >"$tmp/version" 2>&1 ||
  { cat "$tmp/version" >&2; die "the unpacked QEMU does not run on this system"; }
rm -rf "$tmp/apt" "$tmp/debs"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
# the wrapper names $out, which exists now
touch "$out/.complete"
log "$(head -n1 "$out/version")"
report
