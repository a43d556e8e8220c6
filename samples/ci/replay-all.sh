#!/usr/bin/env bash
# Replays every trace under the given folders (and given trace files) against QEMU with
# `nvmetrace replay`, and fails if any of them does not end as expected: a CI gate for
# "this QEMU still behaves like the recordings".
#
# usage: replay-all.sh [--nvmetrace BIN] [--config-dir DIR] [--quiet] PATH... [-- REPLAY-OPTION...]
#
#   PATH           a trace (.pcapng, .pcapng.zst) or a folder searched for them recursively
#   --nvmetrace    the nvmetrace binary (default: nvmetrace from PATH)
#   --config-dir   a folder with per-trace files named after the trace, for traces whose own
#                  folder you do not want to touch (those beside the trace win)
#   --quiet        only the summary and the failures
#   after --       options for every replay (e.g. --target qemu:/path/to/qemu, --accel tcg)
#
# Per trace T, optional files beside it (or in --config-dir, by T's file name):
#   T.expect        the expected result: "clean" (default), "diverged", or "crashed" followed
#                   by the crash signature `nvmetrace replay` prints (e.g. "crashed SIGSEGV")
#   T.replay-args   extra options for that trace's replay, one per line
#                   (e.g. "--qemu-args" then "-device nvme,... -drive ...")
#
# Exit status: 0 every trace ended as expected, 1 some did not, 2 usage error. A trace the
# replay cannot even run (exit 2: unreadable or impossible trace; 4: QEMU missing or refusing
# its options) always fails, and so does one in which nothing was compared (exit 5: no device
# or no NVMe command): an empty replay is not a pass. On failure the replay's report is printed.
set -u
nvt=nvmetrace
config=""
quiet=0
paths=()
opts=()
while [ $# -gt 0 ]; do
  case $1 in
    --nvmetrace) [ $# -ge 2 ] || { echo "replay-all: --nvmetrace needs a path" >&2; exit 2; }
                 nvt=$2; shift 2 ;;
    --config-dir) [ $# -ge 2 ] || { echo "replay-all: --config-dir needs a folder" >&2; exit 2; }
                  config=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --) shift; opts=("$@"); break ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    -*) echo "replay-all: unknown option $1" >&2; exit 2 ;;
    *) paths+=("$1"); shift ;;
  esac
done
[ ${#paths[@]} -gt 0 ] || { echo "replay-all: no trace or folder given (see --help)" >&2; exit 2; }

traces=()
for p in "${paths[@]}"; do
  if [ -d "$p" ]; then
    while IFS= read -r -d '' f; do traces+=("$f"); done \
      < <(find "$p" -type f \( -name '*.pcapng' -o -name '*.pcapng.zst' \) -print0 | sort -z)
  elif [ -f "$p" ]; then
    traces+=("$p")
  else
    echo "replay-all: $p: no such file or folder" >&2
    exit 2
  fi
done
[ ${#traces[@]} -gt 0 ] || { echo "replay-all: no traces under ${paths[*]}" >&2; exit 2; }

# side_file TRACE SUFFIX: the per-trace file, beside the trace first, then in --config-dir.
side_file() {
  if [ -f "$1.$2" ]; then echo "$1.$2"
  elif [ -n "$config" ] && [ -f "$config/$(basename "$1").$2" ]; then echo "$config/$(basename "$1").$2"
  fi
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
pass=0
fail=0
for t in "${traces[@]}"; do
  want=clean
  want_sig=""
  f=$(side_file "$t" expect)
  if [ -n "$f" ]; then
    read -r want want_sig <"$f"
  fi
  extra=()
  f=$(side_file "$t" replay-args)
  if [ -n "$f" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      [ -n "$line" ] && extra+=("$line")
    done <"$f"
  fi
  "$nvt" replay "${extra[@]}" "${opts[@]}" "$t" >"$out" 2>&1
  rc=$?
  case $rc in
    0) got=clean ;;
    1) got=diverged ;;
    3) got=crashed ;;
    5) got="nothing compared" ;;
    *) got="error (exit $rc)" ;;
  esac
  sig=$(sed -n 's/^  signature: //p' "$out")
  ok=0
  if [ "$got" = "$want" ]; then
    ok=1
    [ "$want" = crashed ] && [ -n "$want_sig" ] && [ "$sig" != "$want_sig" ] && ok=0
  fi
  if [ $ok -eq 1 ]; then
    pass=$((pass + 1))
    [ $quiet -eq 1 ] || printf 'PASS  %-9s %s\n' "$got" "$t"
  else
    fail=$((fail + 1))
    printf 'FAIL  %s, expected %s%s: %s\n' "$got${sig:+ ($sig)}" "$want" "${want_sig:+ ($want_sig)}" "$t"
    sed 's/^/      /' "$out"
  fi
done
echo "${#traces[@]} traces: $pass as expected, $fail not"
[ $fail -eq 0 ]
