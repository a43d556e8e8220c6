#!/usr/bin/env bash
# dissector.sdk_compat: compiles every source of the Wireshark plugin with the project's flags
# (-Wall -Wextra -Werror, -O2 so that the optimizer's warnings count too) against the installed
# Wireshark SDK and against newer Debian SDKs fetched by scripts/wireshark/fetch-sdk.sh
# (trixie: 4.4, sid: 4.6), links the objects into a plugin and checks what it exports.
#
#   sdk_compat.sh CC SOURCE_DIR INSTALLED_SDK_INCLUDE_DIR PLUGIN_SOURCE...
#
# Per SDK it asserts:
#   - each source compiles with exit status 0 and no diagnostic at all (the SDK and GLib
#     headers are -isystem, as in the real build, so only our own code is judged);
#   - the linked plugin exports exactly plugin_register, plugin_version, plugin_want_major,
#     plugin_want_minor, and plugin_describe on Wireshark 4.2 and later (what Wireshark's
#     loader looks up; nothing else leaks out of the hidden-visibility build);
#   - plugin_want_major/minor hold the SDK's own ws_version.h numbers (Wireshark loads a
#     plugin only into the major.minor it names).
# Exit status: 0 all three SDKs checked and clean; 1 a check failed, or neither newer SDK is
# in the cache (then nothing beyond the normal build was checked: not a success); 77 (ctest
# skip) the SDKs present were clean but one newer SDK is missing from the cache.
set -u
CC=$1 SRC=$2 INSTALLED=$3
shift 3
SOURCES=("$@")

fails=0 checks=0
pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }

WORK=$(mktemp -d /tmp/nvt-sdk-compat.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

[ ${#SOURCES[@]} -gt 0 ] || { echo "FAIL: no plugin sources given"; exit 1; }
GLIB=()
for f in $(pkg-config --cflags-only-I glib-2.0); do GLIB+=(-isystem "${f#-I}"); done
[ ${#GLIB[@]} -gt 0 ] || { echo "FAIL: pkg-config --cflags glib-2.0 gave no include folders"; exit 1; }

# The value of a 4-byte little-endian int the shared object exports as SYMBOL.
exported_int() { # exported_int SO SYMBOL
    local addr
    addr=$(nm -D --defined-only "$1" | awk -v s="$2" '$3 == s { print $1 }')
    [ -n "$addr" ] || return 1
    local b
    b=$(objdump -s --start-address=$((16#$addr)) --stop-address=$((16#$addr + 4)) "$1" |
        awk '/^ [0-9a-f]+ [0-9a-f]+/ { print $2; exit }')
    [ ${#b} -eq 8 ] || return 1
    echo $((16#${b:6:2}${b:4:2}${b:2:2}${b:0:2}))
}

# check_sdk LABEL INCLUDE_DIR: every check above for one SDK.
check_sdk() {
    local label=$1 inc=$2 out=$WORK/$1
    mkdir -p "$out"
    local ver_h=$inc/ws_version.h major minor micro
    if [ ! -f "$ver_h" ]; then
        fail "$label: no $ver_h"
        return
    fi
    major=$(sed -n 's/^#define WIRESHARK_VERSION_MAJOR \([0-9]*\)$/\1/p' "$ver_h")
    minor=$(sed -n 's/^#define WIRESHARK_VERSION_MINOR \([0-9]*\)$/\1/p' "$ver_h")
    micro=$(sed -n 's/^#define WIRESHARK_VERSION_MICRO \([0-9]*\)$/\1/p' "$ver_h")
    if [ -z "$major" ] || [ -z "$minor" ]; then
        fail "$label: cannot read the version from $ver_h"
        return
    fi
    local version=$major.$minor.$micro objs=() src obj clean=0
    for src in "${SOURCES[@]}"; do
        obj=$out/$(basename "$src" .c).o
        if "$CC" -std=gnu11 -O2 -fPIC -fvisibility=hidden -Wall -Wextra -Werror \
            -DNVT_PLUGIN_VERSION='"sdk-compat"' -I"$SRC/format/include" -isystem "$inc" \
            "${GLIB[@]}" -c -o "$obj" "$src" 2>"$out/diag" && [ ! -s "$out/diag" ]; then
            pass
            clean=$((clean + 1))
            objs+=("$obj")
        else
            fail "$label (Wireshark $version): $(basename "$src"):"
            sed 's/^/    /' "$out/diag" | head -n 20
        fi
    done
    if [ ${#objs[@]} -ne ${#SOURCES[@]} ]; then
        echo "$label: Wireshark $version: $clean of ${#SOURCES[@]} sources compiled clean"
        return
    fi
    # Undefined references to libwireshark stay undefined: the plugin is never loaded here.
    if ! "$CC" -shared -o "$out/nvmetrace.so" "${objs[@]}" 2>"$out/diag"; then
        fail "$label (Wireshark $version): linking the plugin: $(cat "$out/diag")"
        return
    fi
    local want="plugin_register plugin_version plugin_want_major plugin_want_minor"
    if [ "$major" -gt 4 ] || { [ "$major" -eq 4 ] && [ "$minor" -ge 2 ]; }; then
        want="plugin_describe $want"
    fi
    local got
    got=$(nm -D --defined-only "$out/nvmetrace.so" | awk '{ print $3 }' | LC_ALL=C sort | xargs)
    want=$(tr ' ' '\n' <<<"$want" | LC_ALL=C sort | xargs)
    if [ "$got" == "$want" ]; then pass; else fail "$label (Wireshark $version): exports '$got', want '$want'"; fi
    local wmaj wmin
    wmaj=$(exported_int "$out/nvmetrace.so" plugin_want_major)
    wmin=$(exported_int "$out/nvmetrace.so" plugin_want_minor)
    if [ "$wmaj.$wmin" == "$major.$minor" ]; then
        pass
    else
        fail "$label (Wireshark $version): plugin_want_major.minor is '$wmaj.$wmin', want $major.$minor"
    fi
    echo "$label: Wireshark $version: ${#SOURCES[@]} sources compiled clean; exports: $got"
}

check_sdk installed "$INSTALLED"
missing=() newer=0
for suite in trixie sid; do
    if root=$("$SRC/scripts/wireshark/fetch-sdk.sh" --check "$suite"); then
        check_sdk "$suite" "$root/usr/include/wireshark"
        newer=$((newer + 1))
    else
        missing+=("$suite")
    fi
done

echo "$((checks - fails)) of $checks checks passed"
[ "$fails" -eq 0 ] || exit 1
if [ "$newer" -eq 0 ]; then
    echo "FAIL: no newer Wireshark SDK in the cache (${missing[*]}): only the installed one was" \
         "checked. Fetch them: scripts/wireshark/fetch-sdk.sh trixie; scripts/wireshark/fetch-sdk.sh sid"
    exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "SKIPPED: Wireshark SDK not in the cache: ${missing[*]} (scripts/wireshark/fetch-sdk.sh SUITE)"
    exit 77
fi
exit 0
