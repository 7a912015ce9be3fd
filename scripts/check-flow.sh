#!/usr/bin/env bash
# Runs every fixture tree's steps in order (deploy-all.sh with the real bash), each `openstack ...`
# through the real python-tripleoclient of the tree's release, on the undercloud that release
# installs by default (scripts/consumers/flow_check.py): a step that needs a service that
# undercloud lacks, or reads a file no earlier step wrote, fails the check, named with its script
# and line.
#
# The release of a tree is the tripleo-heat-templates release its README.md names; the client is
# check-tripleoclient.sh's (--client-for-tht), with its tripleo-common (--fetch-common), the
# templates fetch-tht.sh's. Trees of a release run one per process, two processes at a time; the
# rendered templates and parsed YAML are cached for the run (DCNC_FLOW_CACHE, a scratch dir).
#
# The spec's own input files (a stack's network_data, relative to where deploy-all.sh runs) are the
# fixtures' fixtures/inputs/, copied where the steps run.
#
# Usage: scripts/check-flow.sh [-v] [DCNC_BINARY]    (-v: every step's services and files)
#        DCNC_FLOW_TARGETS="wallaby tht-18" scripts/check-flow.sh ...   only these targets' trees
#        (named, and counted in the last line: nothing is left out silently)
#        scripts/check-flow.sh [-v] --tree NAME=DIR... check the given trees only
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
TC="$ROOT/scripts/check-tripleoclient.sh"
FETCH_THT="$ROOT/scripts/consumers/fetch-tht.sh"
CHECK="$ROOT/scripts/consumers/flow_check.py"
VERBOSE=()
if [ "${1:-}" = "-v" ]; then
  VERBOSE=(-v)
  shift
fi

start=$(date +%s)
PY="$(bash "$TC" --python)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export DCNC_FLOW_CACHE="$WORK/.cache"

trees=()
if [ "${1:-}" = "--tree" ]; then
  shift
  trees=("$@")
else
  DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
  left_out=()
  while read -r name target out; do
    if [ -n "${DCNC_FLOW_TARGETS:-}" ] && [[ " $DCNC_FLOW_TARGETS " != *" $target "* ]]; then
      left_out+=("$name-$target")
      continue
    fi
    trees+=("$name-$target=$out")
  done < <("$ROOT/scripts/fixture-trees.sh" "$WORK" "$DCNC")
  if [ "${#left_out[@]}" -gt 0 ]; then
    echo "check-flow: not checked (DCNC_FLOW_TARGETS=\"$DCNC_FLOW_TARGETS\"): ${left_out[*]}"
  fi
fi
[ "${#trees[@]}" -gt 0 ] || { echo "check-flow.sh: no trees" >&2; exit 1; }

fail=0
jobs_file="$WORK/.jobs"
: >"$jobs_file"
for t in "${trees[@]}"; do
  dir="${t#*=}"
  tht="$(sed -n 's/.*(tripleo-heat-templates \([0-9.]*\)).*/\1/p' "$dir/README.md")"
  if ! client="$(bash "$TC" --client-for-tht "$tht" 2>/dev/null)"; then
    echo "FAIL: ${t%%=*}: no python-tripleoclient release known for tripleo-heat-templates '$tht'" >&2
    fail=1
    continue
  fi
  printf '%s %s %s\n' "$tht" "$client" "$t" >>"$jobs_file"
done

# fetch everything first (one at a time, locked), then run
declare -A THT_DIR CLIENT_DIR COMMON_DIR
while read -r -u 3 tht client _; do
  [ -n "${THT_DIR[$tht]:-}" ] || THT_DIR[$tht]="$(bash "$FETCH_THT" "$tht")"
  [ -n "${CLIENT_DIR[$client]:-}" ] || CLIENT_DIR[$client]="$(bash "$TC" --fetch "$client")"
  [ -n "${COMMON_DIR[$client]:-}" ] || COMMON_DIR[$client]="$(bash "$TC" --fetch-common "$client")"
done 3<"$jobs_file"

n=0
pids=()
while read -r -u 3 tht client t; do
  n=$((n + 1))
  "$PY" "$CHECK" "${VERBOSE[@]}" --client "${CLIENT_DIR[$client]}" --common "${COMMON_DIR[$client]}" \
    --tht "${THT_DIR[$tht]}" --inputs "$ROOT/fixtures/inputs" "$t" </dev/null >"$WORK/.out.$n" 2>&1 &
  pids+=("$n:$!")
  if [ "${#pids[@]}" -ge 2 ]; then
    p="${pids[0]}"
    pids=("${pids[@]:1}")
    wait "${p#*:}" || fail=1
    cat "$WORK/.out.${p%%:*}"
  fi
done 3<"$jobs_file"
for p in "${pids[@]}"; do
  wait "${p#*:}" || fail=1
  cat "$WORK/.out.${p%%:*}"
done
echo "check-flow: ${#trees[@]} trees, $(($(date +%s) - start)) s, $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
