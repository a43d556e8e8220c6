#!/usr/bin/env bash
# One of the project's sample traces (recorded on QEMU 7.2) through samples/ci/replay-all.sh,
# the CI recipe, against the installed QEMU: on another QEMU line the sample is first rewritten
# to that line's known differences from the QEMU table (tests/replay/qemu_line_trace.c), so the
# replay compares everything the two lines share, and the test prints what was rewritten.
# usage: test_sample_line.sh LINE_TOOL NVMETRACE CONFIG_DIR TRACE [-- REPLAY-OPTION...]
set -u
tool=$1 nvt=$2 config=$3 trace=$4
shift 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/line_traces.sh"
name=$(basename "$trace")
line_copy "$tool" "$trace" "$tmp/$name" || exit 1
for side in "$trace".*; do # a .expect or .replay-args beside the sample goes with it
  [ -e "$side" ] && cp "$side" "$tmp/"
done
exec "$(dirname "$0")/../../samples/ci/replay-all.sh" --nvmetrace "$nvt" --config-dir "$config" \
  "$tmp/$name" "$@"
