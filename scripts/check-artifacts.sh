#!/usr/bin/env bash
# Builds every good fixture for every target it names and checks the generated files with the
# tools that will read them: shellcheck and `bash -n` for scripts, Ceph's own parser for client
# confs (fsid and mon host must equal the spec's), and "no cephx key in the tree".
# Usage: scripts/check-artifacts.sh [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DCNC="${1:-$ROOT/target/debug/dcnc}"
for tool in shellcheck ceph-conf /usr/bin/python3 "$DCNC"; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool is not installed (run .ci/run, which installs it)" >&2
    exit 1
  fi
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
fail=0
checked=0
problem() {
  echo "FAIL: $*" >&2
  fail=$((fail + 1))
}

while read -r name target out; do
    spec="$ROOT/fixtures/$name.yaml"
    while IFS= read -r -d '' script; do
      rel="${script#"$out"/}"
      [ -x "$script" ] || problem "$name/$target: $rel is not executable"
      bash -n "$script" || problem "$name/$target: $rel: bash -n fails"
      shellcheck "$script" || problem "$name/$target: $rel: shellcheck fails"
      checked=$((checked + 1))
    done < <(find "$out" -name '*.sh' -print0)
    # cluster fsid mons, as the spec states them (defaults: central, and the edge's name)
    while read -r cluster want_fsid want_mons; do
      conf="$out/ceph/$cluster.conf"
      if [ ! -f "$conf" ]; then
        problem "$name/$target: no ceph/$cluster.conf"
        continue
      fi
      got_fsid="$(ceph-conf -c "$conf" --lookup fsid)" || problem "$name/$target: ceph-conf cannot read ceph/$cluster.conf"
      [ "$got_fsid" = "$want_fsid" ] || problem "$name/$target: ceph/$cluster.conf fsid '$got_fsid', spec says '$want_fsid'"
      got_mons="$(ceph-conf -c "$conf" --lookup mon_host)" || problem "$name/$target: no mon_host in ceph/$cluster.conf"
      [ "$got_mons" = "$want_mons" ] || problem "$name/$target: ceph/$cluster.conf mon_host '$got_mons', spec says '$want_mons'"
      checked=$((checked + 1))
    done < <(/usr/bin/python3 - "$spec" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
c = spec["central"]
print(c.get("cluster", "central"), c["fsid"], ",".join(c["mons"]))
for e in spec.get("edges", []):
    print(e.get("cluster", e["name"]), e["fsid"], ",".join(e["mons"]))
PY
)
    if grep -rqE 'key *= *AQ[A-Za-z0-9+/]{20,}' "$out"; then
      problem "$name/$target: a cephx key landed in the generated tree"
    fi
done < <("$ROOT/scripts/fixture-trees.sh" "$WORK" "$DCNC")

echo "check-artifacts: $checked files checked, $fail problems"
[ "$fail" = 0 ]
