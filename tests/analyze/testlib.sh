# Sourced by the analyze shell tests: check DESCRIPTION COMMAND... counts a pass or a failure,
# done prints "N passed, N failed" and sets the exit status.
pass=0 fail=0
check() {
  local what=$1; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $what" >&2; fi
}
done_tests() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
