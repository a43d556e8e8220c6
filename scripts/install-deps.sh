#!/usr/bin/env bash
# Installs every dependency of nvmetrace from Debian's packages. Idempotent; needs root
# (or sudo). Skips apt entirely when everything is already installed.
#
# The package names are Debian's release-independent ones (libclang-rt-dev, not
# libclang-rt-14-dev; wireshark, not wireshark-qt), checked to exist on Debian 12 (bookworm) and
# Debian 13 (trixie). On another release, or another apt-based distribution, the script says so
# first and still tries the same names (apt then names any that do not exist); without apt it
# stops.
set -euo pipefail

checked="bookworm trixie"
PKGS=(
  build-essential cmake pkg-config git ca-certificates
  clang libclang-rt-dev               # libFuzzer + sanitizer runtimes
  libpcap-dev libzstd-dev zstd libsqlite3-dev sqlite3 chromium  # index; report rendering test
  tshark wireshark-dev wireshark xvfb xdotool x11-apps netpbm  # plugin; its GUI screenshot
  qemu-system-x86 qemu-utils linux-image-amd64 busybox-static cpio kmod file xz-utils  # guest
)
# A Rust compiler for the Rust device model test (tests/replay/rust_copier.rs): Debian's, unless
# one (rustup's, say) is already there.
if ! command -v rustc >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/rustc" ]; then
  PKGS+=(rustc)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

command -v apt-get >/dev/null ||
  { echo "install-deps: no apt-get here: install the equivalents of ${missing[*]} by hand" >&2; exit 1; }
os_id=unknown os_codename=unknown os_name="an unknown system"
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  os_id=$(. /etc/os-release && echo "${ID:-unknown}")
  os_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-unknown}")
  os_name=$(. /etc/os-release && echo "${PRETTY_NAME:-$os_id}")
fi
if [ "$os_id" != debian ] || [[ " $checked " != *" $os_codename "* ]]; then
  echo "install-deps: WARNING: $os_name (ID=$os_id, VERSION_CODENAME=$os_codename) is not a" \
       "release these package names were checked on (Debian: $checked); trying them anyway." \
       "If apt cannot find one, install its equivalent by hand." >&2
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing on $os_name: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it up front. (debconf-set-selections
# is in debconf, which every Debian root has.)
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
