#!/usr/bin/env bash
# Checks the fixtures against schema/dcn.schema.json with check-jsonschema (pinned, in a cached
# venv made by scripts/lib/install.sh): every good fixture is accepted; every bad fixture marked
# `# schema: rejects` is rejected.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DCNC_CACHE:-$HOME/.cache/dcnc}/check-jsonschema-venv"
CONSTRAINTS="$ROOT/scripts/schema-constraints.txt"
# shellcheck source=scripts/lib/install.sh
. "$ROOT/scripts/lib/install.sh"
# --no-deps, and the venv must hold exactly the file's pins: nothing floats.
install_cj() { dcnc_pip "$1" install -q --no-deps -r "$CONSTRAINTS" && dcnc_venv_is "$1" "$CONSTRAINTS" && dcnc_pip "$1" check; }
dcnc_venv "$VENV" 66.1.1 "$(cat "$CONSTRAINTS")" install_cj || { echo "check-schema: could not make $VENV" >&2; exit 1; }
CJ="$VENV/bin/check-jsonschema"
SCHEMA="$ROOT/schema/dcn.schema.json"

fail=0
"$CJ" --schemafile "$SCHEMA" "$ROOT"/fixtures/*.yaml "$ROOT"/fixtures/changes/*.yaml || fail=1
for spec in "$ROOT"/fixtures/bad/*.yaml; do
  if grep -q '^# schema: rejects' "$spec"; then
    if "$CJ" --schemafile "$SCHEMA" "$spec" >/dev/null 2>&1; then
      echo "FAIL: the schema accepts $(basename "$spec"), which says '# schema: rejects'" >&2
      fail=1
    fi
  fi
done
echo "check-schema: $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
