#!/usr/bin/env bash
set -euo pipefail
THT=/usr/share/openstack-tripleo-heat-templates
ROLES_FILE=roles.yaml
openstack overcloud roles generate --roles-path "${THT}/roles" -o "${ROLES_FILE}" \
  DistributedComputeHCI DCNCeph
