#!/usr/bin/env bash
# Verifies dcnc's release-target tables (`dcnc targets --format json`) against the real
# tripleo-heat-templates release each target names: every environment file exists and its
# resource_registry resolves inside the templates, every role exists, the DCN environment enables the
# edge services exactly where the table says so, the nova.conf option is the one GlanceApiEdge sets
# (endpoint_override), and each role's GlanceApiEdge, CephOSD, HAproxyEdge and NovaCompute
# flags match its THT services, and what Nova and Glance do with images (the store Nova copies
# into, the download guard, the image conversion rule) is what THT renders; the Ceph tool is the
# one the Ceph environment's CephOSD service runs, and ceph-ansible's default OSD disks are THT's. Only the TripleO
# targets (`heat`): rhoso-18 is checked by scripts/check-rhoso.sh.
# The edge facts are checked both ways: a table that says false where THT says true fails too.
# Usage: scripts/check-targets.sh [--self-test] [DCNC_BINARY]
#   --self-test  the check on copies of the tables with one fact flipped (ussuri-poc and wallaby
#                without edge services, ussuri-poc's Nova on api_servers, ussuri's
#                DistributedComputeHCI without GlanceApiEdge): each must fail naming that fact,
#                and the tables as they are must pass.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
self_test=0
if [ "${1:-}" = --self-test ]; then
  self_test=1
  shift
fi
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
FETCH="$ROOT/scripts/consumers/fetch-tht.sh"
PY="$("$FETCH" --python)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# check_tables TARGETS_JSON: every TripleO target of TARGETS_JSON against its THT release; FAIL
# lines and a summary on stdout, status 1 on any problem.
check_tables() {
local json=$1 fail=0 id version tht
while read -r id version; do
  tht="$("$FETCH" "$version")"
  [ -f "$WORK/index-$version.json" ] \
    || "$PY" "$ROOT/scripts/consumers/tht_check.py" --tht "$tht" --dump-index >"$WORK/index-$version.json"
  if ! "$PY" - "$json" "$id" "$tht" "$WORK/index-$version.json" <<'PY'; then
import json, os, re, sys
import yaml
targets, target_id, tht, index = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
t = next(t for t in json.load(open(targets)) if t["id"] == target_id)
roles = json.load(open(index))["roles"]
problems = []
envs = t["base_environments"] + [t["ceph_environment"], t["dcn_environment"], t["external_ceph_environment"]]
for f in envs:
    path = os.path.join(tht, f)
    if not os.path.isfile(path):
        problems.append(f"{f}: no such environment file")
        continue
    # Every resource_registry entry must resolve inside THT (14.3.0's external-ceph.yaml does not).
    registry = (yaml.safe_load(open(path)) or {}).get("resource_registry") or {}
    for name, ref in registry.items():
        if isinstance(ref, str) and ref.endswith(".yaml"):
            real = os.path.realpath(os.path.join(os.path.dirname(path), ref))
            if not real.startswith(os.path.realpath(tht) + os.sep) or not os.path.isfile(real):
                problems.append(f"{f}: {name} -> {ref} does not resolve inside the templates")
registry = (yaml.safe_load(open(os.path.join(tht, t["dcn_environment"]))) or {}).get("resource_registry") or {}
# Both ways: a table that says false where THT registers both services would make dcnc edit by hand
# what TripleO already sets per node (audit finding 10: ussuri-poc on 12.7.0's dcn-hci.yaml).
enabled = {}
for service in ("GlanceApiEdge", "HAproxyEdge"):
    ref = registry.get(f"OS::TripleO::Services::{service}")
    enabled[service] = ref if isinstance(ref, str) and ref.endswith(".yaml") else None
    if t["edge_services"] and not enabled[service]:
        problems.append(f"edge_services is true, but {t['dcn_environment']} does not enable {service}")
if not t["edge_services"] and all(enabled.values()):
    problems.append(f"edge_services is false, but {t['dcn_environment']} registers GlanceApiEdge and HAproxyEdge")
# The nova.conf option: GlanceApiEdge's template sets nova's endpoint_override per node
# (nova::glance_endpoint_override in 12.7.0, nova::glance::endpoint_override in 14.3.0 and 18.0.0);
# an api_servers beside it wins in Nova and points every node at one address.
edge_tpl = os.path.join(os.path.dirname(os.path.join(tht, t["dcn_environment"])), enabled["GlanceApiEdge"] or "")
if enabled["GlanceApiEdge"] and os.path.isfile(edge_tpl):
    sets = re.search(r"^\s*(nova::glance(?:_|::)endpoint_override):", open(edge_tpl).read(), re.M)
    if sets and t["nova_glance_option"] != "endpoint_override":
        problems.append(f"nova_glance_option is {t['nova_glance_option']}, but {os.path.relpath(os.path.realpath(edge_tpl), os.path.realpath(tht))} sets {sets.group(1)} (Nova prefers api_servers over it)")
# The tool that deploys a stack's own cluster is the one the Ceph environment's CephOSD service
# runs, and the disks ceph-ansible gets when the spec names none are THT's default.
ceph_env = os.path.join(tht, t["ceph_environment"])
osd_ref = ((yaml.safe_load(open(ceph_env)) or {}).get("resource_registry") or {}).get("OS::TripleO::Services::CephOSD", "") if os.path.isfile(ceph_env) else ""
tool = "cephadm" if "/cephadm/" in str(osd_ref) else "ceph-ansible" if "/ceph-ansible/" in str(osd_ref) else None
if tool != t["ceph_tool"]:
    problems.append(f"ceph_tool is {t['ceph_tool']}, but {t['ceph_environment']} maps CephOSD to {osd_ref or 'nothing'}")
if t["ceph_tool"] == "ceph-ansible":
    osd_tpl = yaml.safe_load(open(os.path.join(tht, "deployment/ceph-ansible/ceph-osd.yaml")))
    default = (osd_tpl["parameters"]["CephAnsibleDisksConfig"].get("default") or {}).get("devices", [])
    if default != t["ceph_ansible_default_devices"]:
        problems.append(f"ceph_ansible_default_devices is {t['ceph_ansible_default_devices']}, but deployment/ceph-ansible/ceph-osd.yaml's CephAnsibleDisksConfig default has devices {default}")
for r in t["roles"]:
    if r["name"] not in roles:
        problems.append(f"role {r['name']}: no such role")
        continue
    services = roles[r["name"]]["services"]
    for field, service in (("edge_glance", "GlanceApiEdge"), ("ceph_osd", "CephOSD"), ("edge_haproxy", "HAproxyEdge"), ("compute", "NovaCompute")):
        has = service in services
        if has != r[field]:
            problems.append(f"role {r['name']}: table says {field}={r[field]}, THT says {service} {'is' if has else 'is not'} among its services")
    # Its networks and default route networks, which baremetal.yaml gives its nodes ports on
    # (emit/tripleo/stack.rs baremetal_roles): THT's roles/<Role>.yaml `networks:` and
    # `default_route_networks`, each network on THT's `<name_lower>_subnet`.
    rfile = yaml.safe_load(open(os.path.join(tht, "roles", r["name"] + ".yaml")))[0]
    tht_nets = rfile.get("networks") or {}
    if sorted(tht_nets) != sorted(r["networks"]):
        problems.append(f"role {r['name']}: table says networks={r['networks']}, THT roles/{r['name']}.yaml has {sorted(tht_nets)}")
    if sorted(rfile.get("default_route_networks") or []) != sorted(r["default_route_networks"]):
        problems.append(f"role {r['name']}: table says default_route_networks={r['default_route_networks']}, THT roles/{r['name']}.yaml has {rfile.get('default_route_networks')}")
# What Nova and Glance do with images (emit/nova.rs, Target::image_import).
nova = open(os.path.join(tht, "deployment/nova/nova-compute-container-puppet.yaml")).read()
has_store = "nova::compute::rbd::libvirt_images_rbd_glance_store_name:" in nova
if has_store != t["nova_copies_to_store"]:
    problems.append(f"nova_copies_to_store={t['nova_copies_to_store']}, but THT {'sets' if has_store else 'does not set'} images_rbd_glance_store_name")
has_guard = "\n  NovaDisableImageDownloadToRbd:" in nova
if t["nova_download_guard_by_hiera"] == has_guard:
    problems.append(f"nova_download_guard_by_hiera={t['nova_download_guard_by_hiera']}, but THT {'has' if has_guard else 'has no'} NovaDisableImageDownloadToRbd")
dcn = (yaml.safe_load(open(os.path.join(tht, t["dcn_environment"]))) or {}).get("parameter_defaults") or {}
if bool(dcn.get("NovaDisableImageDownloadToRbd")) != t["nova_download_guard"]:
    problems.append(f"nova_download_guard={t['nova_download_guard']}, but {t['dcn_environment']} sets NovaDisableImageDownloadToRbd to {dcn.get('NovaDisableImageDownloadToRbd')}")
glance = open(os.path.join(tht, "deployment/glance/glance-api-container-puppet.yaml")).read()
cond = glance.split("\n  force_image_conversion_plugin:\n", 1)[1].split("\n  glance_", 1)[0]
for needle in ("rbd_backend_enabled", "GlanceImageImportPlugins}, ['no_op']", "NovaEnableRbdBackend"):
    if needle not in cond:
        problems.append(f"force_image_conversion_plugin lacks {needle!r} (Target::image_import's rule)")
if ("GlanceSparseUploadEnabled" in cond) != t["sparse_upload_forces_conversion"]:
    problems.append(f"sparse_upload_forces_conversion={t['sparse_upload_forces_conversion']} disagrees with force_image_conversion_plugin")
for p in problems:
    print(f"FAIL: target {target_id} (tripleo-heat-templates {t['tht_version']}): {p}")
print(f"target {target_id}: {len(envs)} environment files, {len(t['roles'])} roles: {'ok' if not problems else 'FAILED'}")
sys.exit(1 if problems else 0)
PY
    fail=1
  fi
done < <("$PY" -c 'import json,sys; [print(t["id"], t["tht_version"]) for t in json.load(open(sys.argv[1])) if t["heat"]]' "$json")
echo "check-targets: $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
}

"$DCNC" targets --format json >"$WORK/targets.json"
if [ "$self_test" = 0 ]; then
  check_tables "$WORK/targets.json"
  exit
fi

# --self-test: each case is TARGET FIELD VALUE, FIELD `roles.ROLE.FLAG` for a role's flag.
bad=0
if ! check_tables "$WORK/targets.json" >"$WORK/unflipped.log"; then
  cat "$WORK/unflipped.log"
  echo "FAIL: self-test: the tables as they are fail"
  bad=1
fi
while read -r target field value; do
  "$PY" - "$WORK/targets.json" "$target" "$field" "$value" >"$WORK/flipped.json" <<'PY'
import json, sys
path, target, field, value = sys.argv[1:]
tables = json.load(open(path))
t = next(t for t in tables if t["id"] == target)
if field.startswith("roles."):
    _, role, flag = field.split(".")
    r = next(r for r in t["roles"] if r["name"] == role)
    assert flag in r, flag
    r[flag] = json.loads(value)
else:
    assert field in t, field
    t[field] = json.loads(value)
json.dump(tables, sys.stdout)
PY
  name="${field##*.}"
  if check_tables "$WORK/flipped.json" >"$WORK/flipped.log"; then
    echo "FAIL: self-test: $target with $field=$value passes"
    bad=1
  elif ! grep -q "^FAIL: target $target .*$name" "$WORK/flipped.log"; then
    cat "$WORK/flipped.log"
    echo "FAIL: self-test: $target with $field=$value fails without naming $name"
    bad=1
  else
    echo "ok: $target with $field=$value fails: $(grep -m1 "^FAIL: target $target .*$name" "$WORK/flipped.log")"
  fi
done <<'CASES'
ussuri-poc edge_services false
ussuri-poc nova_glance_option "api_servers"
wallaby edge_services false
ussuri roles.DistributedComputeHCI.edge_glance false
tht-18 roles.CephStorage.networks ["Storage", "StorageMgmt", "Tenant"]
wallaby roles.Controller.default_route_networks []
CASES
echo "check-targets self-test: $([ "$bad" = 0 ] && echo ok || echo FAILED)"
[ "$bad" = 0 ]
