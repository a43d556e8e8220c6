#!/usr/bin/env bash
# Every analyze command on traces of well-formed records with nonsense in them
# (nvt-gen-random): each must finish with a normal exit status (lint 0/1, diff 0/1, the others
# 0) — no crash, no sanitizer report (the sanitizer build aborts on one), no "unreadable".
# The report must render in headless Chromium without a console message when it is installed.
# usage: test_random.sh NVMETRACE NVT-GEN-RANDOM WORKDIR [SEEDS]
set -uo pipefail
nvt=$1 gen=$2 work=$3/random seeds=${4:-12}
rm -rf "$work"
mkdir -p "$work"
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"
in_set() { local v=$1; shift; for w in "$@"; do [ "$v" = "$w" ] && return 0; done; return 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
for seed in $(seq 1 "$seeds"); do
  t=$work/r$seed.pcapng
  "$gen" "$t" "$seed" 4000 || { check "seed $seed: generated" false; continue; }
  "$nvt" lint "$t" >"$work/lint$seed.txt" 2>&1; rc=$?
  check "seed $seed: lint exit $rc in {0,1}" in_set "$rc" 0 1
  "$nvt" index -q "$t" -o "$work/r$seed.db" 2>"$work/err"; rc=$?
  check "seed $seed: index exit $rc" test "$rc" -eq 0
  "$nvt" stats --json "$work/r$seed.db" >/dev/null 2>"$work/err"; rc=$?
  check "seed $seed: stats exit $rc" test "$rc" -eq 0
  "$nvt" diff "$t" "$work/r$(( seed == 1 ? 2 : seed - 1 )).pcapng" >/dev/null 2>"$work/err"; rc=$?
  [ "$seed" = 1 ] && rc=0 # its partner is written next round
  check "seed $seed: diff exit $rc in {0,1}" in_set "$rc" 0 1
  "$nvt" report "$work/r$seed.db" -o "$work/r$seed.html" 2>"$work/err"; rc=$?
  check "seed $seed: report exit $rc" test "$rc" -eq 0
  if [ -n "$browser" ] && [ "$seed" -le 3 ]; then
    profile=$(mktemp -d)
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
      --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
      --enable-logging=stderr --v=0 --dump-dom "file://$work/r$seed.html" >"$work/r$seed.dom" \
      2>"$work/r$seed.log"
    rm -rf "$profile"
    check "seed $seed: report rendered" grep -q 'data-rendered="yes"' "$work/r$seed.dom"
    check "seed $seed: no console message" test "$(grep -cE ':CONSOLE|Uncaught' "$work/r$seed.log")" -eq 0
    check "seed $seed: annotation text escaped" test "$(grep -c '<script>alert' "$work/r$seed.html")" -eq 0
  fi
done
done_tests
