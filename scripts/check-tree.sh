#!/usr/bin/env bash
# Checks one generated tree against its spec with the tools that will read the files: every
# script is executable and passes `bash -n` and shellcheck; Ceph's own parser reads every client
# conf and finds exactly the spec's fsid and mon host; no cephx key is in the tree.
# Prints one `FAIL: file: why` line per problem and `files-checked N`; exits 1 on any problem.
# Usage: scripts/check-tree.sh SPEC TREE
set -euo pipefail

SPEC="${1:?usage: check-tree.sh SPEC TREE}"
TREE="${2:?usage: check-tree.sh SPEC TREE}"
for tool in shellcheck ceph-conf /usr/bin/python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool is not installed (run .ci/run, which installs it)" >&2
    exit 1
  fi
done

fail=0
checked=0
problem() {
  echo "FAIL: $*" >&2
  fail=1
}

while IFS= read -r -d '' script; do
  rel="${script#"$TREE"/}"
  [ -x "$script" ] || problem "$rel: not executable"
  bash -n "$script" || problem "$rel: bash -n fails"
  shellcheck "$script" || problem "$rel: shellcheck fails"
  checked=$((checked + 1))
done < <(find "$TREE" -name '*.sh' -print0)

# cluster fsid mons, as the spec states them (defaults: `central`, and each edge's name)
while read -r cluster want_fsid want_mons; do
  conf="$TREE/ceph/$cluster.conf"
  if [ ! -f "$conf" ]; then
    problem "ceph/$cluster.conf: missing"
    continue
  fi
  got_fsid="$(ceph-conf -c "$conf" --lookup fsid)" || problem "ceph/$cluster.conf: ceph-conf finds no fsid"
  [ "${got_fsid:-}" = "$want_fsid" ] || problem "ceph/$cluster.conf: fsid '${got_fsid:-}', the spec says '$want_fsid'"
  got_mons="$(ceph-conf -c "$conf" --lookup mon_host)" || problem "ceph/$cluster.conf: ceph-conf finds no mon_host"
  [ "${got_mons:-}" = "$want_mons" ] || problem "ceph/$cluster.conf: mon_host '${got_mons:-}', the spec says '$want_mons'"
  checked=$((checked + 1))
done < <(/usr/bin/python3 - "$SPEC" <<'PY'
import sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
c = spec["central"]
print(c.get("cluster", "central"), c["fsid"], ",".join(c["mons"]))
for e in spec.get("edges", []):
    print(e.get("cluster", e["name"]), e["fsid"], ",".join(e["mons"]))
PY
)

if grep -rlE 'key *= *AQ[A-Za-z0-9+/]{20,}' "$TREE" >/dev/null; then
  problem "$(grep -rlE 'key *= *AQ[A-Za-z0-9+/]{20,}' "$TREE" | head -1): holds a cephx key"
fi
echo "files-checked $checked"
[ "$fail" = 0 ]
