#!/usr/bin/env bash
# Tests of the rhoso-18 consumer checkers on the reference's worked example (testdata/): it must
# pass; broken copies must fail, each with its message. Among them: a misspelled field in a CR
# fails the CRD check, a misspelled option fails oslo-config-validator.
#   test_rhoso_checks.sh      (installs with install.sh first; a missing tool fails, never skips)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KUBECTL=$("$HERE/install.sh" | sed -n 's/^KUBECTL=//p')
# shellcheck source=scripts/consumers/test-lib.sh
. "$HERE/../test-lib.sh"
GOOD=$HERE/testdata/worked-example

# copy NAME: a fresh copy of the good tree in $TMP/NAME; prints its path.
copy() { rm -rf "${TMP:?}/$1"; cp -r "$GOOD" "$TMP/$1"; echo "$TMP/$1"; }

CHECKER=("$HERE/crd_check.py" --kubectl "$KUBECTL")
check "crd: the worked example renders and validates" 0 "0 problem(s)" -- "$GOOD/rhoso"
t=$(copy misspelled)
sed -i 's/propagation: \[az1\]/propagaton: [az1]/' "$t/rhoso/controlplane.yaml"
check "crd: a misspelled field fails" 1 "spec.extraMounts[0].extraVol[1]: Additional properties are not allowed ('propagaton' was unexpected)" -- "$t/rhoso"
t=$(copy bad-enum)
sed -i '0,/type: edge/s//type: central/' "$t/rhoso/controlplane.yaml"
check "crd: a value outside the enum fails" 1 "glanceAPIs.az1.type: 'central' is not one of ['split', 'single', 'edge']" -- "$t/rhoso"
t=$(copy replicas)
sed -i '0,/replicas: 3/s//replicas: 64/' "$t/rhoso/controlplane.yaml"
check "crd: replicas above the CRD's maximum fails" 1 "glanceAPIs.az0.replicas: 64 is greater than the maximum of 32" -- "$t/rhoso"
t=$(copy dataplane)
sed -i 's/edpmServiceType: nova/edpmServiceTyp: nova/' "$t/rhoso/dataplane-az1.yaml"
check "crd: a misspelled field in a data plane service fails" 1 "OpenStackDataPlaneService/nova-custom-ceph-az1: spec: Additional properties are not allowed ('edpmServiceTyp' was unexpected)" -- "$t/rhoso"
t=$(copy nodeset)
sed -i 's/ansibleSSHPrivateKeySecret: .*/ansibleUser: x/' "$t/rhoso/dataplane-az1.yaml"
check "crd: a node set without its required ssh key secret fails" 1 "'ansibleSSHPrivateKeySecret' is a required property" -- "$t/rhoso"
t=$(copy top-required)
sed -i '/^  secret: osp-secret$/d' "$t/rhoso/controlplane.yaml"
check "crd: a control plane without spec.secret fails" 1 "OpenStackControlPlane/controlplane: spec: 'secret' is a required property" -- "$t/rhoso"
t=$(copy unknown-kind)
printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\n' >>"$t/rhoso/dataplane-az1.yaml"
check "crd: a kind without a schema fails" 1 "no schema for apiVersion v1 kind Pod" -- "$t/rhoso"
t=$(copy no-render)
echo "  - missing.yaml" >>"$t/rhoso/kustomization.yaml"
check "crd: a kustomization that does not render fails" 1 "kubectl kustomize failed" -- "$t/rhoso"

CHECKER=("$HERE/rhoso_oslo_check.py")
check "oslo: the worked example's configs pass (2023.1 glance, cinder, nova)" 0 "3 cinder, 3 glance, 2 nova: 0 error(s)" -- "$GOOD"
t=$(copy oslo)
sed -i '0,/rbd_store_pool = images/s//rbd_store_pol = images/' "$t/rhoso/controlplane.yaml"
sed -i '0,/rbd_cluster_name = az1/s//rbd_cluster_name = az2/' "$t/rhoso/controlplane.yaml"
sed -i '0,/rbd_secret_uuid=22222222-2222-2222-2222-222222222222/s//rbd_secret_uuid=CHANGEME/' "$t/rhoso/dataplane-az1.yaml"
sed -i '0,/images_rbd_ceph_conf=\/etc\/ceph\/az1.conf/s//images_rbd_ceph_conf=\/etc\/ceph\/az1.x.conf/' "$t/rhoso/dataplane-az1.yaml"
check "oslo: misspelled option, wrong cluster, bad secret uuid and conf path fail" 1 \
    "az0/rbd_store_pol is not part of the sample config" \
    "[ceph] rbd_cluster_name: 'az2' is not the cluster of rbd_ceph_conf /etc/ceph/az1.conf" \
    "[libvirt] rbd_secret_uuid: 'CHANGEME' is not a UUID" \
    "[libvirt] images_rbd_ceph_conf: '/etc/ceph/az1.x.conf' is not /etc/ceph/<cluster>.conf" -- "$t"
t=$(copy nova-key)
sed -i 's/03-ceph-nova.conf:/03-ceph.conf:/' "$t/rhoso/dataplane-az1.yaml"
check "oslo: a nova ConfigMap key edpm_nova ignores fails" 1 "edpm_nova copies only *nova*.conf files" -- "$t"
t=$(copy default-backend)
sed -i '0,/default_backend = az1/s//default_backend = az2/' "$t/rhoso/controlplane.yaml"
check "oslo: an edge whose default store it does not have fails" 1 "[glance_store] default_backend: 'az2' is not one of enabled_backends (az0, az1)" -- "$t"
finish
