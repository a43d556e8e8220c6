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
if file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked'; then
  die "$busybox is dynamically linked; install busybox-static"
fi
command -v cpio >/dev/null || die "cpio not found (install cpio)"

# Dependency order of the NVMe PCI driver in Debian's 6.1 kernel (modinfo -F depends/softdep):
# nvme -> nvme-core -> t10-pi -> crc-t10dif (+crct10dif), crc64-rocksoft (+crc64).
modules=(crct10dif_common crct10dif_generic crc-t10dif crc64 crc64_rocksoft_generic
         crc64-rocksoft t10-pi nvme-core nvme)

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

for m in "${modules[@]}"; do
  # modinfo resolves '-' and '_' spellings and finds .ko, .ko.xz or .ko.zst files.
  f=$(modinfo -k "$kver" -n "$m" 2>/dev/null) || die "module $m not found for kernel $kver"
  case $f in
    *.ko) cp "$f" "$root/lib/modules/$m.ko" ;;
    # busybox insmod loads only plain ELF modules: decompress here.
    *.ko.xz) xz -dc "$f" >"$root/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" >"$root/lib/modules/$m.ko" ;;
    *.ko.gz) gzip -dc "$f" >"$root/lib/modules/$m.ko" ;;
    *) die "unexpected module file $f" ;;
  esac
done
printf '%s\n' "${modules[@]}" >"$root/lib/modules/order"
install -m 0755 "$here/init.sh" "$root/init"

tmp=$out.tmp.$$
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9n >"$tmp"
mv "$tmp" "$out"
echo "$out"
