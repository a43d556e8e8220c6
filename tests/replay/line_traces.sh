# Sourced by replay tests: traces recorded on one QEMU line, replayed into the installed QEMU.
# line_copy TOOL SRC DST [FROM_VERSION]: DST is SRC rewritten to the installed QEMU's known differences from
# the QEMU table (nvt-qemu-line-trace; a plain copy when both are on the same line). The tool's
# line, saying what was rewritten and so not compared as recorded, goes to stdout.
line_copy() {
  local tool=$1 from=$2 to=$3 banner rec=()
  [ $# -ge 4 ] && rec=(--from "$4")
  banner=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)
  if [ -z "$banner" ]; then
    cp "$from" "$to" # no QEMU: the replay itself reports it
    return 0
  fi
  "$tool" "$from" "$to" --to "$banner" "${rec[@]}"
}
