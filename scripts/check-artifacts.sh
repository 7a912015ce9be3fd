#!/usr/bin/env bash
# Runs scripts/check-tree.sh (shellcheck, bash -n, ceph-conf, no keys) over the tree of every good
# fixture for every target it names.
# Usage: scripts/check-artifacts.sh [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fail=0
checked=0
while read -r name target out; do
  if report="$("$ROOT/scripts/check-tree.sh" "$ROOT/fixtures/$name.yaml" "$out" 2>&1)"; then :; else
    fail=1
    printf "%s\n" "${report//FAIL: /FAIL: $name/$target: }" >&2
  fi
  checked=$((checked + $(sed -n 's/^files-checked //p' <<<"$report")))
done < <("$ROOT/scripts/fixture-trees.sh" "$WORK" "$DCNC")
echo "check-artifacts: $checked files checked, $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
