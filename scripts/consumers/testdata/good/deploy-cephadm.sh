#!/usr/bin/env bash
# Wallaby-and-later style central deploy (cephadm, dcn-storage): THT 14.3.0 and 18.0.0.
set -euo pipefail
THT=/usr/share/openstack-tripleo-heat-templates
ROLES_FILE="${HOME}/dcnc/central/roles.yaml"
openstack overcloud roles generate --roles-path "${THT}/roles" \
  -o "${ROLES_FILE}" \
  Controller ComputeHCI
openstack overcloud deploy --stack central --templates "${THT}" \
  -r "${ROLES_FILE}" \
  -e "${THT}/environments/podman.yaml" \
  -e "${THT}/environments/cephadm/cephadm-rbd-only.yaml" \
  -e "${THT}/environments/cinder-backup.yaml" \
  -e "${THT}/environments/network-environment.yaml" \
  -e "${THT}/environments/dcn-storage.yaml" \
  -e glance.yaml
# a commented-out line is not checked: -e "${THT}/environments/nope.yaml"
openstack overcloud roles generate --roles-path "${THT}/roles" -o dcn0-roles.yaml DistributedComputeHCI DistributedComputeHCIScaleOut
