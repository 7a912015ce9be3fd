#!/usr/bin/env bash
# test_tht_check.sh: fetch tripleo-heat-templates 12.7.0, 14.3.0 and 18.0.0
# from PyPI (fetch-tht.sh) and run tht_check.py on the env files and deploy
# scripts in testdata/: GOOD ones must pass, BAD ones must fail with the
# expected message.  Needs network access to PyPI on the first run only
# (then everything is in ${DCNC_CACHE:-$HOME/.cache/dcnc}).
# Ends with "N passed, N failed"; exit 0 only when nothing failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TD="$HERE/testdata"
VERSIONS=(12.7.0 14.3.0 18.0.0)

# shellcheck source-path=SCRIPTDIR source=test-lib.sh
source "$HERE/test-lib.sh"
for tool in tar sha256sum flock shellcheck grep mktemp date; do
  command -v "$tool" >/dev/null 2>&1 \
    || die "required tool '$tool' is missing (Debian: apt-get install -y shellcheck util-linux coreutils tar grep)"
done

t0="$(now)"
PY="$("$HERE/fetch-tht.sh" --python)" || die "fetch-tht.sh --python failed"
CHECKER=("$PY" "$HERE/tht_check.py")
echo "# venv ready: $PY ($(since "$t0")s)"
"$PY" -c 'import yaml, jinja2' || die "the venv lacks PyYAML or Jinja2"

declare -A THT
for v in "${VERSIONS[@]}"; do
  t0="$(now)"
  THT[$v]="$("$HERE/fetch-tht.sh" "$v")" || die "fetch-tht.sh $v failed"
  [[ -d "${THT[$v]}/roles" ]] || die "fetch-tht.sh $v gave no THT tree"
  echo "# fetch $v: ${THT[$v]} ($(since "$t0")s)"
done



# A roles file as `openstack overcloud roles generate A B` writes it: the
# role files of THT's roles/ one after the other.
roles_file() {
  local v="$1" out="$2"
  shift 2
  : >"$out"
  local r
  for r in "$@"; do cat "${THT[$v]}/roles/$r.yaml" >>"$out"; done
}

echo "# shellcheck"
for f in "$HERE"/*.sh "$TD"/good/*.sh "$TD"/bad/*.sh; do
  if shellcheck -x "$f" >"$TMP/out" 2>&1; then ok "shellcheck ${f#"$HERE"/}"; else nok "shellcheck ${f#"$HERE"/}"; fi
done

for v in "${VERSIONS[@]}"; do
  T="${THT[$v]}"
  echo "# tripleo-heat-templates $v"
  t0="$(now)"
  "$PY" "$HERE/tht_check.py" --no-cache --tht "$T" --dump-index >"$TMP/index-$v.json"
  build="$(since "$t0")"
  t0="$(now)"
  "$PY" "$HERE/tht_check.py" --tht "$T" --dump-index >/dev/null  # writes the cache
  "$PY" "$HERE/tht_check.py" --tht "$T" --dump-index >/dev/null  # reads it
  echo "# index $v: build ${build}s, cache write+read $(since "$t0")s"
  if "$PY" - "$TMP/index-$v.json" "$v" >"$TMP/out" 2>&1 <<'EOF'
import json, sys
idx = json.load(open(sys.argv[1]))
assert idx['tht_version'] == sys.argv[2], idx['tht_version']
p = idx['parameters']
assert p['GlanceMultistoreConfig'][0]['type'] == 'json'
assert p['CephExternalMultiConfig'][0]['type'] == 'json'
assert p['CephClusterName'][0]['constraints']['allowed_pattern'] == '[a-zA-Z0-9]+'
assert p['GlanceBackend'][0]['constraints']['allowed_values'] == ['swift', 'file', 'rbd', 'cinder']
assert idx['role_parameters']['{role}Count'][0]['type'] == 'number'
for r in ('Controller', 'ComputeHCI', 'DistributedComputeHCI', 'DistributedComputeHCIScaleOut'):
    assert r in idx['roles'], r
assert 'GlanceApiEdge' in idx['roles']['DistributedComputeHCI']['services']
assert 'HAproxyEdge' in idx['services'] and 'GlanceApiEdge' in idx['services']
assert 'environments/dcn.yaml' in idx['environments']
assert not idx['render_errors'], idx['render_errors']
EOF
  then ok "$v: --dump-index content"; else nok "$v: --dump-index content"; fi

  roles_file "$v" "$TMP/central-roles-$v.yaml" Controller ComputeHCI
  roles_file "$v" "$TMP/dcn-roles-$v.yaml" DistributedComputeHCI DistributedComputeHCIScaleOut

  # ---- GOOD
  check "$v: good central (roles file Controller ComputeHCI)" 0 "0 problem(s)" -- \
    --tht "$T" --roles-file "$TMP/central-roles-$v.yaml" "$TD/good/central-glance.yaml"
  check "$v: good dcn0 (roles file DistributedComputeHCI DistributedComputeHCIScaleOut)" 0 "0 problem(s)" -- \
    --tht "$T" --roles-file "$TMP/dcn-roles-$v.yaml" "$TD/good/dcn0.yaml"
  check "$v: good env files, all THT roles" 0 "0 problem(s)" -- \
    --tht "$T" "$TD/good/central-glance.yaml" "$TD/good/dcn0.yaml"
  check "$v: good CephExtraKeys, as an edge's deploy.sh writes them" 0 "0 problem(s)" -- \
    --tht "$T" "$TD/good/ceph-extra-keys.yaml"
  # upstream's own DCN/ceph env files of this release must pass too
  up=()
  for e in dcn.yaml dcn-hci.yaml dcn-storage.yaml podman.yaml ceph-ansible/ceph-ansible.yaml \
           cephadm/cephadm-rbd-only.yaml cephadm/cephadm.yaml cinder-backup.yaml; do
    [[ -f "$T/environments/$e" ]] && up+=("$T/environments/$e")
  done
  check "$v: THT's own DCN env files (${#up[@]})" 0 "0 problem(s)" -- --tht "$T" "${up[@]}"

  case "$v" in
    18.0.0)
      check "$v: legacy scheduling parameters are gone" 1 \
        "legacy-nova-scheduling.yaml: parameter_defaults.OvercloudControllerFlavor: no such parameter in tripleo-heat-templates 18.0.0" \
        "legacy-nova-scheduling.yaml: parameter_defaults.DistributedComputeHCISchedulerHints: no such parameter in tripleo-heat-templates 18.0.0" \
        "legacy-nova-scheduling.yaml: parameter_defaults.ManageNetworks: no such parameter in tripleo-heat-templates 18.0.0" -- \
        --tht "$T" "$TD/good/legacy-nova-scheduling.yaml"
      check "$v: ceph-ansible/dcn-hci deploy.sh is stale" 1 \
        "deploy-ceph-ansible.sh: line 9: \${THT}/environments/ceph-ansible/ceph-ansible.yaml: no such file in tripleo-heat-templates 18.0.0" \
        "deploy-ceph-ansible.sh: line 11: \${THT}/environments/dcn-hci.yaml: no such file in tripleo-heat-templates 18.0.0" -- \
        --tht "$T" --deploy-sh "$TD/good/deploy-ceph-ansible.sh"
      ;;
    *)
      check "$v: good legacy scheduling parameters" 0 "0 problem(s)" -- \
        --tht "$T" "$TD/good/legacy-nova-scheduling.yaml"
      check "$v: good ceph-ansible deploy.sh" 0 "0 problem(s)" -- \
        --tht "$T" --deploy-sh "$TD/good/deploy-ceph-ansible.sh"
      ;;
  esac
  case "$v" in
    12.7.0)
      check "$v: cephadm deploy.sh is too new" 1 \
        "deploy-cephadm.sh: line 12: \${THT}/environments/cephadm/cephadm-rbd-only.yaml: no such file in tripleo-heat-templates 12.7.0" \
        "deploy-cephadm.sh: line 15: \${THT}/environments/dcn-storage.yaml: no such file in tripleo-heat-templates 12.7.0" -- \
        --tht "$T" --deploy-sh "$TD/good/deploy-cephadm.sh"
      ;;
    *)
      check "$v: good cephadm deploy.sh" 0 "0 problem(s)" -- \
        --tht "$T" --deploy-sh "$TD/good/deploy-cephadm.sh"
      ;;
  esac

  # ---- BAD
  check "$v: misspelled parameter" 1 \
    "misspelled.yaml: parameter_defaults.GlanceBakend: no such parameter in tripleo-heat-templates $v (did you mean GlanceBackend?)" -- \
    --tht "$T" "$TD/bad/misspelled.yaml"
  check "$v: CephClusterName pattern" 1 \
    "cluster-name.yaml: parameter_defaults.CephClusterName: 'control-plane' does not match allowed_pattern [a-zA-Z0-9]+" -- \
    --tht "$T" "$TD/bad/cluster-name.yaml"
  check "$v: GlanceBackend allowed values" 1 \
    "backend.yaml: parameter_defaults.GlanceBackend: 'rdb' is not among allowed_values [\"swift\", \"file\", \"rbd\", \"cinder\"]" -- \
    --tht "$T" "$TD/bad/backend.yaml"
  check "$v: value types" 1 \
    "types.yaml: parameter_defaults.NovaCrossAZAttach: 'maybe' is not a boolean" \
    "types.yaml: parameter_defaults.ControllerCount: 'three' is not a number" \
    "types.yaml: parameter_defaults.GlanceMultistoreConfig: 'not json' is a string that is not valid JSON" \
    "types.yaml: parameter_defaults.GlanceEnabledImportMethods: list item {\"copy\": \"image\"} is not a scalar" \
    "types.yaml: parameter_defaults.GlanceBackendID: 7 is not a string but the parameter is a string with a pattern constraint" -- \
    --tht "$T" "$TD/bad/types.yaml"
  check "$v: GlanceMultistoreConfig entries" 1 \
    "multistore.yaml: parameter_defaults.GlanceMultistoreConfig.dcn0: GlanceBackend is required" \
    "multistore.yaml: parameter_defaults.GlanceMultistoreConfig.dcn-1.CephClusterName: 'dcn-1' does not match allowed_pattern [a-zA-Z0-9]+" \
    "multistore.yaml: parameter_defaults.GlanceMultistoreConfig.os_glance_mine: store ids starting with os_glance_ are reserved" -- \
    --tht "$T" "$TD/bad/multistore.yaml"
  check "$v: Ceph OSD disks, pool size and extra keys as ceph-ansible reads them" 1 \
    "ceph-osds.yaml: parameter_defaults.CephAnsibleDisksConfig: osd_objectstore 'zfs' is neither bluestore nor filestore" \
    "ceph-osds.yaml: parameter_defaults.CephAnsibleDisksConfig: no devices, lvm_volumes or osd_auto_discovery: ceph-ansible makes no OSD" \
    "ceph-osds.yaml: parameter_defaults.CephPoolDefaultSize: 0 is not a replica count" \
    "ceph-osds.yaml: parameter_defaults.CephExtraKeys: [0] client.glance has no caps" \
    "ceph-osds.yaml: parameter_defaults.CephExtraKeys: [0] key of client.glance does not match" \
    "ceph-osds.yaml: parameter_defaults.CephExtraKeys: [1] name 'glance' is not client.<user>" -- \
    --tht "$T" "$TD/bad/ceph-osds.yaml"
  check "$v: an OSD device that is no path" 1 \
    "ceph-devices.yaml: parameter_defaults.CephAnsibleDisksConfig: devices: 'sdb' is not a device path under /dev/" -- \
    --tht "$T" "$TD/bad/ceph-devices.yaml"
  check "$v: resource_registry and sections" 1 \
    "registry.yaml: resource_registry.OS::TripleO::Services::HAProxyEdge: no such service in tripleo-heat-templates $v (did you mean OS::TripleO::Services::HAproxyEdge?)" \
    "registry.yaml: resource_registry.OS::TripleO::Services::GlanceApiEdge: template ../deployment/glance/glance-api-edge.yaml not found in tripleo-heat-templates $v" \
    "registry.yaml: parameter_default: not an environment section heat accepts" -- \
    --tht "$T" "$TD/bad/registry.yaml"
  check "$v: role parameter of a role not in the roles file" 1 \
    "role-not-in-roles-file.yaml: parameter_defaults.DistributedComputeHCICount: DistributedComputeHCICount is the <Role>Count parameter of role DistributedComputeHCI, which is not in the roles file" -- \
    --tht "$T" --roles-file "$TMP/central-roles-$v.yaml" "$TD/bad/role-not-in-roles-file.yaml"
  check "$v: deploy.sh with a nonexistent env file" 1 \
    "deploy-missing-env.sh: line 6: \${THT}/environments/dcn-storge.yaml: no such file in tripleo-heat-templates $v" -- \
    --tht "$T" --deploy-sh "$TD/bad/deploy-missing-env.sh"
  check "$v: deploy.sh with a nonexistent role" 1 \
    "deploy-missing-role.sh: line 5: roles generate DCNCeph: no such role in tripleo-heat-templates $v roles/" -- \
    --tht "$T" --deploy-sh "$TD/bad/deploy-missing-role.sh"
done

# ---- usage errors (exit 2)
T="${THT[14.3.0]}"
check "usage: nothing to check" 2 "nothing to check" -- --tht "$T"
check "usage: missing env file" 2 "no such file" -- --tht "$T" "$TD/good/nope.yaml"
check "usage: not a THT tree" 2 "is not a tripleo-heat-templates tree" -- --tht "$TD" "$TD/good/dcn0.yaml"
check "usage: unknown option" 2 "unrecognized arguments" -- --tht "$T" --bogus "$TD/good/dcn0.yaml"

finish
