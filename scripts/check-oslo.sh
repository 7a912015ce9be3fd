#!/usr/bin/env bash
# Checks every glance-api.conf and nova.conf that dcnc generates, for every good fixture and target,
# with the real oslo-config-validator of glance 33 / glance_store 5.7 / nova 34 (pinned venv) plus
# the value checks it does not make. See scripts/consumers/oslo/oslo_check.py.
# Usage: scripts/check-oslo.sh [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
"$ROOT/scripts/consumers/oslo/install.sh"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fail=0
checked=0
while read -r name target out; do
  if ! "$ROOT/scripts/consumers/oslo/oslo_check.py" "$out"; then
    echo "FAIL: $name/$target: glance-api.conf or nova.conf rejected" >&2
    fail=1
  fi
  checked=$((checked + 1))
done < <("$ROOT/scripts/fixture-trees.sh" "$WORK" "$DCNC")
echo "check-oslo: $checked trees checked, $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
