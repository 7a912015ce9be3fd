#!/usr/bin/env bash
# Shows that scripts/check-tree.sh catches broken artifacts: a wrong fsid, a mon host that is not
# the spec's, a script shellcheck rejects, a script that lost its execute bit, and a key in the
# tree each make it fail with a message naming the file.
# Usage: scripts/test-check-tree.sh [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
SPEC="$ROOT/fixtures/seed-multistore.yaml"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

fresh() {
  rm -rf "$WORK/t"
  "$DCNC" build "$SPEC" -o "$WORK/t" --target ussuri-poc 2>/dev/null
}

# expect_fail WHAT PATTERN: check-tree.sh must fail and print PATTERN.
expect_fail() {
  local out
  if out="$("$ROOT/scripts/check-tree.sh" "$SPEC" "$WORK/t" 2>&1)"; then
    echo "FAIL: $1: check-tree.sh passed"
    failed=$((failed + 1))
  elif grep -q -- "$2" <<<"$out"; then
    echo "PASS: $1"
    passed=$((passed + 1))
  else
    echo "FAIL: $1: no '$2' in: $out"
    failed=$((failed + 1))
  fi
}

fresh
if "$ROOT/scripts/check-tree.sh" "$SPEC" "$WORK/t" >/dev/null 2>&1; then
  echo "PASS: clean tree"
  passed=$((passed + 1))
else
  echo "FAIL: clean tree rejected"
  failed=$((failed + 1))
fi

fresh
sed -i 's/^fsid = 7b0d/fsid = 0b0d/' "$WORK/t/ceph/dcn0.conf"
expect_fail "wrong fsid" "ceph/dcn0.conf: fsid '0b0d"

fresh
sed -i 's/^mon host = .*/mon host = 10.9.9.9/' "$WORK/t/ceph/dcn1.conf"
expect_fail "wrong mon host" "ceph/dcn1.conf: mon_host '10.9.9.9'"

fresh
sed -i 's/^fsid =/fsid/' "$WORK/t/ceph/central.conf"
expect_fail "conf Ceph cannot parse" "ceph/central.conf"

fresh
# shellcheck disable=SC2016 # the broken line is meant literally
printf 'echo $UNQUOTED_VAR\n' >>"$WORK/t/stacks/dcn0/deploy.sh"
expect_fail "shellcheck finding" "stacks/dcn0/deploy.sh: shellcheck fails"

fresh
chmod -x "$WORK/t/deploy-all.sh"
expect_fail "not executable" "deploy-all.sh: not executable"

fresh
printf '[client.x]\n  key = AQBkZXN0a2V5MTIzNDU2Nzg5MGFiY2RlZmdoaWprbA==\n' >"$WORK/t/ceph/leak.keyring"
expect_fail "key in the tree" "holds a cephx key"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
