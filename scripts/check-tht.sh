#!/usr/bin/env bash
# Checks every heat environment file and deploy.sh that dcnc generates, for every good fixture and
# every target it names, against the real tripleo-heat-templates release of that target (fetched
# from PyPI, pinned, cached): each parameter exists with a fitting type and constraints, each
# `-e` file and each generated role exists. See scripts/consumers/tht_check.py.
# For targets whose nodes are placed by `openstack overcloud node provision` (tht-18), every stack
# must also have a baremetal.yaml, and all of a tree's are checked together by tripleo-ansible's own
# baremetal_deploy.expand() (scripts/consumers/baremetal_check.py, tripleo-ansible fetched pinned),
# and their osd-spec.yaml and initial-ceph.conf by tripleo-ansible's get_specs, Ceph's own OSD
# spec validation and ceph-conf (scripts/consumers/osd_spec_check.py).
# Usage: scripts/check-tht.sh [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
FETCH="$ROOT/scripts/consumers/fetch-tht.sh"
PY="$("$FETCH" --python)"
# target -> the tripleo-ansible release whose baremetal_deploy.py consumes stacks/*/baremetal.yaml
declare -A BAREMETAL_TA=([tht-18]=6.0.0)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fail=0
checked=0
baremetal=0
osd=0
while read -r name target out; do
    # The release the tree was made for, as its README states it.
    version="$(sed -n 's/.*(tripleo-heat-templates \([0-9.]*\)).*/\1/p' "$out/README.md")"
    if [ -z "$version" ]; then
      echo "FAIL: $name/$target: README.md names no tripleo-heat-templates release" >&2
      fail=1
      continue
    fi
    tht="$("$FETCH" "$version")"
    bm_files=()
    bm_roles=()
    for stack in "$out"/stacks/*/; do
      stack="${stack%/}"
      # The roles file `openstack overcloud roles generate` would make: the THT role files, joined;
      # `Base:Name` is Base's file with its name line renamed, as tripleo-common's
      # generate_role_with_colon_format does it.
      roles_file="$stack/roles_data.yaml"
      mapfile -t roles < <(sed -n '/roles generate/{n;p}' "$stack/deploy.sh" | tr ' ' '\n' | grep -v '^$')
      : >"$roles_file"
      for role in "${roles[@]}"; do
        base="${role%%:*}"
        if [ -f "$tht/roles/$base.yaml" ]; then
          if [ "$base" != "$role" ]; then
            sed "s/^\(- *name: *\)$base *\$/\1${role#*:}/" "$tht/roles/$base.yaml" >>"$roles_file"
          else
            cat "$tht/roles/$role.yaml" >>"$roles_file"
          fi
        fi
      done
      # The site's own subnets, as deploy.sh puts them into the roles file it generates.
      { grep -E "^sed -i '[^']*' \"\\\$ROLES_FILE\"$" "$stack/deploy.sh" || true; } | ROLES_FILE="$roles_file" bash
      if ! (cd "$out" && "$PY" "$ROOT/scripts/consumers/tht_check.py" --tht "$tht" \
        --roles-file "$roles_file" "${stack#"$out"/}"/env/*.yaml \
        --deploy-sh "${stack#"$out"/}/deploy.sh"); then
        echo "FAIL: $name/$target: $(basename "$stack") does not fit tripleo-heat-templates $version" >&2
        fail=1
      fi
      checked=$((checked + 1))
      if [ -n "${BAREMETAL_TA[$target]:-}" ]; then
        rel="${stack#"$out"/}"
        if [ -f "$stack/baremetal.yaml" ]; then
          bm_files+=("$rel/baremetal.yaml")
          bm_roles+=(--roles "$(basename "$stack")=$(IFS=,; echo "${roles[*]}")")
          # With network_data (-n, a path of the spec relative to where deploy-all.sh runs: the
          # fixtures' are in fixtures/inputs/), the ports against that file and the roles file.
          nd="$(sed -n 's/^    -n \(.*\) \\$/\1/p' "$stack/deploy.sh" | tr -d "'")"
          if [ -n "$nd" ]; then
            cp "$roles_file" "$WORK/$name-$target-$(basename "$stack")-roles.yaml"
            bm_roles+=(--roles-data "$(basename "$stack")=$WORK/$name-$target-$(basename "$stack")-roles.yaml"
                       --network-data "$(basename "$stack")=$ROOT/fixtures/inputs/$nd")
          fi
        else
          echo "FAIL: $name/$target: $rel/baremetal.yaml is missing (target $target places nodes with it)" >&2
          fail=1
        fi
      fi
      rm -f "$roles_file"
    done
    if [ -n "${BAREMETAL_TA[$target]:-}" ] && [ "${#bm_files[@]}" -gt 0 ]; then
      ta="$("$FETCH" --tripleo-ansible "${BAREMETAL_TA[$target]}")"
      if ! (cd "$out" && "$PY" "$ROOT/scripts/consumers/baremetal_check.py" --tripleo-ansible "$ta" \
        "${bm_roles[@]}" "${bm_files[@]}"); then
        echo "FAIL: $name/$target: baremetal.yaml does not fit tripleo-ansible ${BAREMETAL_TA[$target]}" >&2
        fail=1
      fi
      baremetal=$((baremetal + ${#bm_files[@]}))
      # What `overcloud ceph deploy` gets about OSDs and pools: tripleo-ansible's get_specs and
      # Ceph's own OSD spec validation, ceph-conf (scripts/consumers/osd_spec_check.py).
      if ! /usr/bin/python3 "$ROOT/scripts/consumers/osd_spec_check.py" --tripleo-ansible "$ta" "$out" >"$WORK/.osd.out"; then
        sed 's/^/  /' "$WORK/.osd.out" >&2
        echo "FAIL: $name/$target: osd-spec.yaml or initial-ceph.conf does not fit tripleo-ansible ${BAREMETAL_TA[$target]} and Ceph" >&2
        fail=1
      fi
      osd=$((osd + $(sed -n 's/^osd_spec_check: \([0-9]*\) files.*/\1/p' "$WORK/.osd.out")))
    fi
done < <("$ROOT/scripts/fixture-trees.sh" "$WORK" "$DCNC")
echo "check-tht: $checked stacks checked, $baremetal baremetal.yaml checked, $osd OSD spec and initial ceph.conf files checked, $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
