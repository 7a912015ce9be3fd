#!/usr/bin/env bash
# Verifies dcnc's release-target tables (`dcnc targets --format json`) against the real
# tripleo-heat-templates release each target names: every environment file exists, every role
# exists, and a role is marked as running an edge glance exactly when THT gives it GlanceApiEdge.
# Usage: scripts/check-targets.sh [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DCNC="${1:-$ROOT/target/debug/dcnc}"
FETCH="$ROOT/scripts/consumers/fetch-tht.sh"
PY="$("$FETCH" --python)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$DCNC" targets --format json >"$WORK/targets.json"
fail=0
while read -r id version; do
  tht="$("$FETCH" "$version")"
  "$PY" "$ROOT/scripts/consumers/tht_check.py" --tht "$tht" --dump-index >"$WORK/index.json"
  if ! "$PY" - "$WORK/targets.json" "$id" "$tht" "$WORK/index.json" <<'PY'; then
import json, os, sys
targets, target_id, tht, index = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
t = next(t for t in json.load(open(targets)) if t["id"] == target_id)
roles = json.load(open(index))["roles"]
problems = []
for f in t["central_environments"] + t["edge_environments"]:
    if not os.path.isfile(os.path.join(tht, f)):
        problems.append(f"{f}: no such environment file")
for r in t["roles"]:
    if r["name"] not in roles:
        problems.append(f"role {r['name']}: no such role")
        continue
    has = "GlanceApiEdge" in roles[r["name"]]["services"]
    if has != r["edge_glance"]:
        problems.append(f"role {r['name']}: table says edge_glance={r['edge_glance']}, THT says GlanceApiEdge {'is' if has else 'is not'} among its services")
for p in problems:
    print(f"FAIL: target {target_id} (tripleo-heat-templates {t['tht_version']}): {p}")
print(f"target {target_id}: {len(t['central_environments']) + len(t['edge_environments'])} environment files, {len(t['roles'])} roles: {'ok' if not problems else 'FAILED'}")
sys.exit(1 if problems else 0)
PY
    fail=1
  fi
done < <("$PY" -c 'import json,sys; [print(t["id"], t["tht_version"]) for t in json.load(open(sys.argv[1]))]' "$WORK/targets.json")
echo "check-targets: $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
