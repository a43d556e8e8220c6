#!/usr/bin/env bash
# The README's main job, on a fresh Debian 12 or 13 machine, from a clone of this repository:
#   1. installs what it needs (scripts/install-deps.sh: QEMU, Debian's kernel, busybox, ...),
#   2. builds nvmetrace (cmake) and installs the Wireshark plugin for this user,
#   3. builds the test guest's initramfs (cached in ~/.cache/nvmetrace),
#   4. boots Linux in QEMU with an NVMe disk under `nvmetrace capture`: the guest reads LBA 0,
#      writes 4 KiB at LBA 2048, flushes, discards 64 KiB at LBA 4096 and powers off,
#   5. prints `nvmetrace info` and the first lines of `nvmetrace dump`, and where the trace is.
# A few minutes the first time (mostly apt and the build), ~15 s after.
#
# Environment: NVT_BUILD_DIR (default build), NVT_DEMO_DIR (default $NVT_BUILD_DIR/demo),
# NVT_DEMO_SMP (guest CPUs, default 1), NVT_DEMO_NAMESPACES (default 1).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NVT_BUILD_DIR:-$root/build}
out=${NVT_DEMO_DIR:-$build/demo}
smp=${NVT_DEMO_SMP:-1}
nns=${NVT_DEMO_NAMESPACES:-1}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/5 dependencies (scripts/install-deps.sh)"
"$root/scripts/install-deps.sh"

step "2/5 build ($build)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
nvt=$build/cli/nvmetrace
plugin_dir=$build/dissector/plugins
if [ -d "$plugin_dir" ]; then
  # The personal plugin folder; Wireshark run as root ignores it (WIRESHARK_PLUGIN_DIR below).
  cmake --build "$build" --target install-plugin >/dev/null 2>&1 || true
fi
"$nvt" --version

step "3/5 guest: Debian's kernel + busybox initramfs with the nvme modules"
mkdir -p "$out"
# Into a file first: a failing qemu-cmd.sh (no kernel, no modules, no busybox) must stop the demo
# with its own message, not leave an empty command behind.
cmdfile=$out/qemu-cmd.txt
if ! "$root/scripts/guest/qemu-cmd.sh" --workdir "$out" --smp "$smp" --namespaces "$nns" \
     >"$cmdfile"; then
  echo "demo: could not prepare the guest: scripts/guest/qemu-cmd.sh failed (its message is above)" >&2
  exit 1
fi
mapfile -t qemu <"$cmdfile"
[ ${#qemu[@]} -gt 0 ] || { echo "demo: scripts/guest/qemu-cmd.sh printed no QEMU command" >&2; exit 1; }
echo "kernel:    $(printf '%s\n' "${qemu[@]}" | grep -A1 -x -- -kernel | tail -n1)"
echo "initramfs: $(printf '%s\n' "${qemu[@]}" | grep -A1 -x -- -initrd | tail -n1)"

trace=$out/boot.pcapng.zst
log=$out/qemu-trace.log
step "4/5 boot under capture"
echo "+ nvmetrace capture -o $trace --log $log -- ${qemu[*]}"
start=$(date +%s%N)
set +e
"$nvt" capture -o "$trace" --log "$log" -- "${qemu[@]}" </dev/null
rc=$?
set -e
secs=$(( ($(date +%s%N) - start) / 1000000 ))
echo "boot + capture: $((secs / 1000)).$(printf '%03d' $((secs % 1000))) s, QEMU exit status $rc"
[ "$rc" = 0 ] || { echo "demo: QEMU failed" >&2; exit "$rc"; }

step "5/5 the trace"
"$nvt" info "$trace"
echo
echo "first lines of 'nvmetrace dump $trace':"
"$nvt" dump -n 25 "$trace"
echo "..."
echo "the workload's commands ('nvmetrace dump -t SUB $trace | grep \"IO \"'):"
"$nvt" dump -t SUB "$trace" | grep "IO " | grep -E "Write|Flush|Dataset" || true

cat <<EOF

The trace: $trace
  (QEMU's raw trace log next to it: $log)
Open it in Wireshark; the nvmetrace plugin decodes every record (display filter "nvmetrace"):
  wireshark $trace
  tshark -r $trace -V | less
EOF
[ -d "$plugin_dir" ] || exit 0
abi=$(tshark --version 2>/dev/null | sed -n '1s/.*(Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
if [ "$(id -u)" != 0 ]; then
  echo "The plugin is installed for $(id -un) in ~/.local/lib/wireshark/plugins/$abi/epan."
  if command -v tshark >/dev/null 2>&1; then
    echo
    echo "tshark's view of the workload's commands:"
    tshark -r "$trace" 2>/dev/null | grep -m3 -E "OPC=(Write|Flush|Dataset)" || true
  fi
  exit 0
fi
cat <<EOF
Wireshark run as root ignores the personal plugin folder. Either open the trace as a normal user
after 'cmake --build $build --target install-plugin' (as that user), or install the plugin
system-wide: 'cmake --install $build --prefix /usr' (it goes to $(pkg-config --variable=plugindir wireshark 2>/dev/null || echo "Wireshark's plugin folder")/epan).
EOF
if command -v tshark >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 && [ -n "$abi" ]; then
  # Show the decode anyway: tshark as nobody, with the plugin in a throw-away HOME.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/home/.local/lib/wireshark/plugins/$abi/epan"
  cp "$plugin_dir/$abi/epan/nvmetrace.so" "$tmp/home/.local/lib/wireshark/plugins/$abi/epan/"
  cp "$trace" "$tmp/trace.pcapng.zst"
  chmod -R a+rX "$tmp"
  echo
  echo "tshark's view of the workload's commands (run as nobody with the plugin):"
  setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp/home" \
    tshark -r "$tmp/trace.pcapng.zst" 2>/dev/null | grep -m3 -E "OPC=(Write|Flush|Dataset)" || true
fi
