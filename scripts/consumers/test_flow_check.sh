#!/usr/bin/env bash
# test_flow_check.sh: the tests of flow_check.py (through scripts/check-flow.sh --tree). The trees
# dcnc wrote before issue #15 (testdata/flow/: wallaby's and ussuri's "Classic" flow) must FAIL,
# naming the script, line, the client's source line and the missing service; the tht-18 and ussuri
# trees dcnc writes now must pass; three broken copies of tht-18's (an edge without `node provision`,
# an export written where the edges do not read it, no step writing the containers-prepare file)
# must fail with the missing file; with network_data, VIPs on a routed ctlplane (THT's
# vip_data_default.yaml fails, the stacks' vip_data.yaml pass) and a VIP on a subnet no network
# data made (fails); and ussuri's
# without deployed-server-environment.yaml with the Nova it would need; playbooks run with ssh's
# host key check on, or with another key than the one node provision gave the nodes, must fail.
# Usage: test_flow_check.sh [DCNC_BINARY]. Ends with "N passed, N failed".
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
TD="$HERE/testdata/flow"
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
[ -x "$DCNC" ] || { echo "test_flow_check.sh: $DCNC is not built" >&2; exit 1; }

# shellcheck source-path=SCRIPTDIR source=test-lib.sh
source "$HERE/test-lib.sh"
CHECKER=(bash "$ROOT/scripts/check-flow.sh" --tree)

for t in tht-18 ussuri; do
  "$DCNC" build "$ROOT/fixtures/seed-multistore.yaml" --target "$t" -o "$TMP/$t" >/dev/null 2>&1 \
    || die "dcnc build --target $t failed"
done

# The classic wallaby flow on python-tripleoclient 16.5.0's undercloud (no Nova, no Heat).
check "wallaby classic flow fails" 1 \
  "stacks/control-plane/deploy.sh:57: openstack overcloud deploy --stack control-plane" \
  "the deploy runs with --deployed-server (the undercloud has no Nova: enable_nova = False (tripleoclient/config/undercloud.py:79)" \
  "OvercloudControllerFlavor place nothing" \
  "stacks/control-plane/deploy.sh:66: openstack stack show control-plane -f value -c stack_status: EndpointNotFound: the undercloud has no orchestration endpoint (heat): enable_heat = False (tripleoclient/config/undercloud.py:75)" \
  "stacks/control-plane/export.sh:16: openstack overcloud export --stack control-plane" \
  "(tripleoclient/export.py:42)" \
  -- "wallaby-classic=$TD/wallaby-classic"

# The classic ussuri flow on python-tripleoclient 13.7.0's undercloud (heat, but no Nova).
check "ussuri classic flow fails" 1 \
  "stacks/control-plane/deploy.sh:57: openstack overcloud deploy --stack control-plane" \
  "EndpointNotFound: the undercloud has no compute endpoint (nova): enable_nova = False (tripleoclient/config/undercloud.py:78)" \
  "(tripleoclient/v1/overcloud_deploy.py:63)" \
  -- "ussuri-classic=$TD/ussuri-classic"

check "tht-18 tree passes" 0 "tht-18: ok" -- "tht-18=$TMP/tht-18"

# ussuri's provisioned flow on 13.7.0's undercloud (heat and swift, no Nova): node provision, the
# deploy with the plan in swift, config download and the inventory from the undercloud's heat.
check "ussuri tree passes" 0 "ussuri: ok" -- "ussuri=$TMP/ussuri"

# Without deployed-server-environment.yaml (13.7.0's deploy does not add it), every server of the
# stack is still an OS::Nova::Server: --deployed-server alone provisions nothing.
cp -r "$TMP/ussuri" "$TMP/no-deployed-server-env"
sed -i '/deployed-server-environment.yaml")$/d' "$TMP/no-deployed-server-env/stacks/dcn0/deploy.sh"
check "ussuri without deployed-server-environment.yaml fails" 1 \
  "stacks/dcn0/deploy.sh:" \
  "the stack's OS::TripleO::Server is still OS::Nova::Server (no -e environments/deployed-server-environment.yaml)" \
  "enable_nova = False (tripleoclient/config/undercloud.py:78)" \
  -- "no-deployed-server-env=$TMP/no-deployed-server-env"

# dcn0 without `openstack overcloud node provision`: `ceph deploy` has no inventory (the real
# client says which step should have written it), and the deploy no deployed-baremetal.yaml.
cp -r "$TMP/tht-18" "$TMP/no-provision"
sed -i '/^ *openstack overcloud node provision/,/baremetal.yaml"$/d' "$TMP/no-provision/stacks/dcn0/deploy.sh"
if grep -q '^ *openstack overcloud node provision' "$TMP/no-provision/stacks/dcn0/deploy.sh"; then
  die "could not remove node provision from dcn0/deploy.sh"
fi
check "an edge without node provision fails" 1 \
  "stacks/dcn0/deploy.sh:" \
  "It should have been created by 'openstack overcloud node provision'" \
  "\$WORK/dcn0/deployed-baremetal.yaml" \
  -- "no-provision=$TMP/no-provision"

# No step writes the container images' ContainerImagePrepare (`container_images: prepare`
# without its `tripleo container image prepare default`): the first deploy misses it.
cp -r "$TMP/tht-18" "$TMP/no-containers"
for f in "$TMP"/no-containers/stacks/*/deploy.sh; do
  # shellcheck disable=SC2016 # the sed pattern matches deploy.sh's text, `$CONTAINERS` as written
  sed -i '/^if has_step heat && \[ ! -s "\$CONTAINERS" \]; then$/,/^fi$/d' "$f"
done
if grep -q 'container image prepare' "$TMP"/no-containers/stacks/*/deploy.sh; then
  die "could not remove the container image prepare from the deploy scripts"
fi
check "a deploy passing containers-prepare-parameter.yaml no step wrote fails" 1 \
  "stacks/control-plane/deploy.sh:" \
  "The following files were not found: \$WORK/containers-prepare-parameter.yaml (tripleoclient/v1/overcloud_deploy.py:118)" \
  "no earlier step wrote it" \
  -- "no-containers=$TMP/no-containers"

# The control plane's export written under another name: every edge's deploy misses it.
cp -r "$TMP/tht-18" "$TMP/misplaced-export"
sed -i "s|/control-plane-export.yaml\"|/cp-export.yaml\"|" "$TMP/misplaced-export/stacks/control-plane/export.sh"
check "an export the edges do not read fails" 1 \
  "stacks/dcn0/deploy.sh:" \
  "The following files were not found: \$WORK/control-plane-export.yaml" \
  "no earlier step wrote it" \
  -- "misplaced-export=$TMP/misplaced-export"

# A cephadm stack whose deploy leaves its client export in the playbook directory (THT 18.0.0's
# default CephClientConfigVars): `overcloud ceph deploy` exported nothing (dcnc gives it no pools:
# tripleo-ansible 6.0.0 cli-deployed-ceph.yaml:239-247), so `export ceph` finds no
# ~/overcloud-deploy/<stack>/ceph_client.yml (tripleoclient 20.0.0 export.py:212-218), for the
# default user (central's export.sh) and for central Glance's own (an edge's, export-edges.sh).
cp -r "$TMP/tht-18" "$TMP/client-vars"
sed -i 's/^  CephClientConfigVars:/  NotCephClientConfigVars:/' "$TMP/client-vars/stacks/control-plane/env/ceph.yaml"
grep -q '^  NotCephClientConfigVars:' "$TMP/client-vars/stacks/control-plane/env/ceph.yaml" \
  || die "could not remove CephClientConfigVars from control-plane/env/ceph.yaml"
check "a cephadm stack's client export left in the playbook directory fails" 1 \
  "stacks/control-plane/export.sh:" \
  "--cephx-key-client-name openstack" \
  "No such file or directory: '/home/stack/ceph_client.yaml' (tripleoclient/export.py:218)" \
  -- "client-vars=$TMP/client-vars"

"$DCNC" build "$ROOT/fixtures/separate-glance-user.yaml" --target tht-18 -o "$TMP/own-user" >/dev/null 2>&1 \
  || die "dcnc build of separate-glance-user.yaml --target tht-18 failed"
sed -i 's/^  CephClientConfigVars:/  NotCephClientConfigVars:/' "$TMP/own-user/stacks/dcn0/env/ceph.yaml"
grep -q '^  NotCephClientConfigVars:' "$TMP/own-user/stacks/dcn0/env/ceph.yaml" \
  || die "could not remove CephClientConfigVars from dcn0/env/ceph.yaml"
check "an own Glance user's key exported where export ceph does not read fails" 1 \
  "stacks/control-plane/export-edges.sh:" \
  "--cephx-key-client-name glance" \
  "No such file or directory: '/home/stack/ceph_client.yaml' (tripleoclient/export.py:218)" \
  -- "own-user=$TMP/own-user"

# network_data: the networks, the nodes' ports and their config, from the spec's own input files
# (fixtures/inputs/, which check-flow.sh copies where the steps run).
"$DCNC" build "$ROOT/fixtures/network-data.yaml" --target tht-18 -o "$TMP/nets" >/dev/null 2>&1 \
  || die "dcnc build of network-data.yaml --target tht-18 failed"
check "a tree with network_data passes" 0 "nets: ok" -- "nets=$TMP/nets"
cp -a "$TMP/nets" "$TMP/nets-missing"
sed -i 's|network-data/dcn0.yaml|network-data/nope.yaml|' "$TMP/nets-missing/stacks/dcn0/deploy.sh"
check "a network_data no one supplied fails" 1 \
  "stacks/dcn0/deploy.sh:81: openstack overcloud network provision --stack dcn0" \
  "Network configuration file does not exist: network-data/nope.yaml" \
  -- "nets-missing=$TMP/nets-missing"
# VIPs (tripleo-ansible 6.0.0 tripleo_overcloud_network_vip_provision.py): on an undercloud with a
# ctlplane subnet per site (routed DCN), THT's vip_data_default.yaml (ctlplane, no subnet) fails;
# each stack's vip_data.yaml names its subnets and passes; a VIP on a subnet no network data made fails.
export DCNC_FLOW_CTLPLANE_SUBNETS=ctlplane-subnet,dcn0,dcn1
check "routed ctlplane: the stacks' vip_data.yaml pass" 0 "nets: ok" -- "nets=$TMP/nets"
cp -a "$TMP/nets" "$TMP/nets-vip-default"
# shellcheck disable=SC2016 # deploy.sh's literal $HERE and $THT
sed -i 's|-y "$HERE/vip_data.yaml"|-y "$THT/vip_data_default.yaml"|' "$TMP/nets-vip-default"/stacks/*/deploy.sh
check "routed ctlplane: vip_data_default.yaml fails" 1 \
  "openstack overcloud network vip provision --stack central" \
  "Network ctlplane has multiple subnets, please add a subnet or an ip_address for the vip on this network." \
  -- "nets-vip-default=$TMP/nets-vip-default"
unset DCNC_FLOW_CTLPLANE_SUBNETS
cp -a "$TMP/nets" "$TMP/nets-vip-subnet"
sed -i 's|internal_api_dcn0|internal_api_dcn9|' "$TMP/nets-vip-subnet/stacks/dcn0/vip_data.yaml"
check "a VIP on a subnet no network data made fails" 1 \
  "openstack overcloud network vip provision --stack dcn0" \
  "Subnet internal_api_dcn9 for Virtual IP not found on network internal_api." \
  -- "nets-vip-subnet=$TMP/nets-vip-subnet"

# The playbooks as a bare ansible-playbook runs them: ansible's host_key_checking is on, and no node
# is in ~/.ssh/known_hosts (the client's own runs turn it off: utils.py run_ansible_playbook).
cp -r "$TMP/tht-18" "$TMP/host-keys"
sed -i '/export ANSIBLE_HOST_KEY_CHECKING=/d; /export ANSIBLE_SSH_ARGS=/d' "$TMP"/host-keys/stacks/*/deploy.sh
if grep -q 'ANSIBLE_HOST_KEY_CHECKING\|ANSIBLE_SSH_ARGS=' "$TMP"/host-keys/stacks/*/deploy.sh; then
  die "could not remove the host key settings from the tht-18 tree"
fi
check "playbooks run with ssh's host key check on fail" 1 \
  "stacks/control-plane/deploy.sh:" \
  "ssh stops at the host key of each node of stack control-plane" \
  -- "host-keys=$TMP/host-keys"

# The playbooks logging in with another key than the pair node provision gave the nodes' user.
cp -r "$TMP/ussuri" "$TMP/other-key"
# shellcheck disable=SC2016 # deploy.sh's text, as written
sed -i 's|ANSIBLE_PRIVATE_KEY_FILE="$(ssh_key_pair)"|ANSIBLE_PRIVATE_KEY_FILE="$HOME/.ssh/id_ed25519"|' \
  "$TMP"/other-key/stacks/*/deploy.sh
grep -q 'id_ed25519' "$TMP/other-key/stacks/control-plane/deploy.sh" \
  || die "could not change the playbooks' key in the ussuri tree"
check "playbooks logging in with a key node provision did not give fail" 1 \
  "stacks/control-plane/deploy.sh:" \
  "logs into the nodes of stack control-plane with ~/.ssh/id_ed25519, but node provision gave their user heat-admin the public key of another pair" \
  -- "other-key=$TMP/other-key"

# 20.0.0's get_key looks for the stack's own pair in ~/overcloud-deploy/<stack> first (utils.py:1653,
# get_default_working_dir): node provision gives the nodes that pair, and the playbooks must log in
# with it, not with ~/.ssh/id_rsa.
export DCNC_FLOW_HOME_KEYS=overcloud-deploy/control-plane/ssh_private_key
check "a stack's own key pair (20.0.0's ~/overcloud-deploy/<stack>) passes" 0 "tht-18: ok" -- "tht-18=$TMP/tht-18"
cp -r "$TMP/tht-18" "$TMP/key-dir"
# shellcheck disable=SC2016 # deploy.sh's text, as written
sed -i 's|"$HOME/overcloud-deploy/$STACK/ssh_private_key"|"$HOME/config-download/$STACK/ssh_private_key"|' \
  "$TMP"/key-dir/stacks/*/deploy.sh
# shellcheck disable=SC2016 # deploy.sh's text, as written
grep -q 'config-download/$STACK/ssh_private_key' "$TMP/key-dir/stacks/control-plane/deploy.sh" \
  || die "could not change the stack key directory in the tht-18 tree"
check "a stack's own key pair looked for where 20.0.0 does not keep it fails" 1 \
  "stacks/control-plane/deploy.sh:" \
  "logs into the nodes of stack control-plane with ~/.ssh/id_rsa, but node provision gave their user tripleo-admin the public key of another pair" \
  -- "key-dir=$TMP/key-dir"
unset DCNC_FLOW_HOME_KEYS

finish
