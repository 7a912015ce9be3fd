#!/usr/bin/env bash
# Runs the generated export scripts (stacks/<central>/export.sh, export-edges.sh) with bash, their
# `openstack overcloud export ceph` going through the REAL python-tripleoclient code of the
# target's release (the command class, its parser and take_action: export.export_ceph reading
# the deploy's files), and checks the CephExternalMultiConfig files they write: one entry per
# edge stack (cluster, fsid, mon IPs, that stack's client.openstack key), the central one.
# The deploy's files (ceph-ansible group_vars/inventory, or cephadm's ceph_client.yml) are made
# up per stack from the tree (env/ceph.yaml, ceph/<cluster>.conf) in a scratch HOME and
# DCNC_WORK_DIR, in the playbook-directory layout a real deploy leaves (with the control plane's
# export that 16.x's deploy writes, ~/overcloud-deploy/<stack>/<stack>-export.yaml, which wallaby's
# export.sh copies; scripts/check-flow.sh checks that an earlier step writes each of them). Any other `openstack`
# command is only recorded. See scripts/consumers/export_ceph_check.py.
#
# Every fixture is built for wallaby (python-tripleoclient 16.5.0), ussuri (13.7.0) and tht-18
# (20.0.0); the trees whose export scripts run `openstack overcloud export ceph` are checked.
# A self-test per release lays one edge's files out where the real code does not look and
# fails unless that is reported with the stack and the path the real code tried.
# The venv and the sdists are check-tripleoclient.sh's (cached, sha256 pinned).
#
# Usage: scripts/check-export-ceph.sh [-v] [DCNC_BINARY]     (-v: print what the real code read)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
CHECK="$ROOT/scripts/consumers/export_ceph_check.py"
VERBOSE=()
if [ "${1:-}" = "-v" ]; then
  VERBOSE=(-v)
  shift
fi
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
[ -x "$DCNC" ] || { echo "check-export-ceph.sh: $DCNC is not built (cargo build first)" >&2; exit 1; }
# target -> python-tripleoclient release (as check-tripleoclient.sh maps the THT release it names)
declare -A CLIENT=([wallaby]=16.5.0 [ussuri]=13.7.0 [tht-18]=20.0.0)
declare -A THT=([wallaby]=14.3.0 [ussuri]=12.7.0 [tht-18]=18.0.0)

start=$(date +%s%N)
PY="$(bash "$ROOT/scripts/check-tripleoclient.sh" --python)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fail=0
declare -A TREES=()
skipped=()
for spec in "$ROOT"/fixtures/*.yaml; do
  name="$(basename "$spec" .yaml)"
  for target in wallaby ussuri tht-18; do
    out="$WORK/$name-$target"
    if ! "$DCNC" build "$spec" -o "$out" --target "$target" >/dev/null 2>"$WORK/.build.log"; then
      skipped+=("$name/$target (does not build: $(head -1 "$WORK/.build.log"))")
      continue
    fi
    tht="$(sed -n 's/.*(tripleo-heat-templates \([0-9.]*\)).*/\1/p' "$out/README.md")"
    if [ "$tht" != "${THT[$target]}" ]; then
      echo "FAIL: $name/$target: README.md names tripleo-heat-templates '$tht', expected ${THT[$target]}" >&2
      fail=1
      continue
    fi
    if ! grep -qs '^openstack overcloud export ceph' "$out"/stacks/*/export.sh "$out"/stacks/*/export-edges.sh; then
      skipped+=("$name/$target (no \`openstack overcloud export ceph\`)")
      continue
    fi
    TREES[$target]+="$name/$target=$out "
  done
done

# One checker per release (each one process that imports that release once), in parallel.
pids=()
for target in wallaby ussuri tht-18; do
  [ -n "${TREES[$target]:-}" ] || continue
  dir="$(bash "$ROOT/scripts/check-tripleoclient.sh" --fetch "${CLIENT[$target]}")"
  read -r -a trees <<<"${TREES[$target]}"
  "$PY" "$CHECK" --client "$dir" --self-test "${VERBOSE[@]}" "${trees[@]}" >"$WORK/.$target.out" 2>&1 &
  pids+=("$target:$!")
done
for p in "${pids[@]}"; do
  target="${p%%:*}"
  if ! wait "${p#*:}"; then
    fail=1
  fi
  echo "== $target (python-tripleoclient ${CLIENT[$target]})"
  sed 's/^/  /' "$WORK/.$target.out"
done
for s in "${skipped[@]}"; do
  echo "  skipped: $s"
done
tenths=$((($(date +%s%N) - start) / 100000000))
echo "check-export-ceph: $((tenths / 10)).$((tenths % 10)) s, $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
