#!/usr/bin/env bash
# Checks the fixtures against schema/dcn.schema.json with check-jsonschema (pinned, in a cached
# venv): every good fixture is accepted; every bad fixture marked `# schema: rejects` is rejected.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DCNC_CACHE:-$HOME/.cache/dcnc}/check-jsonschema-venv"
CONSTRAINTS="$ROOT/scripts/schema-constraints.txt"
stamp="$(sha256sum "$CONSTRAINTS" | cut -c1-16)"
if [ ! -f "$VENV/.dcnc-$stamp" ]; then
  rm -rf "$VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$CONSTRAINTS"
  touch "$VENV/.dcnc-$stamp"
fi
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
