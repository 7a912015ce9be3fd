#!/usr/bin/env bash
set -euo pipefail
THT=/usr/share/openstack-tripleo-heat-templates
openstack overcloud deploy --stack dcn0 --templates "${THT}" \
  -e "${THT}/environments/podman.yaml" \
  -e "${THT}/environments/dcn-storge.yaml"
