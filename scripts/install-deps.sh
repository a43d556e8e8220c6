#!/usr/bin/env bash
# Installs every dependency of nvmetrace from Debian 12's packages. Idempotent; needs root
# (or sudo). Skips apt entirely when everything is already installed.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git ca-certificates
  clang libclang-rt-14-dev            # libFuzzer + sanitizer runtimes
  libpcap-dev libzstd-dev zstd libsqlite3-dev sqlite3 chromium  # index; report rendering test
  tshark wireshark-dev wireshark-qt xvfb xdotool x11-apps netpbm  # plugin; its GUI screenshot
  qemu-system-x86 qemu-utils linux-image-amd64 busybox-static cpio kmod
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

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
