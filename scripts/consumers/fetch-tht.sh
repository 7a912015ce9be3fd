#!/usr/bin/env bash
# fetch-tht.sh VERSION
#
# Download the source distribution of tripleo-heat-templates (THT) at an exact
# VERSION from PyPI and extract it into
#   ${DCNC_CACHE:-$HOME/.cache/dcnc}/tht/VERSION/      (THT root: roles/, environments/, ...)
# Idempotent: does nothing when that tree is already complete.
# Prints the path of the extracted tree on stdout (and nothing else).
#
# The THT wheels on PyPI hold only metadata; the templates are in the sdists, and
# building their metadata needs pbr, an old setuptools and wheel (its bdist_wheel).
# A private venv (scripts/lib/install.sh: Debian's python3, pip/wheel/setuptools
# pinned by sha256) holds exactly pinned tools:
#   pbr==7.1.3 setuptools==59.8.0 wheel==0.45.1 (for pip download of the sdist)
#   PyYAML==6.0.2 Jinja2==3.1.6 MarkupSafe==3.0.2 (for tht_check.py)
#   jsonschema==4.17.3 attrs==23.2.0 pyrsistent==0.20.0 (for baremetal_check.py)
# Run tht_check.py and baremetal_check.py with "$(fetch-tht.sh --python)".
#
# It also fetches the tripleo-ansible sdist (whose baremetal_deploy.py is the
# contract of baremetal_deployment.yaml) into
#   ${DCNC_CACHE:-$HOME/.cache/dcnc}/tripleo-ansible/VERSION/
# Only versions with a pinned sha256 below are accepted for it.
#
# Usage:
#   fetch-tht.sh VERSION                    fetch (if needed), print the tree path
#   fetch-tht.sh --python                   make the venv (if needed), print its python path
#   fetch-tht.sh --tripleo-ansible VERSION  fetch (if needed), print the tree path
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/install.sh
. "$HERE/../lib/install.sh"
CACHE="${DCNC_CACHE:-$HOME/.cache/dcnc}"
VENV="$CACHE/venv-tht"
SETUPTOOLS=59.8.0 # with pip, wheel: scripts/lib/install.sh
PINS=(pbr==7.1.3 PyYAML==6.0.2 Jinja2==3.1.6 MarkupSafe==3.0.2
      jsonschema==4.17.3 attrs==23.2.0 pyrsistent==0.20.0)
# sha256 of the sdists we have checked; other versions are accepted unpinned.
declare -A SHA256=(
  [12.7.0]=476811b398899b0c79929c4070bc8c2a0833a5fab1ef39ca85d505fecbf0fd29
  [14.3.0]=91359ad8a83c99d0fa257abcaed9fb6bd36f876d76c2473e824f07d6ce87974e
  [18.0.0]=09026a2ace181b1a2eeddb941504add4a10429a391bd265b4c04571f131b8b89
)
# tripleo-ansible: every accepted version is pinned (6.0.0 is the only one on PyPI).
declare -A TA_SHA256=(
  [6.0.0]=b7f7e2aea586d5e5c6263ec2b7c44a87f8c54802145bf693c692965b4427e294
)

die() { echo "fetch-tht.sh: $*" >&2; exit 1; }

# --no-deps and pip check: PINS is the whole closure, nothing floats.
install_pins() { dcnc_pip "$1" install --quiet --no-deps "${PINS[@]}" && dcnc_pip "$1" check; }
ensure_venv() {
  dcnc_venv "$VENV" "$SETUPTOOLS" "${PINS[*]}" install_pins >&2 || die "could not make the venv $VENV"
}

# fetch_sdist PROJECT VERSION DEST SHA256 PATH...: pip-download the sdist of
# PROJECT==VERSION, check its sha256 (when SHA256 is not empty), extract it to
# DEST (which must then hold every PATH) and print DEST.
fetch_sdist() {
  local project="$1" version="$2" dest="$3" want="$4"
  shift 4
  if [[ -f "$dest/.dcnc-complete" ]]; then
    echo "$dest"
    return 0
  fi
  ensure_venv
  WORK="$(mktemp -d "$CACHE/tht-dl.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  (cd / && dcnc_pip "$VENV" download --quiet --no-deps \
    --no-binary :all: --no-build-isolation -d "$WORK/dl" \
    "$project==$version") >&2 \
    || die "pip download $project==$version failed"
  local sdist="$WORK/dl/$project-$version.tar.gz"
  [[ -f "$sdist" ]] || sdist="$WORK/dl/${project//-/_}-$version.tar.gz"
  [[ -f "$sdist" ]] || die "no sdist found in $WORK/dl: $(ls "$WORK/dl")"
  if [[ -n "$want" ]]; then
    local got
    got="$(sha256sum "$sdist" | cut -d' ' -f1)"
    [[ "$got" == "$want" ]] || die "sha256 mismatch for $sdist: got $got, want $want"
  fi
  mkdir -p "$WORK/x"
  tar -xzf "$sdist" -C "$WORK/x" --strip-components=1
  local path
  for path in "$@"; do
    [[ -e "$WORK/x/$path" ]] || die "$sdist does not look like $project (no $path)"
  done
  touch "$WORK/x/.dcnc-complete"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  mv "$WORK/x" "$dest"
  echo "$dest"
}

usage="usage: fetch-tht.sh VERSION | fetch-tht.sh --python | fetch-tht.sh --tripleo-ansible VERSION"
[[ $# -ge 1 ]] || die "$usage"
command -v flock >/dev/null || die "flock (util-linux) is missing"
mkdir -p "$CACHE"
# One fetch at a time per cache (the venv and the trees are shared).
exec 9>"$CACHE/.fetch-tht.lock"
flock 9
case "$1" in
  --python)
    [[ $# -eq 1 ]] || die "$usage"
    ensure_venv
    echo "$VENV/bin/python"
    ;;
  --tripleo-ansible)
    [[ $# -eq 2 ]] || die "$usage"
    VERSION="$2"
    [[ -n "${TA_SHA256[$VERSION]:-}" ]] \
      || die "tripleo-ansible $VERSION has no pinned sha256 (pinned: ${!TA_SHA256[*]})"
    fetch_sdist tripleo-ansible "$VERSION" "$CACHE/tripleo-ansible/$VERSION" "${TA_SHA256[$VERSION]}" \
      tripleo_ansible/ansible_plugins/module_utils/baremetal_deploy.py
    ;;
  *)
    [[ $# -eq 1 ]] || die "$usage"
    VERSION="$1"
    [[ "$VERSION" =~ ^[0-9]+(\.[0-9]+)*$ ]] || die "VERSION must look like 14.3.0, got '$VERSION'"
    fetch_sdist tripleo-heat-templates "$VERSION" "$CACHE/tht/$VERSION" "${SHA256[$VERSION]:-}" roles environments
    ;;
esac
