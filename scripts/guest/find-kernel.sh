#!/usr/bin/env bash
# Prints the guest kernel image (default) or its version (--version): the newest
# /boot/vmlinuz-* that has NVMe modules in /lib/modules. Exit status 2 with a message if there
# is none (tests skip then), 3 if it is not readable by this user (tests fail then).
set -euo pipefail
best=""
for k in /boot/vmlinuz-*; do
  [ -e "$k" ] || continue
  v=${k#/boot/vmlinuz-}
  [ -d "/lib/modules/$v/kernel/drivers/nvme" ] || continue
  if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$best" "$v" | sort -V | tail -n1)" = "$v" ]; then
    best=$v
  fi
done
if [ -z "$best" ]; then
  echo "find-kernel: no /boot/vmlinuz-* with NVMe modules (install linux-image-amd64)" >&2
  exit 2
fi
# Debian installs /boot/vmlinuz-* mode 0600: QEMU run by a normal user cannot read it.
if [ ! -r "/boot/vmlinuz-$best" ]; then
  echo "find-kernel: /boot/vmlinuz-$best is not readable by $(id -un) (Debian installs it 0600; run 'sudo chmod 0644 /boot/vmlinuz-$best')" >&2
  exit 3
fi
if [ "${1:-}" = "--version" ]; then echo "$best"; else echo "/boot/vmlinuz-$best"; fi
