#!/usr/bin/env bash
# The whole nvmetrace test suite, from a fresh Debian 12 or 13 machine:
#   1. installs the dependencies (scripts/install-deps.sh, idempotent),
#   2. builds and runs every test (ctest) in a normal build,
#   3. builds and runs them again under AddressSanitizer + UndefinedBehaviorSanitizer,
#   4. builds the libFuzzer targets with clang and fuzzes each for NVT_FUZZ_SECONDS (default 60),
#   5. runs steps 1-4 again inside a fresh root of each Debian release in NVT_TEST_ROOTS
#      (default "trixie" on a Debian 12 host, none elsewhere; scripts/debian-root.sh), so CI
#      covers Debian 12 and 13 in one run.
# NVT_TEST_SUITES (default "normal sanitizers fuzz") picks the builds here, NVT_ROOT_SUITES
# (same default) in the roots: the whole suite on each release (clang 19 and gcc 14 on trixie).
# Build trees go to build/ (or $NVT_BUILD_ROOT). Ends with "N passed, N failed, N skipped" over all runs,
# the roots' included.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${NVT_BUILD_ROOT:-build}
jobs=$(nproc)
fuzz_seconds=${NVT_FUZZ_SECONDS:-60}
export NVT_FUZZ_SECONDS=$fuzz_seconds
# Inside a root (NVT_IN_DEBIAN_ROOT, set by debian-root.sh) there is no further root to run.
if [ -n "${NVT_IN_DEBIAN_ROOT:-}" ]; then
  roots=""
elif [ -n "${NVT_TEST_ROOTS+set}" ]; then
  roots=$NVT_TEST_ROOTS
elif [ "$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")" = bookworm ]; then
  roots=trixie
else
  roots=""
fi
suite_start=$(date +%s)

scripts/install-deps.sh

# QEMU builds the replay and full-fidelity tests use, from Debian's QEMU source, cached in
# ~/.cache/nvmetrace/qemu (instant when cached; ~15 minutes on 2 cores from scratch for the
# 7.2 ones): the qtest accelerator module Debian leaves out, QEMU with the issue #362 fix
# reverted (a real NVMe crash to replay and minimize), and QEMU patched to record through
# libnvmetap; then QEMU 10.2 (Debian sid's source) with the 10.2 tap patch, which is also the
# 10.2 QEMU the replay tests run untraced (docs/performance.md: build times). Tests that need
# a build that failed skip (ctest "Not Run"/skipped), and the failure is repeated below.
# Inside a root (NVT_IN_DEBIAN_ROOT) only the release's own QEMU is built (its qtest module;
# the crash and tap builds where its line has a patch): other QEMU lines, bookworm-backports'
# 10.0 and the crash replay are the host's part, and a cold root must stay inside CI's time.
builds=("qtest-module" "crash pmrctl-no-pmr" "tap" "--qemu 10.2 tap")
[ -z "${NVT_IN_DEBIAN_ROOT:-}" ] || builds=("qtest-module" "tap")
qemu_failed=()
for what in "${builds[@]}"; do
  echo "=== QEMU build: $what ==="
  # shellcheck disable=SC2086
  if ! scripts/qemu/build-qemu.sh $what; then
    qemu_failed+=("$what")
    echo "WARNING: scripts/qemu/build-qemu.sh $what failed; its tests will be skipped" >&2
  fi
done
# QEMU 10.0 from bookworm-backports, unpacked (a few seconds; cached): the import.qemu_10.0
# tests boot the guest under it, and skip if it cannot be had.
if [ -z "${NVT_IN_DEBIAN_ROOT:-}" ]; then
  echo "=== QEMU 10.0 (bookworm-backports) ==="
  scripts/qemu/fetch-qemu.sh bookworm-backports >/dev/null ||
    { qemu_failed+=("fetch-qemu bookworm-backports"); echo "WARNING: fetch-qemu.sh failed; the QEMU 10.0 tests will be skipped" >&2; }
fi

# Newer Wireshark SDKs' headers (Debian trixie: 4.4, sid: 4.6) for dissector.sdk_compat, cached in
# ~/.cache/nvmetrace/wireshark-sdk (seconds). Without one the test skips; without both it fails.
for suite in trixie sid; do
  echo "=== Wireshark SDK: $suite ==="
  scripts/wireshark/fetch-sdk.sh "$suite" ||
    echo "WARNING: scripts/wireshark/fetch-sdk.sh $suite failed; dissector.sdk_compat will not pass" >&2
done

total_pass=0
total_fail=0
total_skip=0
failed_runs=()

# run_suite NAME BUILD_DIR CTEST_ARGS... : runs ctest, adds its counts to the totals.
run_suite() {
  local name=$1 dir=$2
  shift 2
  local log="$dir/ctest.log"
  echo "=== $name: ctest $* (at $(( $(date +%s) - suite_start )) s) ==="
  set +e
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  local line pass fail skip
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  # ctest counts a skipped test (SKIP_RETURN_CODE) as passed; it lists it under "The following
  # tests did not run:" as "NN - NAME (Skipped)": counted apart, a skip is not a pass.
  skip=$(grep -cE '^[[:space:]]+[0-9]+ - .* \(Skipped\)$' "$log" || true)
  if [ -n "$line" ]; then
    fail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    pass=$(( $(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line") - fail - skip ))
  else
    pass=0
    fail=1
  fi
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  total_skip=$((total_skip + skip))
  [ "$rc" -eq 0 ] || failed_runs+=("$name")
}

# NVT_TEST_SUITES: which of the three builds run (default all: "normal sanitizers fuzz").
suites=" ${NVT_TEST_SUITES:-normal sanitizers fuzz} "
wants() { [[ "$suites" == *" $1 "* ]]; }

if wants normal; then
echo "=== build: normal ==="
cmake -S . -B "$root/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$root/release" -j"$jobs"
run_suite normal "$root/release"
fi

if wants sanitizers; then
echo "=== build: ASan + UBSan ==="
# The Wireshark plugin is left out here: tshark is not built with ASan and cannot load an
# instrumented plugin. It is tested in the normal build.
cmake -S . -B "$root/asan" -DCMAKE_BUILD_TYPE=Debug -DNVT_SANITIZE=ON -DNVT_BUILD_DISSECTOR=OFF \
  -DNVT_BUILD_BENCH=ON
cmake --build "$root/asan" -j"$jobs"
# The real-QEMU boots of the other QEMU lines (10.0, 10.2) run in the normal build only: under
# ASan they would test the same importer and tap code paths again (import_qemu_lines covers
# every line's log forms under ASan) at a guest boot of 40-70 s each.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite sanitizers "$root/asan" -E '^(import\.qemu_10\.[0-9]+|guest\.tap\.10\.[0-9]+|replay\.qemu_10\.[0-9]+_[a-z]+)\.?'

fi

if wants fuzz; then
echo "=== build: libFuzzer (clang) ==="
CC=clang cmake -S . -B "$root/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNVT_BUILD_FUZZ=ON \
  -DNVT_BUILD_DISSECTOR=OFF -DNVT_GUEST_TESTS=OFF -DNVT_BUILD_BENCH=OFF \
  -DNVT_FUZZ_SECONDS="$fuzz_seconds"
cmake --build "$root/fuzz" -j"$jobs"
run_suite fuzz "$root/fuzz" -R '^fuzz\.[a-z_]+$'
fi

# ---- the same suite inside a fresh root of each release in $roots ----
for r in $roots; do
  echo "=== Debian root: $r (scripts/debian-root.sh $r -- ./scripts/test.sh) ==="
  rlog=$root/root-$r.log
  mkdir -p "$root"
  rstart=$(date +%s)
  set +e
  NVT_TEST_SUITES=${NVT_ROOT_SUITES:-normal sanitizers fuzz} scripts/debian-root.sh "$r" -- ./scripts/test.sh 2>&1 |
    tee "$rlog"
  rc=${PIPESTATUS[0]}
  set -e
  echo "=== Debian root $r: exit $rc after $(( $(date +%s) - rstart )) s ==="
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$rlog" | tail -n 1 || true)
  if [ -n "$line" ]; then
    read -r rpass _ rfail _ rskip _ <<<"${line//,/}"
    total_pass=$((total_pass + rpass))
    total_fail=$((total_fail + rfail))
    total_skip=$((total_skip + rskip))
  else
    total_fail=$((total_fail + 1)) # the root's run never got to its count: unknown is not zero
  fi
  [ "$rc" -eq 0 ] || failed_runs+=("$r")
done

echo
echo "test.sh: $(( $(date +%s) - suite_start )) s${roots:+ (roots: $roots)}"
if [ ${#qemu_failed[@]} -gt 0 ]; then
  echo "QEMU builds that failed (their tests were skipped): ${qemu_failed[*]}"
fi
if [ ${#failed_runs[@]} -eq 0 ]; then
  echo "all suites passed"
else
  echo "failed suites: ${failed_runs[*]}"
fi
echo "${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
[ ${#failed_runs[@]} -eq 0 ]
