//! Release targets as data: what each TripleO release offers (environment files, roles, how keys
//! reach central Glance). Emitters and checks consult these tables instead of branching on names.

use crate::spec::TargetName;

/// A TripleO role dcnc knows, and what it runs.
#[derive(Debug, serde::Serialize)]
pub struct RoleInfo {
    pub name: &'static str,
    /// The role runs a Glance API at an edge site (GlanceApiEdge).
    pub edge_glance: bool,
    /// The role fits the central (control plane) stack.
    pub central: bool,
    /// The role fits an edge stack.
    pub edge: bool,
}

const fn role(name: &'static str, edge_glance: bool, central: bool, edge: bool) -> RoleInfo {
    RoleInfo {
        name,
        edge_glance,
        central,
        edge,
    }
}

/// Roles of tripleo-heat-templates `roles/` that a DCN deployment uses (same in 12.x and 14.x).
const ROLES: &[RoleInfo] = &[
    role("Controller", false, true, false),
    role("Compute", false, true, false),
    role("ComputeHCI", false, true, false),
    role("CephStorage", false, true, false),
    role("CephAll", false, true, true),
    role("DistributedCompute", true, false, true),
    role("DistributedComputeHCI", true, false, true),
    role("DistributedComputeScaleOut", false, false, true),
    role("DistributedComputeHCIScaleOut", false, false, true),
];

/// Everything dcnc needs to know about one release target. `dcnc targets --format json` prints
/// the tables; `scripts/check-targets.sh` verifies them against the real tripleo-heat-templates.
#[derive(Debug, serde::Serialize)]
pub struct Target {
    pub name: TargetName,
    /// The spec spelling, e.g. `wallaby`.
    pub id: &'static str,
    /// The tripleo-heat-templates release series this target is checked against.
    pub tht_version: &'static str,
    /// THT environment files of the central stack, in `-e` order (relative to THT).
    pub central_environments: &'static [&'static str],
    /// THT environment files of each edge stack, in `-e` order (relative to THT).
    pub edge_environments: &'static [&'static str],
    pub roles: &'static [RoleInfo],
    /// Central Glance learns the edge stores from heat (`GlanceMultistoreConfig`) and their keys
    /// from `openstack overcloud export ceph`; otherwise generated scripts do it after deploy.
    pub multistore_by_heat: bool,
    /// Edges carry the central store too (needs central's key, exported to the edges).
    pub edges_get_central_store: bool,
    /// The default cephx user central Glance uses on edge clusters; `{cluster}` is replaced.
    pub default_client_user: &'static str,
    /// Where a stack's config download goes (shell, with `$WORK` and `$STACK` set).
    pub config_download_dir: &'static str,
    /// The nova.conf `[glance]` option that points an edge's Nova at its Glance: what puppet-nova
    /// writes for GlanceApiEdge (`endpoint_override`), or the proof of concept's `api_servers`.
    pub nova_glance_option: &'static str,
    /// The edge environment sets `NovaDisableImageDownloadToRbd: true`, which the glance-cache
    /// topology (images not in the site's Ceph) must turn off.
    pub nova_download_guard: bool,
}

pub static WALLABY: Target = Target {
    name: TargetName::Wallaby,
    id: "wallaby",
    tht_version: "14.3.0",
    central_environments: &[
        "environments/podman.yaml",
        "environments/cephadm/cephadm-rbd-only.yaml",
    ],
    edge_environments: &[
        "environments/podman.yaml",
        "environments/cephadm/cephadm-rbd-only.yaml",
        "environments/dcn-storage.yaml",
    ],
    roles: ROLES,
    multistore_by_heat: true,
    edges_get_central_store: true,
    default_client_user: "openstack",
    config_download_dir: "$HOME/overcloud-deploy/$STACK/config-download",
    nova_glance_option: "endpoint_override",
    nova_download_guard: true,
};

pub static USSURI_POC: Target = Target {
    name: TargetName::UssuriPoc,
    id: "ussuri-poc",
    tht_version: "12.7.0",
    central_environments: &[
        "environments/podman.yaml",
        "environments/ceph-ansible/ceph-ansible.yaml",
    ],
    edge_environments: &[
        "environments/podman.yaml",
        "environments/ceph-ansible/ceph-ansible.yaml",
        "environments/dcn-hci.yaml",
    ],
    roles: ROLES,
    multistore_by_heat: false,
    edges_get_central_store: false,
    default_client_user: "{cluster}.glance",
    config_download_dir: "$WORK/$STACK/config-download",
    nova_glance_option: "api_servers",
    nova_download_guard: false,
};

/// Every target, in the order `dcnc targets` lists them.
pub static ALL: [&Target; 2] = [&WALLABY, &USSURI_POC];

impl Target {
    pub fn get(name: TargetName) -> &'static Target {
        match name {
            TargetName::Wallaby => &WALLABY,
            TargetName::UssuriPoc => &USSURI_POC,
        }
    }

    pub fn role(&self, name: &str) -> Option<&'static RoleInfo> {
        self.roles.iter().find(|r| r.name == name)
    }
}
