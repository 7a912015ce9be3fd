#!/usr/bin/env bash
# Builds every good fixture (fixtures/*.yaml) for every target its `# dcnc-test: targets=` header
# names whose platform is PLATFORM (`dcnc targets --format json`; default tripleo), into
# OUTROOT/<fixture>-<target>, and prints one `fixture target dir` line per tree.
# The consumer checks (check-artifacts.sh, check-tht.sh, check-oslo.sh...; check-rhoso.sh with
# PLATFORM rhoso) read these lines.
# Usage: scripts/fixture-trees.sh OUTROOT [DCNC_BINARY [PLATFORM]]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
OUTROOT="${1:?usage: fixture-trees.sh OUTROOT [DCNC_BINARY [PLATFORM]]}"
DCNC="${2:-$(dcnc_default_bin "$ROOT")}"
PLATFORM="${3:-tripleo}"
if [ ! -x "$DCNC" ]; then
  echo "fixture-trees.sh: $DCNC is not built (cargo build first)" >&2
  exit 1
fi
mkdir -p "$OUTROOT"
# The targets of PLATFORM, one id a line.
"$DCNC" targets --format json >"$OUTROOT/.targets.json"
wanted="$(/usr/bin/python3 -c 'import json, sys
for t in json.load(open(sys.argv[1])):
    if t["platform"] == sys.argv[2]:
        print(t["id"])' "$OUTROOT/.targets.json" "$PLATFORM")"
[ -n "$wanted" ] || { echo "fixture-trees.sh: no target has platform $PLATFORM" >&2; exit 1; }

for spec in "$ROOT"/fixtures/*.yaml; do
  name="$(basename "$spec" .yaml)"
  targets="$(sed -n 's/^# dcnc-test: targets=//p' "$spec")"
  for target in ${targets//,/ }; do
    grep -qx -- "$target" <<<"$wanted" || continue
    out="$OUTROOT/$name-$target"
    if ! "$DCNC" build "$spec" -o "$out" --target "$target" 2>"$OUTROOT/.build.log"; then
      cat "$OUTROOT/.build.log" >&2
      echo "fixture-trees.sh: dcnc build $name --target $target failed" >&2
      exit 1
    fi
    echo "$name $target $out"
  done
done
rm -f "$OUTROOT/.build.log" "$OUTROOT/.targets.json"
