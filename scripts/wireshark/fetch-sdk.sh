#!/usr/bin/env bash
# Fetches the Wireshark plugin SDK (headers) of a newer Debian suite into a cache outside the
# repository and prints its root: <root>/usr/include/wireshark holds the SDK headers. The
# dissector.sdk_compat test compiles the plugin against them, so that the next Wireshark API
# change is seen here before a user sees it. A second call prints the cached path at once.
#
# usage: fetch-sdk.sh [--check|--path] SUITE
#
#   SUITE     trixie (Debian 13: Wireshark 4.4) or sid (Debian unstable: Wireshark 4.6 today).
#             Debian has no Wireshark 4.2 in any suite (4.2 went into no release, and
#             bookworm-backports carries no Wireshark): 4.2 is covered by its API, not its headers
#             (docs/dissector.md).
#   --check   print the cached path and exit 0 if it exists; exit 3 without fetching if not.
#   --path    print where the SDK goes, fetched or not.
#
# How: Debian's libwireshark-dev, libwsutil-dev and libwiretap-dev .debs for SUITE, downloaded
# with `apt-get download` through a private apt configuration (its own sources.list, lists and
# cache under the cache folder; the system's sources and package state are not touched, no root
# needed), then unpacked with `dpkg -x`. Only headers are used: the libraries in the .debs are
# never linked or loaded. The host's GLib headers serve (the SDK headers need nothing else).
# Environment: NVT_WS_SDK_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace/wireshark-sdk),
# NVT_DEBIAN_MIRROR (default http://deb.debian.org/debian). Exit status: 0 fetched or cached,
# 1 failure, 2 usage, 3 --check found nothing.
set -euo pipefail

cache=${NVT_WS_SDK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace/wireshark-sdk}
mirror=${NVT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
packages=(libwireshark-dev libwsutil-dev libwiretap-dev)

die() { echo "fetch-sdk: $*" >&2; exit 1; }
log() { echo "fetch-sdk: $*" >&2; }
usage() { sed -n '2,23p' "$0" >&2; exit 2; }

mode=fetch
case ${1:-} in
  --check) mode=check; shift ;;
  --path) mode=path; shift ;;
esac
[ $# -eq 1 ] || usage
suite=$1
case $suite in
  trixie) suites=(trixie trixie-updates) ;;
  sid) suites=(sid) ;;
  *) echo "fetch-sdk: unknown suite '$suite' (trixie or sid)" >&2; usage ;;
esac

dest=$cache/$suite
case $mode in
  path) echo "$dest"; exit 0 ;;
  check) [ -f "$dest/.complete" ] || exit 3; echo "$dest"; exit 0 ;;
esac
if [ -f "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi

for tool in apt-get dpkg flock; do
  command -v "$tool" >/dev/null || die "$tool not found (a Debian host is needed)"
done
[ -r "$keyring" ] || die "no $keyring (apt-get install debian-archive-keyring)"
arch=$(dpkg --print-architecture)

mkdir -p "$cache"
exec 9>"$cache/.lock-$suite"
flock 9 # two fetches of one suite would unpack into each other
if [ -f "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi

# Everything is built in a scratch folder beside the result and renamed into place at the end,
# so an interrupted fetch leaves no half SDK that --check would accept.
# Left by a fetch that was killed (SIGKILL runs no trap); none can be running: we hold the lock.
rm -rf "$cache/.fetch-$suite".*
tmp=$(mktemp -d "$cache/.fetch-$suite.XXXXXX")
child=
trap 'rm -rf "$tmp"' EXIT
trap '[ -z "$child" ] || kill "$child" 2>/dev/null; exit 1' INT TERM HUP
# run CMD...: CMD in the background, waited for, so that a signal to this script stops it too
# (timeout puts apt-get in its own process group, out of reach of the terminal's Ctrl-C).
run() {
  "$@" &
  child=$!
  local rc=0
  wait "$child" || rc=$?
  child=
  return "$rc"
}
mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial" "$tmp/apt/none.d" "$tmp/debs" \
  "$tmp/root"
for s in "${suites[@]}"; do
  echo "deb [arch=$arch signed-by=$keyring] $mirror $s main"
done >"$tmp/apt/sources.list"
touch "$tmp/apt/status"
# The system's sources.list.d and apt preferences (pins) are replaced by an empty folder.
aptopts=(-o "Dir::Etc::SourceList=$tmp/apt/sources.list" -o "Dir::Etc::SourceParts=$tmp/apt/none.d"
         -o "Dir::Etc::Preferences=$tmp/apt/none.d/pref" -o "Dir::Etc::PreferencesParts=$tmp/apt/none.d"
         -o "Dir::State::Lists=$tmp/apt/lists" -o "Dir::State::status=$tmp/apt/status"
         -o "Dir::Cache=$tmp/apt/cache" -o "APT::Architecture=$arch" -o "APT::Architectures=$arch")
# apt drops privileges to _apt for downloads when run as root; that user cannot write into a
# folder under root's home, so the download runs as the caller.
[ "$(id -u)" -ne 0 ] || aptopts+=(-o "APT::Sandbox::User=root")

log "reading the package lists of ${suites[*]} from $mirror"
run timeout 600 apt-get "${aptopts[@]}" -qq update >"$tmp/update.log" 2>&1 ||
  { cat "$tmp/update.log" >&2; die "apt-get update for ${suites[*]} failed"; }
# apt-get update only warns when a suite's index cannot be fetched: an empty list is an error.
if grep -q '^[WE]:' "$tmp/update.log"; then
  cat "$tmp/update.log" >&2
  die "apt-get update for ${suites[*]} could not read every index from $mirror"
fi

versions=()
for p in "${packages[@]}"; do
  v=$(apt-cache "${aptopts[@]}" policy "$p" | sed -n 's/^ *Candidate: //p')
  if [ -z "$v" ] || [ "$v" == "(none)" ]; then die "$p: not in ${suites[*]} ($mirror)"; fi
  versions+=("$p=$v")
done
log "downloading ${versions[*]}"
run env -C "$tmp/debs" timeout 600 apt-get "${aptopts[@]}" -qq download "${versions[@]}" >&2 ||
  die "apt-get download ${versions[*]} failed"
for deb in "$tmp"/debs/*.deb; do
  dpkg -x "$deb" "$tmp/root" || die "dpkg -x $(basename "$deb") failed"
done
ver_h=$tmp/root/usr/include/wireshark/ws_version.h
[ -f "$ver_h" ] || die "the unpacked SDK has no usr/include/wireshark/ws_version.h"
major=$(sed -n 's/^#define WIRESHARK_VERSION_MAJOR \([0-9]*\)$/\1/p' "$ver_h")
minor=$(sed -n 's/^#define WIRESHARK_VERSION_MINOR \([0-9]*\)$/\1/p' "$ver_h")
micro=$(sed -n 's/^#define WIRESHARK_VERSION_MICRO \([0-9]*\)$/\1/p' "$ver_h")
if [ -z "$major" ] || [ -z "$minor" ]; then die "cannot read the Wireshark version from $ver_h"; fi
printf '%s\n' "${versions[@]}" >"$tmp/root/PACKAGES"
echo "$major.$minor.$micro" >"$tmp/root/VERSION"
touch "$tmp/root/.complete"
rm -rf "$dest"
mv "$tmp/root" "$dest"
log "Wireshark $major.$minor.$micro SDK of $suite in $dest"
echo "$dest"
