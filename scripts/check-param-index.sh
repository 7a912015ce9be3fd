#!/usr/bin/env bash
# Regenerates dcnc's parameter index of every release (compiler/data/params-<version>.tsv, and
# envs-<version>.json: what the THT environment files of dcnc's targets set) from the
# pinned tripleo-heat-templates sdists (scripts/consumers/fetch-tht.sh) with scripts/param-index.py
# and fails when the bytes differ from the committed files: the index is data derived from THT,
# never edited by hand. Then a self-test: a committed file with one declaration changed must fail.
# Usage: scripts/check-param-index.sh            check
#        scripts/check-param-index.sh --update   rewrite the committed files
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FETCH="$ROOT/scripts/consumers/fetch-tht.sh"
DATA="$ROOT/compiler/data"
VERSIONS=(12.7.0 14.3.0 18.0.0)
PY="$("$FETCH" --python)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

update=0
[ "${1:-}" = --update ] && update=1

# compare FILE_A FILE_B NAME: 0 when identical, else prints the first differences.
compare() {
  if cmp -s "$1" "$2"; then
    return 0
  fi
  echo "FAIL: $3 differs from what scripts/param-index.py generates:" >&2
  diff -u "$1" "$2" | head -20 >&2 || true
  return 1
}

fail=0
for v in "${VERSIONS[@]}"; do
  tht="$("$FETCH" "$v")"
  start=$(date +%s)
  "$PY" "$ROOT/scripts/param-index.py" --tht "$tht" --version "$v" -o "$WORK/params-$v.tsv" \
    --envs-output "$WORK/envs-$v.json"
  # twice: the generator must be deterministic
  "$PY" "$ROOT/scripts/param-index.py" --tht "$tht" --version "$v" -o "$WORK/again-$v.tsv" \
    --envs-output "$WORK/again-envs-$v.json"
  compare "$WORK/params-$v.tsv" "$WORK/again-$v.tsv" "a second run for $v" || fail=1
  compare "$WORK/envs-$v.json" "$WORK/again-envs-$v.json" "a second run for $v" || fail=1
  for f in "params-$v.tsv" "envs-$v.json"; do
    if [ "$update" = 1 ]; then
      cp "$WORK/$f" "$DATA/$f"
      echo "wrote compiler/data/$f"
    elif compare "$DATA/$f" "$WORK/$f" "compiler/data/$f"; then
      echo "ok: compiler/data/$f is what tripleo-heat-templates $v gives ($(grep -vc '^#' "$DATA/$f") lines, $(($(date +%s) - start)) s)"
    else
      echo "  regenerate with: bash scripts/check-param-index.sh --update" >&2
      fail=1
    fi
  done
done

# Self-test: a stale index (one type changed) must be caught.
if [ "$update" = 0 ]; then
  v="${VERSIONS[1]}"
  sed 's/^\(GlanceBackend\t\)string/\1number/' "$DATA/params-$v.tsv" >"$WORK/stale.tsv"
  if cmp -s "$WORK/stale.tsv" "$DATA/params-$v.tsv"; then
    echo "FAIL: self-test: the stale copy is not different (no GlanceBackend line?)" >&2
    fail=1
  elif compare "$WORK/stale.tsv" "$WORK/params-$v.tsv" "self-test" 2>/dev/null; then
    echo "FAIL: self-test: a stale index passed" >&2
    fail=1
  else
    echo "ok: self-test: a stale index fails"
  fi
fi
exit "$fail"
