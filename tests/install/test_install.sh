#!/usr/bin/env bash
# `cmake --install` gives an emulator what it needs: an example built against the installed
# prefix with pkg-config and with find_package(nvmetrace) records a trace nvmetrace can read,
# and libnvmetap exports only its public API.
# usage: test_install.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || bad "install failed: $(tail -5 "$tmp/install.log")"
libdir=$(ls -d "$tmp"/prefix/lib* | head -1)
for f in "$tmp/prefix/bin/nvmetrace" "$tmp/prefix/include/nvmetap.h" "$libdir/libnvmetap.so" \
         "$tmp/prefix/include/nvmetrace/target.h" \
         "$libdir/pkgconfig/nvmetap.pc" "$libdir/cmake/nvmetrace/nvmetraceConfig.cmake"; do
  [ -e "$f" ] && ok || bad "not installed: $f"
done

# Only nvt_tap_* is exported.
others=$(nm -D --defined-only "$libdir/libnvmetap.so" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^nvt_tap_' | grep -v '^NVMETAP_' || true)
[ -z "$others" ] && ok || bad "libnvmetap exports more than nvt_tap_*: $others"
[ "$(nm -D --defined-only "$libdir/libnvmetap.so" | grep -c ' T nvt_tap_')" -ge 20 ] && ok || bad "public API missing"

nvt="$tmp/prefix/bin/nvmetrace"
check_trace() { # check_trace TRACE WHAT
  "$nvt" info "$1" >"$tmp/info" 2>&1 || { bad "$2: info failed: $(cat "$tmp/info")"; return; }
  grep -qE '^events: +1[12]$' "$tmp/info" && ok || bad "$2: event count: $(cat "$tmp/info")"
  grep -q '(shim-example 1.0)' "$tmp/info" && ok || bad "$2: emulator name"
  "$nvt" dump -t SUB "$1" >"$tmp/dump"
  grep -q 'ADM SQ=0 CID=002a OPC=Identify' "$tmp/dump" && ok || bad "$2: identify: $(cat "$tmp/dump")"
}

# pkg-config + make
cp -r "$src/samples/shim-example" "$tmp/pc"
if PKG_CONFIG_PATH="$libdir/pkgconfig" make -C "$tmp/pc" >"$tmp/make.log" 2>&1; then
  ok
  LD_LIBRARY_PATH="$libdir" "$tmp/pc/example" "$tmp/pc.pcapng.zst" && ok || bad "pkg-config example failed"
  check_trace "$tmp/pc.pcapng.zst" pkg-config
else
  bad "pkg-config build failed: $(tail -5 "$tmp/make.log")"
fi

# CMake package
if cmake -S "$src/samples/shim-example" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/cm.log" 2>&1 &&
   cmake --build "$tmp/cm" >>"$tmp/cm.log" 2>&1; then
  ok
  LD_LIBRARY_PATH="$libdir" "$tmp/cm/example" "$tmp/cm.pcapng" && ok || bad "CMake example failed"
  check_trace "$tmp/cm.pcapng" cmake
else
  bad "find_package build failed: $(tail -8 "$tmp/cm.log")"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
