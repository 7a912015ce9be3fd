#!/usr/bin/env bash
# Builds every good fixture (fixtures/*.yaml) for every target its `# dcnc-test: targets=` header
# names, into OUTROOT/<fixture>-<target>, and prints one `fixture target dir` line per tree.
# The consumer checks (check-artifacts.sh, check-tht.sh, check-oslo.sh) read these lines.
# Usage: scripts/fixture-trees.sh OUTROOT [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
OUTROOT="${1:?usage: fixture-trees.sh OUTROOT [DCNC_BINARY]}"
DCNC="${2:-$(dcnc_default_bin "$ROOT")}"
if [ ! -x "$DCNC" ]; then
  echo "fixture-trees.sh: $DCNC is not built (cargo build first)" >&2
  exit 1
fi

for spec in "$ROOT"/fixtures/*.yaml; do
  name="$(basename "$spec" .yaml)"
  targets="$(sed -n 's/^# dcnc-test: targets=//p' "$spec")"
  for target in ${targets//,/ }; do
    out="$OUTROOT/$name-$target"
    if ! "$DCNC" build "$spec" -o "$out" --target "$target" 2>"$OUTROOT/.build.log"; then
      cat "$OUTROOT/.build.log" >&2
      echo "fixture-trees.sh: dcnc build $name --target $target failed" >&2
      exit 1
    fi
    echo "$name $target $out"
  done
done
rm -f "$OUTROOT/.build.log"
