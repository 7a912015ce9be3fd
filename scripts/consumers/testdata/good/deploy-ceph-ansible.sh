#!/usr/bin/env bash
# Ussuri/Victoria style DCN deploy (ceph-ansible, dcn-hci): THT 12.7.0 and 14.3.0.
set -euo pipefail
THT=/usr/share/openstack-tripleo-heat-templates
ROLES_FILE=roles.yaml
openstack overcloud roles generate --roles-path "${THT}/roles" -o "${ROLES_FILE}" DistributedComputeHCI DistributedComputeHCIScaleOut
openstack overcloud deploy --stack dcn0 --templates "$THT" -r "${ROLES_FILE}" \
  -e "$THT/environments/podman.yaml" \
  -e "${THT}/environments/ceph-ansible/ceph-ansible.yaml" \
  -e "${THT}/environments/network-isolation.yaml" \
  -e "${THT}/environments/dcn-hci.yaml" \
  -e "${THT}/environments/dcn.yaml"
