#!/usr/bin/env bash
# A real QEMU of one release line boots the test guest under `nvmetrace capture`; the trace
# must hold what QEMU's own log holds, and a broken log must make capture fail, naming the
# problem. Exit 77 (ctest SKIP_RETURN_CODE) only when that QEMU or the guest cannot be had.
#
# usage: test_real_qemu.sh LINE CASE NVMETRACE WORKDIR
#   LINE   7.2   Debian 12's qemu-system-x86_64 (installed)
#          10.0  bookworm-backports' 10.0.x, unpacked by scripts/qemu/fetch-qemu.sh (scripts/test.sh
#                fetches it before ctest; this test only looks in the cache)
#          10.2  QEMU 10.2 built from Debian sid's source (scripts/qemu/build-qemu.sh --qemu 10.2
#                tap; run without nvmetrace= it records nothing itself): the 10.1+ log form
#   CASE   boot      the guest boots, works and powers off: capture exits 0; SUB records of
#                    SQ 0 = pci_nvme_admin_cmd lines, of other SQs = pci_nvme_io_cmd lines,
#                    CPL records = pci_nvme_enqueue_req_completion lines of the raw log (--log);
#                    no importer warnings; the device names the QEMU version
#          cut       every 50th log line cut to 30 bytes on its way to capture: exit 1,
#                    "lines are malformed" and "cut short" in the message
#          reformat  the completion event prints "cq" for "cqid" (a changed format): exit 1,
#                    the message names pci_nvme_enqueue_req_completion and its format
#          die       QEMU is killed with SIGSEGV once the guest's first I/O command is in its
#                    log: exit 139, "QEMU was ended by
#                    signal 11" in the message, the trace readable and holding the commands
#                    logged before
# The broken cases put a real QEMU behind a wrapper that passes its -D log through sed (or
# kills it): capture and the importer see exactly what a broken QEMU would give them.
set -uo pipefail
line=$1 case=$2 nvt=$3 work=$4
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
fail=0
check() { # check DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then echo "ok: $d"; else echo "FAILED: $d" >&2; fail=1; fi
}

case $line in
  7.2)
    qemu=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 is not installed"
    "$qemu" --version | grep -q 'version 7\.2\.' || skip "the installed QEMU is not 7.2: $("$qemu" --version | head -n1)"
    ;;
  10.0)
    qemu=$("$root/scripts/qemu/fetch-qemu.sh" --check --wrapper bookworm-backports) ||
      skip "QEMU 10.0 from bookworm-backports is not unpacked (scripts/qemu/fetch-qemu.sh bookworm-backports)"
    ;;
  10.2)
    qemu=$("$root/scripts/qemu/build-qemu.sh" --check --qemu 10.2 tap 2>/dev/null) ||
      skip "no QEMU 10.2 build (scripts/qemu/build-qemu.sh --qemu 10.2 tap)"
    ;;
  *) echo "test_real_qemu: unknown line $line" >&2; exit 2 ;;
esac
"$qemu" --version | grep -q "version ${line//./\\.}\." || {
  echo "FAILED: $qemu is not QEMU $line: $("$qemu" --version | head -n1)" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
mapfile -t args < <("$root/scripts/guest/qemu-cmd.sh" --workdir "$work"; echo "status=$?")
status=${args[-1]#status=}
unset 'args[-1]'
[ "$status" != 2 ] || skip "QEMU or a guest kernel is not installed (scripts/install-deps.sh)"
[ "$status" = 0 ] || { echo "test_real_qemu: qemu-cmd.sh failed ($status)" >&2; exit 1; }
args[0]=$qemu

# The wrapper capture runs as QEMU for the broken cases: QEMU's log goes through a FIFO of
# its own and sed, then to capture's FIFO; the wrapper exits when both are done, with QEMU's
# status (or dies of QEMU's signal), so capture sees everything sed passed on.
if [ "$case" != boot ]; then
  wrap=$work/qemu-wrapper.sh
  case $case in
    cut) filter='0~50s/^\(.\{30\}\).*/\1/'; stop=TERM ;;
    reformat) filter='s/\(pci_nvme_enqueue_req_completion cid [0-9]*\) cqid /\1 cq /'; stop=TERM ;;
    die) filter=''; stop=SEGV ;;
    *) echo "test_real_qemu: unknown case $case" >&2; exit 2 ;;
  esac
  cat >"$wrap" <<EOF
#!/usr/bin/env bash
[ "\$1" = --version ] && exec "$qemu" --version
n=\$#
log=\${!n}                          # capture appends "-D FIFO" last
set -- "\${@:1:\$((n - 2))}"
inner=$work/inner.fifo
rm -f "\$inner" && mkfifo "\$inner"
sed -u '$filter' <"\$inner" | tee "$work/passed.log" >"\$log" &
filter=\$!
"$qemu" "\$@" -D "\$inner" &
qemu=\$!
if [ $stop = SEGV ]; then
  # die: QEMU "crashes" once the guest's first I/O command is in the log (the middle of the
  # boot, whatever the machine's speed), or after 120 s
  ( for _ in \$(seq 2400); do
      grep -q pci_nvme_io_cmd "$work/passed.log" 2>/dev/null && break
      sleep 0.05; kill -0 \$qemu 2>/dev/null || exit 0
    done
    kill -SEGV \$qemu 2>/dev/null ) &
else
  # stop QEMU after 12 s (it would boot on for a minute), unless it is gone already
  ( for _ in \$(seq 120); do sleep 0.1; kill -0 \$qemu 2>/dev/null || exit 0; done
    kill -$stop \$qemu 2>/dev/null ) &
fi
wait \$qemu
st=\$?
wait \$filter
rm -f "\$inner"
if [ \$st -gt 128 ]; then trap - \$((st - 128)); kill -\$((st - 128)) \$\$; fi
exit \$st
EOF
  chmod +x "$wrap"
  args[0]=$wrap
fi

trace=$work/trace.pcapng.zst
raw=$work/qemu.log
echo "+ $nvt capture -o $trace --log $raw -- ${args[*]}"
start=$(date +%s)
timeout -s KILL 300 "$nvt" capture -q -o "$trace" --log "$raw" -- "${args[@]}" \
  </dev/null >"$work/console.txt" 2>"$work/stderr.txt"
status=$?
echo "capture exited with $status after $(( $(date +%s) - start )) s"
sed 's/^/  stderr: /' "$work/stderr.txt" | grep -v 'failed to initialize module\|Only modules from'
"$nvt" info "$trace" >"$work/info.txt" 2>&1
info=$?

# count_raw NAME: lines of event NAME in the raw log, either prefix form
count_raw() { grep -cE "(^[0-9]+@[0-9]+\.[0-9]+:|^[0-9T:.-]+Z )$1 " "$raw"; }

case $case in
  boot)
    check "capture exits 0" [ "$status" = 0 ]
    check "the guest finished its workload" grep -q "nvt-guest: powering off" "$work/console.txt"
    check "info reads the trace" [ "$info" = 0 ]
    admin=$(count_raw pci_nvme_admin_cmd) io=$(count_raw pci_nvme_io_cmd)
    cpl=$(count_raw pci_nvme_enqueue_req_completion)
    "$nvt" dump -t SUB "$trace" >"$work/sub.txt"
    "$nvt" dump -t CPL "$trace" >"$work/cpl.txt"
    sub_admin=$(grep -c ' SQ=0 ' "$work/sub.txt") sub_io=$(grep -vc ' SQ=0 ' "$work/sub.txt")
    echo "raw log: $admin admin, $io I/O commands, $cpl completions;" \
         "trace: $sub_admin admin, $sub_io I/O SUB, $(wc -l <"$work/cpl.txt") CPL"
    check "admin commands: SUB on SQ 0 = pci_nvme_admin_cmd lines ($admin)" [ "$sub_admin" = "$admin" ]
    check "I/O commands: SUB on other SQs = pci_nvme_io_cmd lines ($io)" [ "$sub_io" = "$io" ]
    check "the guest's I/O is there" [ "$io" -gt 0 ]
    check "completions: CPL = pci_nvme_enqueue_req_completion lines ($cpl)" \
      [ "$(wc -l <"$work/cpl.txt")" = "$cpl" ]
    check "no importer warnings" grep -q "importer warnings 0" "$work/info.txt"
    ver=$("$qemu" --version | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')
    check "the device names QEMU $ver" grep -q "nvme 1b36:0010 class 010802 (QEMU $ver" "$work/info.txt"
    ;;
  cut)
    check "capture exits 1" [ "$status" = 1 ]
    check "the message says lines are malformed" grep -q "lines are malformed" "$work/stderr.txt"
    check "the message says a line was cut short" grep -q "cut short" "$work/stderr.txt"
    check "the trace is kept for inspection" [ "$info" = 0 ]
    ;;
  reformat)
    check "capture exits 1" [ "$status" = 1 ]
    check "the message names the event and its format" grep -q \
      "arguments of pci_nvme_enqueue_req_completion do not have QEMU's format \"cid %u cqid %u" \
      "$work/stderr.txt"
    ;;
  die)
    check "capture exits 139 (QEMU's SIGSEGV)" [ "$status" = 139 ]
    check "the message names the signal" grep -q "QEMU was ended by signal 11" "$work/stderr.txt"
    check "the trace is readable" [ "$info" = 0 ]
    check "the trace holds the commands logged before" \
      [ "$("$nvt" dump -t SUB "$trace" | wc -l)" -gt 0 ]
    ;;
esac
exit $fail
