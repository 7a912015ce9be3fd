# Shared by the consumer checkers' own tests (test_tht_check.sh, test_baremetal_check.sh); source
# it after setting CHECKER (the checker command, an array) and, optionally, CHECK_DIR (where it
# runs; default: the current directory). Provides die, now, since, TMP (removed on exit), the
# pass/fail counters, check, and finish, which prints "N passed, N failed" and sets the status.
# shellcheck shell=bash

die() { echo "$(basename "$0"): FATAL: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
nok() {
  fail=$((fail + 1))
  echo "FAIL $1"
  sed 's/^/     | /' "$TMP/out"
}

# check NAME WANT_RC [FIXED_STRING...] -- CHECKER_ARGS...: runs "${CHECKER[@]}" CHECKER_ARGS in
# CHECK_DIR; it must exit WANT_RC and print every FIXED_STRING.
check() {
  local name="$1" want="$2"
  shift 2
  local pats=()
  while [[ "$1" != "--" ]]; do pats+=("$1"); shift; done
  shift
  local rc=0
  (cd "${CHECK_DIR:-.}" && "${CHECKER[@]}" "$@") >"$TMP/out" 2>&1 || rc=$?
  if [[ "$rc" -ne "$want" ]]; then
    nok "$name (exit $rc, want $want)"
    return 0
  fi
  local p
  for p in "${pats[@]}"; do
    if ! grep -qF -- "$p" "$TMP/out"; then
      nok "$name (no output line contains: $p)"
      return 0
    fi
  done
  ok "$name"
}

finish() {
  echo "$pass passed, $fail failed"
  [[ "$fail" -eq 0 ]]
}
