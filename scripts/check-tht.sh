#!/usr/bin/env bash
# Checks every heat environment file and deploy.sh that dcnc generates, for every good fixture and
# every target it names, against the real tripleo-heat-templates release of that target (fetched
# from PyPI, pinned, cached): each parameter exists with a fitting type and constraints, each
# `-e` file and each generated role exists. See scripts/consumers/tht_check.py.
# Usage: scripts/check-tht.sh [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DCNC="${1:-$ROOT/target/debug/dcnc}"
FETCH="$ROOT/scripts/consumers/fetch-tht.sh"
PY="$("$FETCH" --python)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fail=0
checked=0
while read -r name target out; do
    # The release the tree was made for, as its README states it.
    version="$(sed -n 's/.*(tripleo-heat-templates \([0-9.]*\)).*/\1/p' "$out/README.md")"
    if [ -z "$version" ]; then
      echo "FAIL: $name/$target: README.md names no tripleo-heat-templates release" >&2
      fail=1
      continue
    fi
    tht="$("$FETCH" "$version")"
    for stack in "$out"/stacks/*/; do
      stack="${stack%/}"
      # The roles file `openstack overcloud roles generate` would make: the THT role files, joined.
      roles_file="$stack/roles_data.yaml"
      mapfile -t roles < <(sed -n '/roles generate/{n;p}' "$stack/deploy.sh" | tr ' ' '\n' | grep -v '^$')
      : >"$roles_file"
      for role in "${roles[@]}"; do
        if [ -f "$tht/roles/$role.yaml" ]; then
          cat "$tht/roles/$role.yaml" >>"$roles_file"
        fi
      done
      if ! (cd "$out" && "$PY" "$ROOT/scripts/consumers/tht_check.py" --tht "$tht" \
        --roles-file "$roles_file" "${stack#"$out"/}"/env/*.yaml \
        --deploy-sh "${stack#"$out"/}/deploy.sh"); then
        echo "FAIL: $name/$target: $(basename "$stack") does not fit tripleo-heat-templates $version" >&2
        fail=1
      fi
      rm -f "$roles_file"
      checked=$((checked + 1))
    done
done < <("$ROOT/scripts/fixture-trees.sh" "$WORK" "$DCNC")
echo "check-tht: $checked stacks checked, $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
