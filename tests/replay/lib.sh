# Helpers shared by the replay shell tests (sourced). They count checks in pass/fail and keep
# the last command's output in $tmp/out and $tmp/err; the caller sets tmp.
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_rc() { # expect_rc RC CMD...
  local want=$1
  shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok; else
    bad "$* exited $rc, expected $want: $(head -c 800 "$tmp/out") $(head -c 600 "$tmp/err")"; fi
}
expect_grep() { # expect_grep FIXED-STRING FILE
  if grep -qF -- "$1" "$2"; then ok; else bad "'$1' not in $2: $(head -c 1500 "$2")"; fi
}
finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
