#!/usr/bin/env bash
# Verifies dcnc's release-target tables (`dcnc targets --format json`) against the real
# tripleo-heat-templates release each target names: every environment file exists and its
# resource_registry resolves inside the templates, every role exists, the DCN environment enables the
# edge services where the table says so, and each role's GlanceApiEdge, CephOSD, HAproxyEdge and NovaCompute
# flags match its THT services, and what Nova and Glance do with images (the store Nova copies
# into, the download guard, the image conversion rule) is what THT renders; the Ceph tool is the
# one the Ceph environment's CephOSD service runs, and ceph-ansible's default OSD disks are THT's. Only the TripleO
# targets (`heat`): rhoso-18 is checked by scripts/check-rhoso.sh.
# Usage: scripts/check-targets.sh [DCNC_BINARY]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/dcnc-bin.sh
. "$ROOT/scripts/lib/dcnc-bin.sh"
DCNC="${1:-$(dcnc_default_bin "$ROOT")}"
FETCH="$ROOT/scripts/consumers/fetch-tht.sh"
PY="$("$FETCH" --python)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$DCNC" targets --format json >"$WORK/targets.json"
fail=0
while read -r id version; do
  tht="$("$FETCH" "$version")"
  "$PY" "$ROOT/scripts/consumers/tht_check.py" --tht "$tht" --dump-index >"$WORK/index.json"
  if ! "$PY" - "$WORK/targets.json" "$id" "$tht" "$WORK/index.json" <<'PY'; then
import json, os, sys
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
for service in ("GlanceApiEdge", "HAproxyEdge"):
    ref = registry.get(f"OS::TripleO::Services::{service}")
    if t["edge_services"] and not (isinstance(ref, str) and ref.endswith(".yaml")):
        problems.append(f"edge_services is true, but {t['dcn_environment']} does not enable {service}")
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
done < <("$PY" -c 'import json,sys; [print(t["id"], t["tht_version"]) for t in json.load(open(sys.argv[1])) if t["heat"]]' "$WORK/targets.json")
echo "check-targets: $([ "$fail" = 0 ] && echo ok || echo FAILED)"
[ "$fail" = 0 ]
