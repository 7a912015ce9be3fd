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
# building their metadata needs pbr and an old setuptools.  A private venv made
# with the system python holds exactly pinned tools:
#   pbr==7.1.3 setuptools==59.8.0 (for pip download of the sdist)
#   PyYAML==6.0.2 Jinja2==3.1.6 MarkupSafe==3.0.2 (for tht_check.py)
# Run tht_check.py with "$(fetch-tht.sh --python)" to use that venv's python.
#
# Usage:
#   fetch-tht.sh VERSION      fetch (if needed), print the tree path
#   fetch-tht.sh --python     make the venv (if needed), print its python path
set -euo pipefail

CACHE="${DCNC_CACHE:-$HOME/.cache/dcnc}"
VENV="$CACHE/venv-tht"
PINS=(pbr==7.1.3 setuptools==59.8.0 PyYAML==6.0.2 Jinja2==3.1.6 MarkupSafe==3.0.2)
# sha256 of the sdists we have checked; other versions are accepted unpinned.
declare -A SHA256=(
  [12.7.0]=476811b398899b0c79929c4070bc8c2a0833a5fab1ef39ca85d505fecbf0fd29
  [14.3.0]=91359ad8a83c99d0fa257abcaed9fb6bd36f876d76c2473e824f07d6ce87974e
  [18.0.0]=09026a2ace181b1a2eeddb941504add4a10429a391bd265b4c04571f131b8b89
)

die() { echo "fetch-tht.sh: $*" >&2; exit 1; }

pick_python() {
  local p
  for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      command -v "$p"; return 0
    fi
  done
  die "no python3 with the venv and ensurepip modules (Debian: apt-get install -y python3-venv)"
}

ensure_venv() {
  local stamp="$VENV/.pins"
  if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "${PINS[*]}" ]]; then
    return 0
  fi
  local py; py="$(pick_python)"
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  "$py" -m venv "$VENV" >&2 || die "could not create venv $VENV with $py"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}" >&2 \
    || die "pip install ${PINS[*]} failed"
  printf '%s' "${PINS[*]}" >"$stamp"
}

[[ $# -eq 1 ]] || die "usage: fetch-tht.sh VERSION | fetch-tht.sh --python"
command -v flock >/dev/null || die "flock (util-linux) is missing"
mkdir -p "$CACHE"
# One fetch at a time per cache (the venv and the trees are shared).
exec 9>"$CACHE/.fetch-tht.lock"
flock 9
if [[ "$1" == "--python" ]]; then
  ensure_venv
  echo "$VENV/bin/python"
  exit 0
fi
VERSION="$1"
[[ "$VERSION" =~ ^[0-9]+(\.[0-9]+)*$ ]] || die "VERSION must look like 14.3.0, got '$VERSION'"

DEST="$CACHE/tht/$VERSION"
if [[ -f "$DEST/.dcnc-complete" ]]; then
  echo "$DEST"
  exit 0
fi

ensure_venv
WORK="$(mktemp -d "$CACHE/tht-dl.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
"$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps \
  --no-binary :all: --no-build-isolation -d "$WORK/dl" \
  "tripleo-heat-templates==$VERSION" >&2 \
  || die "pip download tripleo-heat-templates==$VERSION failed"
SDIST="$WORK/dl/tripleo-heat-templates-$VERSION.tar.gz"
[[ -f "$SDIST" ]] || SDIST="$WORK/dl/tripleo_heat_templates-$VERSION.tar.gz"
[[ -f "$SDIST" ]] || die "no sdist found in $WORK/dl: $(ls "$WORK/dl")"
if [[ -n "${SHA256[$VERSION]:-}" ]]; then
  got="$(sha256sum "$SDIST" | cut -d' ' -f1)"
  [[ "$got" == "${SHA256[$VERSION]}" ]] \
    || die "sha256 mismatch for $SDIST: got $got, want ${SHA256[$VERSION]}"
fi
mkdir -p "$WORK/x"
tar -xzf "$SDIST" -C "$WORK/x" --strip-components=1
[[ -d "$WORK/x/roles" && -d "$WORK/x/environments" ]] || die "$SDIST does not look like tripleo-heat-templates"
touch "$WORK/x/.dcnc-complete"
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$WORK/x" "$DEST"
echo "$DEST"
