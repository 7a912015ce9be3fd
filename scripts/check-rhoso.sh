#!/usr/bin/env bash
# Checks the tree of every rhoso-18 fixture (scripts/fixture-trees.sh, platform rhoso) with what
# RHOSO's tooling would do with it:
#   - every script executable, `bash -n` and shellcheck clean; no cephx key in the tree;
#   - every custom resource of every kustomize directory against the real CRDs, unknown fields
#     failing, and every directory rendering with `kubectl kustomize` (consumers/rhoso/crd_check.py);
#   - every customServiceConfig and 03-ceph-nova.conf through oslo-config-validator of the
#     2023.1 services RHOSO 18.0 ships (consumers/rhoso/rhoso_oslo_check.py);
#   - the references between the files as the operators resolve them: the keystone endpoint, the
#     secrets each pod mounts and what the generated secrets.sh puts in them, each zone's Glance,
#     cluster and fsid (consumers/rhoso/tree_check.py);
#   - `dcnc targets` names the service versions and CRD commit these checks use.
# Then its self-test: broken copies of a tree (a misspelled CR field, an edge GlanceAPI given
# another edge's store and its cluster, a zone's Nova pointed at another zone's GlanceAPI) must fail.
# Usage: scripts/check-rhoso.sh [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
R="$ROOT/scripts/consumers/rhoso"
KUBECTL="$("$R/install.sh" | sed -n 's/^KUBECTL=//p')"
[ -x "$KUBECTL" ] || { echo "check-rhoso: no kubectl from $R/install.sh" >&2; exit 1; }
command -v shellcheck >/dev/null || { echo "check-rhoso: shellcheck is not installed (run .ci/run)" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fail=0
problem() { echo "FAIL: $*" >&2; fail=1; }

# The versions the table names are the ones the checks install and read.
"$DCNC" targets --format json >"$WORK/targets.json"
/usr/bin/python3 - "$WORK/targets.json" "$R/constraints-antelope.txt" "$ROOT/scripts/consumers/rhoso-crds/SOURCE.md" <<'PY' || fail=1
import json, re, sys
targets, pins, source = sys.argv[1:]
pinned = dict(l.strip().split('==', 1) for l in open(pins) if '==' in l and not l.startswith('#'))
norm = lambda n: re.sub(r'[-_.]+', '-', n).lower()
pinned = {norm(k): v for k, v in pinned.items()}
bad = 0
for t in json.load(open(targets)):
    ops = t.get('operators')
    if not ops:
        continue
    for pkg, ver in ops['services']:
        if pinned.get(norm(pkg)) != ver:
            print(f"FAIL: target {t['id']} names {pkg} {ver}, {pins} pins {pinned.get(norm(pkg))}")
            bad = 1
    if ops['crds'] not in open(source).read():
        print(f"FAIL: target {t['id']} names CRDs of {ops['crds']}, not the commit of {source}")
        bad = 1
sys.exit(bad)
PY

# check_tree NAME DIR: every check on one tree; 0 when it passes.
check_tree() {
  local name=$1 out=$2 rc=0 dirs=()
  while IFS= read -r -d '' s; do
    { [ -x "$s" ] && bash -n "$s" && shellcheck -x "$s"; } || { echo "FAIL: $name: ${s#"$out"/}: not executable, bash -n or shellcheck" >&2; rc=1; }
  done < <(find "$out" -name '*.sh' -print0)
  if grep -rqE 'AQ[A-Za-z0-9+/]{38}==' "$out"; then
    echo "FAIL: $name: cephx key material in the tree" >&2
    rc=1
  fi
  while IFS= read -r k; do dirs+=("$(dirname "$k")"); done < <(find "$out/rhoso" -name kustomization.yaml | sort)
  "$R/crd_check.py" --kubectl "$KUBECTL" "${dirs[@]}" || rc=1
  "$R/rhoso_oslo_check.py" "$out" || rc=1
  /usr/bin/python3 "$R/tree_check.py" --kubectl "$KUBECTL" "$out" || rc=1
  return "$rc"
}

checked=0
first=""
while read -r name target out; do
  check_tree "$name/$target" "$out" || problem "$name/$target: rejected (see above)"
  checked=$((checked + 1))
  [ -n "$first" ] || first=$out
done < <("$ROOT/scripts/fixture-trees.sh" "$WORK/trees" "$DCNC" rhoso)
[ "$checked" -ge 2 ] || problem "only $checked rhoso-18 fixture trees (the seed's three sites and five edges, at least)"

# Self-test: each broken copy must fail, with its message.
# broken NAME WANT CHECK PYTHON: a copy of the first tree, edited by PYTHON (cwd: its rhoso/), must
# fail CHECK (crd: crd_check.py on control-plane-dcn/; tree: tree_check.py) with WANT.
broken() {
  local t="$WORK/broken-$1" log="$WORK/broken-$1.log" cmd
  cp -r "$first" "$t"
  (cd "$t/rhoso" && /usr/bin/python3 -c "$4")
  case $3 in
    crd) cmd=("$R/crd_check.py" --kubectl "$KUBECTL" "$t/rhoso/control-plane-dcn") ;;
    tree) cmd=(/usr/bin/python3 "$R/tree_check.py" --kubectl "$KUBECTL" "$t") ;;
  esac
  if "${cmd[@]}" >"$log" 2>&1; then
    problem "self-test $1: the broken tree passed"
  elif ! grep -qF -- "$2" "$log"; then
    problem "self-test $1: failed, but without '$2'"; sed 's/^/     | /' "$log" >&2
  else
    echo "ok   self-test $1: fails with '$2'"
  fi
}
if [ -n "$first" ]; then
  broken misspelled-field "Additional properties are not allowed ('propagaton' was unexpected)" crd '
p = "control-plane-dcn/control-plane-dcn.yaml"
s = open(p).read(); open(p, "w").write(s.replace("- propagation:", "- propagaton:", 1))'
  broken foreign-store "has another edge's store(s)" tree '
import re
p = "control-plane-dcn/control-plane-dcn.yaml"
s = open(p).read()
apis = re.findall(r"^ +enabled_backends = (\w+):rbd,\w+:rbd$", s, re.M)
first, last = apis[0], apis[-1]
s = s.replace("enabled_backends = %s:rbd," % last, "enabled_backends = %s:rbd,%s:rbd," % (last, first), 1)
s = s.replace("            [glance_store]\n            default_backend = %s\n" % last,
              "            [glance_store]\n            default_backend = %s\n\n            [%s]\n            rbd_store_ceph_conf = /etc/ceph/%s.conf\n" % (last, first, first), 1)
open(p, "w").write(s)
q = "secrets.sh"
t = open(q).read()
t = re.sub(r"^(secret ceph-conf-files-%s .*)$" % last, r"\1 " + first, t, flags=re.M)
open(q, "w").write(t)'
  broken other-zone-glance "endpoint_override is not" tree '
import glob, re
p = sorted(glob.glob("sites/*/services/site-services.yaml"))[-1]
s = open(p).read()
open(p, "w").write(re.sub(r"glance-[a-z0-9-]+-internal", "glance-elsewhere-internal", s, count=1))'
fi
echo "check-rhoso: $checked trees checked, $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
