#!/usr/bin/env bash
# nvmetrace command behaviour: exit codes, help, info/dump/convert on a generated trace,
# corrupt and missing input. usage: test_cli.sh NVMETRACE NVT_GEN_TRACE
set -u
nvt=$1
gen=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_rc() { # expect_rc RC CMD...
  local want=$1
  shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok; else bad "$* exited $rc, expected $want: $(head -c 300 "$tmp/err")"; fi
}
expect_grep() { # expect_grep PATTERN FILE
  if grep -qE -- "$1" "$2"; then ok; else bad "'$1' not in $2: $(head -c 300 "$2")"; fi
}
expect_eq() { # expect_eq GOT WANT WHAT
  if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', expected '$2'"; fi
}

# Help, version, usage errors.
expect_rc 2 "$nvt"
expect_rc 0 "$nvt" help
for c in info dump convert; do expect_grep "^  $c " "$tmp/out"; done
expect_rc 0 "$nvt" --version
expect_grep '^nvmetrace [0-9]+\.[0-9]+\.[0-9]+ \(record schema v1\)$' "$tmp/out"
expect_rc 2 "$nvt" frobnicate
expect_grep "unknown command 'frobnicate'" "$tmp/err"
for c in info dump convert; do
  expect_rc 0 "$nvt" "$c" --help
  expect_grep '^NAME$' "$tmp/out"
  expect_grep '^EXIT STATUS$' "$tmp/out"
  expect_rc 0 "$nvt" help "$c"
  expect_rc 2 "$nvt" "$c" --no-such-option
done
expect_rc 2 "$nvt" info
expect_rc 2 "$nvt" dump -t NOSUCHTYPE x
expect_rc 2 "$nvt" dump --from yesterday x
expect_rc 2 "$nvt" convert only-input

# A generated trace: two devices, 100 I/O commands each (counts derived in gen_trace.c's
# comments: per device 107 commands = 7 admin + 100 I/O).
"$gen" "$tmp/t.pcapng" 100 || bad "generator failed"
expect_rc 0 "$nvt" info "$tmp/t.pcapng"
cp "$tmp/out" "$tmp/info"
expect_grep '^events: +1730$' "$tmp/info"
expect_grep '^devices: +2$' "$tmp/info"
expect_grep '^  \[0\] 0000:00:04.0 nvme 1b36:0010 class 010802 \(nvt-gen-trace\)$' "$tmp/info"
expect_grep '^  \[1\] 0000:00:05.0 nvme 1b36:0010' "$tmp/info"
for kv in "CFGR 4" "CFGW 6" "MMIOR 8" "MMIOW 438" "BARMAP 2" "DB 428" "MSIX 4" "MSIXCTL 2" \
          "IRQ 214" "SUB 214" "CPL 214" "DMAR 60" "DMAW 126" "STATE 8" "NOTE 1" "STATS 1"; do
  set -- $kv
  expect_grep "^  $1 +$2\$" "$tmp/info"
done
expect_grep '^flags: +reconstructed 0, value unknown 0, truncated 186, recovered 0$' "$tmp/info"
expect_grep '^comment: +synthetic trace' "$tmp/info"
expect_rc 0 "$nvt" info --json "$tmp/t.pcapng"
expect_grep '"events":1730,' "$tmp/out"
expect_grep '"SUB":214' "$tmp/out"

expect_rc 0 "$nvt" dump "$tmp/t.pcapng"
cp "$tmp/out" "$tmp/dump"
expect_eq "$(wc -l <"$tmp/dump")" 1730 "dump lines"
expect_eq "$(head -1 "$tmp/dump")" "[    0] 1795403926.000000000 00:04.0 NOTE marker: start" "first dump line"
expect_grep '^\[ +[0-9]+\] [0-9]+\.[0-9]{9} 00:04\.0 ADM SQ=0 CID=0000 OPC=Identify NSID=0 prp1=20000000' "$tmp/dump"
expect_grep ' 00:05\.0 REG 0014 <- 00460001 \(CC\)$' "$tmp/dump"
# Filters.
expect_rc 0 "$nvt" dump -t SUB "$tmp/t.pcapng"
expect_eq "$(wc -l <"$tmp/out")" 214 "dump -t SUB"
expect_rc 0 "$nvt" dump -t cmd -d 1 "$tmp/t.pcapng"
expect_eq "$(wc -l <"$tmp/out")" 214 "dump -t cmd -d 1"
expect_rc 0 "$nvt" dump -t SUB -q 1 "$tmp/t.pcapng"
expect_eq "$(wc -l <"$tmp/out")" 200 "dump -t SUB -q 1"
expect_rc 0 "$nvt" dump -t CPL -q 0 "$tmp/t.pcapng"
expect_eq "$(wc -l <"$tmp/out")" 14 "dump -t CPL -q 0"
expect_rc 0 "$nvt" dump -n 5 "$tmp/t.pcapng"
expect_eq "$(wc -l <"$tmp/out")" 5 "dump -n 5"
# Events are 250 ns apart from the first: [+0.000001, +0.000002) holds events 4..7.
expect_rc 0 "$nvt" dump --from +0.000001 --to +0.000002 "$tmp/t.pcapng"
expect_eq "$(wc -l <"$tmp/out")" 4 "dump time window"
expect_grep '^\[    4\] 1795403926\.000001000 ' "$tmp/out"
expect_rc 0 "$nvt" dump -x -n 1 "$tmp/t.pcapng"
expect_grep '^        0000  01 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00$' "$tmp/out"

# convert: zstd and back gives the same dump; a filter keeps source sequence numbers.
expect_rc 0 "$nvt" convert "$tmp/t.pcapng" -o "$tmp/t.pcapng.zst"
expect_eq "$(head -c 4 "$tmp/t.pcapng.zst" | od -An -tx1 | tr -d ' ')" "28b52ffd" "zstd magic"
expect_rc 0 "$nvt" convert "$tmp/t.pcapng.zst" -o "$tmp/back.pcapng"
expect_rc 0 "$nvt" dump "$tmp/back.pcapng"
if cmp -s "$tmp/out" "$tmp/dump"; then ok; else bad "dump after zstd round trip differs"; fi
if cmp -s "$tmp/back.pcapng" "$tmp/t.pcapng"; then ok; else bad "round-tripped file differs"; fi
expect_rc 0 "$nvt" convert -t SUB -q 1 "$tmp/t.pcapng" -o "$tmp/f.pcapng"
expect_rc 0 "$nvt" dump "$tmp/f.pcapng"
grep ' IO ' "$tmp/dump" | grep -E ' SQ=1 ' >"$tmp/want"
head -n -1 "$tmp/out" >"$tmp/got"
if cmp -s "$tmp/got" "$tmp/want"; then ok; else bad "filtered convert differs from filtered dump"; fi
# ... and ends with the source's final statistics, counting what the filtered trace holds.
expect_eq "$(tail -n 1 "$tmp/out" | grep -oE 'STATS recorded=[0-9]+')" \
    "STATS recorded=$(wc -l <"$tmp/want")" "end marker of the filtered trace"
expect_rc 0 "$nvt" convert --renumber -t SUB -q 1 "$tmp/t.pcapng" -o "$tmp/r.pcapng"
expect_rc 0 "$nvt" dump -n 2 "$tmp/r.pcapng"
expect_grep '^\[    1\] ' "$tmp/out"
expect_rc 2 "$nvt" convert "$tmp/t.pcapng" -o "$tmp/t.pcapng"

# Bad input: clear error naming the file and the offset, exit 1, never a crash.
expect_rc 1 "$nvt" info "$tmp/does-not-exist.pcapng"
expect_grep "does-not-exist.pcapng: cannot open" "$tmp/err"
head -c 5000 "$tmp/t.pcapng" >"$tmp/cut.pcapng"
expect_rc 1 "$nvt" info "$tmp/cut.pcapng"
expect_grep "cut.pcapng: offset [0-9]+: file is truncated" "$tmp/err"
expect_rc 1 "$nvt" dump "$tmp/cut.pcapng"
expect_grep "cut.pcapng: offset [0-9]+: file is truncated" "$tmp/err"
[ "$(wc -l <"$tmp/out")" -gt 10 ] && ok || bad "dump printed no lines before the error"
printf 'this is not a trace at all' >"$tmp/junk.pcapng"
expect_rc 1 "$nvt" info "$tmp/junk.pcapng"
expect_grep "junk.pcapng: offset 0: not a pcapng file" "$tmp/err"
# Unknown schema version in the 3rd block's record (SHB, IDB, IDB, then the first EPB).
python3 - "$tmp/t.pcapng" "$tmp/v2.pcapng" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
off = 0
while True:
    t, l = struct.unpack_from('<II', d, off)
    if t == 6:
        d[off + 28 + 20] = 2
        break
    off += l
open(sys.argv[2], 'wb').write(d)
print(off)
PY
expect_rc 1 "$nvt" dump "$tmp/v2.pcapng"
expect_grep "v2.pcapng: offset [0-9]+: record schema version 2 is not supported" "$tmp/err"

# --salvage: a zstd trace cut short (as `nvmetrace capture` killed with SIGKILL leaves it)
# is refused normally, and salvaged up to the damage with a warning annotation at the end.
# (3000 I/Os per device: a few MB, so the compressed stream holds many zstd blocks.)
"$gen" "$tmp/big.pcapng" 3000 || bad "generator failed"
"$nvt" dump "$tmp/big.pcapng" >"$tmp/bigdump"
"$nvt" convert "$tmp/big.pcapng" --level 1 -o "$tmp/s.pcapng.zst" >/dev/null 2>&1
size=$(stat -c %s "$tmp/s.pcapng.zst")
head -c $((size * 2 / 3)) "$tmp/s.pcapng.zst" >"$tmp/cut.pcapng.zst"
expect_rc 1 "$nvt" info "$tmp/cut.pcapng.zst"
expect_grep "cut.pcapng.zst: offset [0-9]+ in the decompressed stream: file is truncated" "$tmp/err"
expect_rc 0 "$nvt" convert --salvage "$tmp/cut.pcapng.zst" -o "$tmp/salvaged.pcapng"
expect_grep "input cut after offset [0-9]+" "$tmp/err"
expect_rc 0 "$nvt" dump "$tmp/salvaged.pcapng"
n=$(wc -l <"$tmp/out")
[ "$n" -gt 1000 ] && [ "$n" -lt "$(wc -l <"$tmp/bigdump")" ] && ok || bad "salvaged $n events"
expect_grep "NOTE warning: nvmetrace convert --salvage: input cut after offset" "$tmp/out"
# Every salvaged event is the source's event with the same sequence number.
head -n $((n - 1)) "$tmp/out" >"$tmp/salv-events"
head -n $((n - 1)) "$tmp/bigdump" >"$tmp/src-events"
cmp -s "$tmp/salv-events" "$tmp/src-events" && ok || bad "salvaged events differ from the source"
expect_rc 1 "$nvt" recover "$tmp/cut.pcapng.zst"
expect_grep "convert --salvage" "$tmp/err"

# Schema value rules (docs/format.md, "What the reader rejects"): a real trace with one config
# read of 8 bytes, or one MMIO access of 255 bytes, stops every command that reads it, with
# the file and the offset of the block, before any consumer shifts by 8 * size (the
# ASan/UBSan build runs this too).
read -r cfgoff mmiooff < <(python3 - "$tmp/t.pcapng" "$tmp/badcfg.pcapng" "$tmp/badmmio.pcapng" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
def patch(types, body_off, val, out):
    b = bytearray(d); off = 0
    while off < len(b):
        t, l = struct.unpack_from('<II', b, off)
        if t == 6 and b[off + 28 + 20 + 1] in types:
            b[off + 28 + 20 + 16 + body_off] = val
            open(out, 'wb').write(b)
            return off
        off += l
print(patch((1, 2), 2, 8, sys.argv[2]), patch((3, 4), 1, 255, sys.argv[3]))
PY
)
for c in dump info stats lint index; do
  rc=1; [ $c = lint ] && rc=3
  args=(); [ $c = index ] && args=(-o "$tmp/bad.db")
  expect_rc $rc "$nvt" $c "$tmp/badcfg.pcapng" "${args[@]}"
  expect_grep "badcfg.pcapng: offset $cfgoff: CFG[RW] record: access size 8 is not 1, 2 or 4" "$tmp/err"
  expect_rc $rc "$nvt" $c "$tmp/badmmio.pcapng" "${args[@]}"
  expect_grep "badmmio.pcapng: offset $mmiooff: MMIO[RW] record: access size 255 is not 1, 2, 4 or 8" "$tmp/err"
done

# zstd content checksum: a byte flipped anywhere in a compressed trace is an error (zstd's
# checksum or corrupt-data message, or the pcapng checks on the damaged content), with the
# offset said to be one in the decompressed stream; never exit 0 with wrong content.
"$nvt" convert "$tmp/t.pcapng" -o "$tmp/z.pcapng.zst" >/dev/null 2>&1
zsize=$(stat -c %s "$tmp/z.pcapng.zst")
for pos in $((zsize / 5)) $((zsize / 3)) $((zsize / 2)) $((zsize * 4 / 5)) $((zsize - 2)); do
  python3 -c 'import sys; p=int(sys.argv[3]); d=bytearray(open(sys.argv[1],"rb").read()); d[p]^=0x21; open(sys.argv[2],"wb").write(d)' \
    "$tmp/z.pcapng.zst" "$tmp/zbad.pcapng.zst" "$pos"
  expect_rc 1 "$nvt" dump "$tmp/zbad.pcapng.zst"
  expect_grep "zbad.pcapng.zst: .*(checksum mismatch|corrupt zstd data|offset [0-9]+ in the decompressed stream)" "$tmp/err"
  expect_grep "in the decompressed stream" "$tmp/err"
done
expect_grep "content checksum mismatch" "$tmp/err" # the last flip hits the checksum itself

# The end marker: a trace cut exactly before its final statistics block reads, with a warning
# from every command; final statistics that count other than the events read are an error.
read -r lastoff nrec < <(python3 - "$tmp/t.pcapng" "$tmp/miscount.pcapng" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read()); off = 0; last = 0; n = 0
while off < len(b):
    t, l = struct.unpack_from('<II', b, off)
    if t == 6:
        last = off; n += 1
    off += l
rec = last + 28 + 20
assert b[rec + 1] == 17
struct.pack_into('<Q', b, rec + 16, struct.unpack_from('<Q', b, rec + 16)[0] + 1)
open(sys.argv[2], 'wb').write(b)
print(last, n - 1)
PY
)
head -c "$lastoff" "$tmp/t.pcapng" >"$tmp/noend.pcapng"
for c in dump info stats; do
  expect_rc 0 "$nvt" $c "$tmp/noend.pcapng"
  expect_grep "^nvmetrace $c: warning: .*noend.pcapng: the trace ends without its final statistics: cut short\?" "$tmp/err"
  [ "$(grep -c 'cut short' "$tmp/err")" = 1 ] && ok || bad "$c warned $(grep -c 'cut short' "$tmp/err") times"
  expect_rc 0 "$nvt" $c "$tmp/t.pcapng"
  ! grep -q 'cut short' "$tmp/err" && ok || bad "$c warned about a whole trace"
done
expect_rc 0 "$nvt" dump "$tmp/noend.pcapng"
expect_grep "noend.pcapng: the trace ends without its final statistics: cut short\? \(it ends at offset $lastoff\)" "$tmp/err"
expect_rc 0 "$nvt" lint "$tmp/noend.pcapng"   # a warning finding: exit 0 unless --strict
expect_grep "warning: trace-cut-short: .*noend.pcapng: the trace ends without its final statistics" "$tmp/out"
expect_rc 1 "$nvt" lint --strict "$tmp/noend.pcapng"
expect_rc 0 "$nvt" lint "$tmp/t.pcapng"
! grep -q 'trace-cut-short' "$tmp/out" && ok || bad "lint found a whole trace cut short"
expect_rc 1 "$nvt" dump "$tmp/miscount.pcapng"
expect_grep "miscount.pcapng: offset $lastoff: the final capture statistics say $((nrec + 1)) events were recorded, but the trace holds $nrec" "$tmp/err"

# index checks its output before reading the trace, and says why it cannot write there.
mkdir "$tmp/adir"
expect_rc 1 "$nvt" index "$tmp/big.pcapng" -o "$tmp/adir"
expect_grep "adir: cannot create the index: it is a directory" "$tmp/err"
[ -z "$(ls -A "$tmp/adir")" ] && ok || bad "index left files in the directory"
! ls "$tmp"/adir.tmp-* >/dev/null 2>&1 && ok || bad "index left its temporary file"
expect_rc 1 "$nvt" index "$tmp/big.pcapng" -o "$tmp/no-such-dir/x.db"
expect_grep "x.db: cannot create the index: .*no-such-dir/x.db.tmp-[0-9]+: No such file or directory" "$tmp/err"
mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
if touch "$tmp/ro/probe" 2>/dev/null; then
  rm -f "$tmp/ro/probe" # root writes anyway: nothing to check
else
  expect_rc 1 "$nvt" index "$tmp/big.pcapng" -o "$tmp/ro/x.db"
  expect_grep "ro/x.db: cannot create the index: .*: Permission denied" "$tmp/err"
fi
chmod 755 "$tmp/ro"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
