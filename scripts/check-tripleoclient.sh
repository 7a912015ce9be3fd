#!/usr/bin/env bash
# Checks every `openstack ...` command line of every script dcnc generates (deploy.sh, export.sh,
# export-edges.sh, deploy-all.sh, ...), for every good fixture and every target it names, against
# the argument parsers of the real python-tripleoclient of the target's release (and of
# python-heatclient for `openstack stack`): the command must exist in that release and its
# arguments must parse. See scripts/consumers/tripleoclient_check.py.
#
# The release of a tree is the tripleo-heat-templates release its README.md names:
#   THT 12.7.0 (ussuri, ussuri-poc) -> python-tripleoclient 13.7.0 (released with it, last 13.x)
#   THT 14.3.0 (wallaby)            -> python-tripleoclient 16.5.0 (last 16.x, stable/wallaby)
#   THT 18.0.0 (tht-18)             -> python-tripleoclient 20.0.0 (released with it)
# The sdists come from PyPI (pip download, sha256 pinned below) into
#   ${DCNC_CACHE:-$HOME/.cache/dcnc}/tripleoclient/VERSION/
# and the checker runs in ${DCNC_CACHE:-$HOME/.cache/dcnc}/venv-tripleoclient-<sha>, made from
# scripts/consumers/tripleoclient-requirements.txt (every package pinned).
#
# Usage: scripts/check-tripleoclient.sh [DCNC_BINARY]    check every fixture tree
#        scripts/check-tripleoclient.sh --python         make the venv (if needed), print its python
#        scripts/check-tripleoclient.sh --fetch VERSION  fetch the sdist (if needed), print its path
#        scripts/check-tripleoclient.sh --client-for-tht VERSION   the client release of a THT release
#        scripts/check-tripleoclient.sh --fetch-common VERSION
#                                     the same for tripleo-common (the library the client's
#                                     take_action calls; scripts/consumers/flow_check.py runs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${DCNC_CACHE:-$HOME/.cache/dcnc}"
REQS="$ROOT/scripts/consumers/tripleoclient-requirements.txt"
# One venv per requirements file (its sha256 in the name): branches with different pins, run at the
# same time, do not rebuild each other's.
VENV="$CACHE/venv-tripleoclient-$(sha256sum "$REQS" | cut -c1-12)"
CHECK="$ROOT/scripts/consumers/tripleoclient_check.py"
# shellcheck source=scripts/lib/install.sh
. "$ROOT/scripts/lib/install.sh"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
# tripleo-heat-templates release -> python-tripleoclient release
declare -A CLIENT_FOR_THT=([12.7.0]=13.7.0 [14.3.0]=16.5.0 [18.0.0]=20.0.0)
# sha256 of the python-tripleoclient sdists (as PyPI lists them); only these are accepted.
declare -A SHA256=(
  [13.7.0]=48c9da973a464cf81878e348fc8944a0f27f1daf78e14b05cdf8781b48811257
  [16.5.0]=50a6e97fe7f0b6b41c8228b5fbf6f33e91aaeb33ae40af28c7a57db17068acb4
  [20.0.0]=d6111cbf8e8adf57f298a8d5bc2ad3af4c338ae4d71e11952a0145ba8848e08d
)
# python-tripleoclient release -> the tripleo-common release of the same series (the last tag of
# ussuri, wallaby; the one released with 20.0.0), and the sha256 of its sdist.
declare -A COMMON_FOR_CLIENT=([13.7.0]=12.7.0 [16.5.0]=15.4.0 [20.0.0]=18.0.0)
declare -A COMMON_SHA256=(
  [12.7.0]=4825ef7444041bd55f503fdc9f3d2c9c625a546dadeeff9438d5543c10554580
  [15.4.0]=b4dd16da99c44f11a71312fad69d7b82c5250f568854567cfb5d6fcedfde47e5
  [18.0.0]=35ff2992107b7d9699a0bc135bbc10c08b700881d54391af488442fbf5588693
)

die() { echo "check-tripleoclient.sh: $*" >&2; exit 1; }

# setuptools 59.8.0, pip and wheel (scripts/lib/install.sh): for `pip download` of the sdists.
SETUPTOOLS=59.8.0
# --no-deps and pip check: the file is the whole closure, nothing floats.
install_reqs() { dcnc_pip "$1" install --quiet --no-deps -r "$REQS" && dcnc_pip "$1" check; }
ensure_venv() {
  dcnc_venv "$VENV" "$SETUPTOOLS" "$(cat "$REQS")" install_reqs >&2 || die "could not make the venv $VENV"
}

# fetch_sdist PACKAGE VERSION SHA256 MODULE: the unpacked sdist of PACKAGE==VERSION in
# $CACHE/PACKAGE/VERSION (python-tripleoclient keeps its old path $CACHE/tripleoclient/VERSION),
# checked against its pinned sha256; MODULE is the package directory it must hold.
fetch_sdist() {
  local pkg="$1" version="$2" sha="$3" module="$4" dest
  if [[ "$pkg" == python-tripleoclient ]]; then
    dest="$CACHE/tripleoclient/$version"
  else
    dest="$CACHE/$pkg/$version"
  fi
  if [[ -f "$dest/.dcnc-complete" ]]; then
    echo "$dest"
    return 0
  fi
  ensure_venv
  local work
  work="$(mktemp -d "$CACHE/$pkg-dl.XXXXXX")"
  # shellcheck disable=SC2064  # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  (cd / && dcnc_pip "$VENV" download --quiet --no-deps \
    --no-binary :all: --no-build-isolation -d "$work/dl" "$pkg==$version") >&2 \
    || die "pip download $pkg==$version failed"
  local sdist="$work/dl/$pkg-$version.tar.gz" got
  [[ -f "$sdist" ]] || die "no sdist in $work/dl: $(ls "$work/dl")"
  got="$(sha256sum "$sdist" | cut -d' ' -f1)"
  [[ "$got" == "$sha" ]] || die "sha256 mismatch for $sdist: got $got, want $sha"
  mkdir -p "$work/x"
  tar -xzf "$sdist" -C "$work/x" --strip-components=1
  [[ -f "$work/x/setup.cfg" && -d "$work/x/$module" ]] || die "$sdist does not look like $pkg"
  touch "$work/x/.dcnc-complete"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  mv "$work/x" "$dest"
  echo "$dest"
}

# fetch VERSION: the unpacked python-tripleoclient sdist.
fetch() {
  [[ -n "${SHA256[$1]:-}" ]] \
    || die "python-tripleoclient $1 has no pinned sha256 (pinned: ${!SHA256[*]})"
  fetch_sdist python-tripleoclient "$1" "${SHA256[$1]}" tripleoclient
}

# fetch_common VERSION: the unpacked tripleo-common sdist.
fetch_common() {
  [[ -n "${COMMON_SHA256[$1]:-}" ]] \
    || die "tripleo-common $1 has no pinned sha256 (pinned: ${!COMMON_SHA256[*]})"
  fetch_sdist tripleo-common "$1" "${COMMON_SHA256[$1]}" tripleo_common
}

locked() {
  command -v flock >/dev/null || die "flock (util-linux) is missing"
  mkdir -p "$CACHE"
  # One fetch at a time per cache (the venv and the trees are shared).
  exec 9>"$CACHE/.fetch-tripleoclient.lock"
  flock 9
  "$@"
  exec 9>&-
}

case "${1:-}" in
  --python)
    [[ $# -eq 1 ]] || die "usage: check-tripleoclient.sh --python"
    locked ensure_venv
    echo "$VENV/bin/python"
    exit 0
    ;;
  --fetch)
    [[ $# -eq 2 ]] || die "usage: check-tripleoclient.sh --fetch VERSION"
    locked fetch "$2"
    exit 0
    ;;
  --client-for-tht)
    # VERSION of tripleo-heat-templates -> the python-tripleoclient release checked with it
    [[ $# -eq 2 && -n "${CLIENT_FOR_THT[$2]:-}" ]] \
      || die "usage: check-tripleoclient.sh --client-for-tht VERSION (known: ${!CLIENT_FOR_THT[*]})"
    echo "${CLIENT_FOR_THT[$2]}"
    exit 0
    ;;
  --fetch-common)
    # VERSION: a python-tripleoclient release (its tripleo-common) or a tripleo-common release
    [[ $# -eq 2 ]] || die "usage: check-tripleoclient.sh --fetch-common VERSION"
    locked fetch_common "${COMMON_FOR_CLIENT[$2]:-$2}"
    exit 0
    ;;
esac

DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
PY="$(locked ensure_venv && echo "$VENV/bin/python")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fail=0
trees=0
# python-tripleoclient release -> the scripts to check with it (all trees at once: one process each)
declare -A SCRIPTS=()
while read -r name target out; do
  trees=$((trees + 1))
  tht="$(sed -n 's/.*(tripleo-heat-templates \([0-9.]*\)).*/\1/p' "$out/README.md")"
  client="${CLIENT_FOR_THT[$tht]:-}"
  if [ -z "$client" ]; then
    echo "FAIL: $name/$target: no python-tripleoclient release known for tripleo-heat-templates '$tht'" >&2
    fail=1
    continue
  fi
  mapfile -t found < <(cd "$WORK" && find "${out#"$WORK"/}" -name '*.sh' | sort)
  if [ "${#found[@]}" -eq 0 ]; then
    echo "FAIL: $name/$target: no generated .sh scripts" >&2
    fail=1
    continue
  fi
  SCRIPTS[$client]+="${found[*]} "
done < <("$ROOT/scripts/fixture-trees.sh" "$WORK" "$DCNC")

summary=()
for client in $(printf '%s\n' "${!SCRIPTS[@]}" | sort -V); do
  dir="$(locked fetch "$client")"
  read -r -a files <<<"${SCRIPTS[$client]}"
  if ! (cd "$WORK" && "$PY" "$CHECK" --client "$dir" "${files[@]}" 2>"$WORK/.summary"); then
    fail=1
  fi
  summary+=("$(sed -n 's/^tripleoclient_check: //p' "$WORK/.summary")")
  grep -v '^tripleoclient_check: ' "$WORK/.summary" >&2 || true
done
for s in "${summary[@]}"; do
  echo "  $s"
done
echo "check-tripleoclient: $trees trees checked, $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
