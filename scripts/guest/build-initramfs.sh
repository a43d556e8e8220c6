#!/usr/bin/env bash
# Builds the busybox initramfs the guest tests, scripts/demo.sh and samples/boot boot under QEMU,
# and prints its path. The result is cached outside the repository, keyed by kernel version and
# by the hash of this script and of init.sh (the guest's /init), so a second call is instant.
#
# usage: build-initramfs.sh [-k KERNEL_VERSION] [-o OUTPUT]
#   -k  kernel whose modules go in (default: newest /lib/modules/* with a /boot/vmlinuz-*)
#   -o  write the cpio.gz here instead of the cache (still printed on stdout)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kver=""
out=""
while getopts "k:o:h" opt; do
  case $opt in
    k) kver=$OPTARG ;;
    o) out=$OPTARG ;;
    h) sed -n '2,9p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done

die() { echo "build-initramfs: $*" >&2; exit 1; }

if [ -z "$kver" ]; then
  kver=$("$here/find-kernel.sh" --version) || exit $?
fi
moddir=/lib/modules/$kver
[ -d "$moddir" ] || die "no modules for kernel $kver in $moddir (install linux-image-amd64)"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (install busybox-static)"
# A dynamically linked busybox would need its libraries in the initramfs too.
command -v file >/dev/null || die "file not found (install file)"
if file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked'; then
  die "$busybox is dynamically linked; install busybox-static"
fi
command -v cpio >/dev/null || die "cpio not found (install cpio)"

# What the NVMe PCI driver needs, in load order, from the kernel's own dependency data: modprobe
# prints "insmod PATH" for each module (dependencies first, soft dependencies included, the same
# module possibly more than once on 6.1) and "builtin NAME" for what is built in (nothing to
# load: several of 6.1's crc modules are built in on 6.12).
command -v modprobe >/dev/null || die "modprobe not found (install kmod)"
deps=$(modprobe -S "$kver" --show-depends nvme 2>&1) ||
  die "modprobe -S $kver --show-depends nvme failed: $deps"
paths=()
while read -r kind arg _; do
  case $kind in
    insmod)
      [[ " ${paths[*]} " == *" $arg "* ]] || paths+=("$arg") ;;
    builtin) ;;
    *) die "unexpected line from modprobe --show-depends nvme: '$kind $arg'" ;;
  esac
done <<<"$deps"
[ ${#paths[@]} -gt 0 ] || die "modprobe lists no module to load for nvme on $kver (built in?)"
# A hard dependency (modinfo's "depends", transitively from nvme) must load; a soft one (a CPU's
# accelerated crc, say: crct10dif-pclmul needs PCLMULQDQ, which QEMU's default CPU lacks) may
# fail in the guest without harm.
modname() { local b; b=$(basename "$1"); b=${b%%.ko*}; echo "${b//-/_}"; }
required=" nvme "
todo=(nvme)
while [ ${#todo[@]} -gt 0 ]; do
  m=${todo[0]}
  todo=("${todo[@]:1}")
  d=$(modinfo -k "$kver" -F depends "$m" 2>/dev/null) || die "modinfo -k $kver $m failed"
  for x in ${d//,/ }; do
    x=${x//-/_}
    [[ "$required" == *" $x "* ]] || { required+="$x "; todo+=("$x"); }
  done
done

hash=$(cat "$0" "$here/init.sh" | sha256sum | cut -c1-12)
if [ -z "$out" ]; then
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace
  mkdir -p "$cache"
  out=$cache/initramfs-$kver-$hash.cpio.gz
  if [ -s "$out" ]; then
    echo "$out"
    exit 0
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp "$busybox" "$root/bin/busybox"
# Only the applets /init uses; busybox resolves the rest through "busybox NAME".
for a in sh mount insmod dd blkdiscard poweroff sleep cat echo ls taskset sync seq printf sed \
         hexdump head tr grep mkdir cmp yes; do
  ln -s busybox "$root/bin/$a"
done

# The order file /init reads (scripts/guest/init.sh): "NAME required|optional", load order.
: >"$root/lib/modules/order"
for f in "${paths[@]}"; do
  m=$(modname "$f")
  case $f in
    *.ko) cp "$f" "$root/lib/modules/$m.ko" ;;
    # busybox insmod loads only plain ELF modules: decompress here.
    *.ko.xz) xz -dc "$f" >"$root/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" >"$root/lib/modules/$m.ko" ;;
    *.ko.gz) gzip -dc "$f" >"$root/lib/modules/$m.ko" ;;
    *) die "unexpected module file $f" ;;
  esac
  if [[ "$required" == *" $m "* ]]; then need=required; else need=optional; fi
  echo "$m $need" >>"$root/lib/modules/order"
done
install -m 0755 "$here/init.sh" "$root/init"

tmp=$out.tmp.$$
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9n >"$tmp"
mv "$tmp" "$out"
echo "$out"
