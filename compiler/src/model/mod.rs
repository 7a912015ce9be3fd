//! The validated deployment: what `check` produces and every later phase reads.
//!
//! Names are newtypes that can only hold valid values, so emitters never re-check them. Nothing
//! here is optional that a later phase needs: defaults were applied by `check`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

pub use crate::kinds::{CopyImageBy, SiteKind, Topology};
use crate::target::Target;

mod addr;
mod names;
mod units;

pub use addr::{Endpoint, MonAddr, Msgr};
pub use names::{
    AbsPath, CephUser, ClusterName, DevicePath, Fsid, PoolName, SiteName, StackName, StoreId,
};
pub use units::{parse_duration, parse_size};

/// Where a generated script reads a cephx key from at run time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum KeySource {
    /// An environment variable.
    Env(String),
    /// A file.
    File(String),
}

/// A role of a stack with its node count.
#[derive(Clone, Debug, Serialize)]
pub struct RoleCount {
    pub name: String,
    /// The THT role this one is a renamed copy of (`roles generate <base>:<name>`).
    pub base: Option<String>,
    pub count: u32,
    /// The node capability `<Role>SchedulerHints` matches; `None`: no scheduler hints.
    pub hint: Option<String>,
    pub flavor: String,
    /// Its nodes by host name and control plane address, when the spec lists them (`count` of
    /// them).
    pub nodes: Vec<Node>,
}

/// A node of a role: its host name and its address on the control plane network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    pub hostname: String,
    #[serde(serialize_with = "serialize_display")]
    pub ctlplane_ip: IpAddr,
}

fn serialize_display<T: fmt::Display, S: serde::Serializer>(
    v: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl RoleCount {
    /// The THT role it is made from: its base, else itself.
    pub fn tht_role(&self) -> &str {
        self.base.as_deref().unwrap_or(&self.name)
    }

    /// The host name of its node `index`: the spec's, else TripleO's `<stack>-<role>-<index>`.
    pub fn hostname(&self, stack: &str, index: u32) -> String {
        match self.nodes.get(index as usize) {
            Some(n) => n.hostname.clone(),
            None => default_hostname(stack, &self.name, index),
        }
    }

    /// Its argument of `openstack overcloud roles generate`: `Name`, or `Base:Name`.
    pub fn generate_arg(&self) -> String {
        match &self.base {
            Some(b) => format!("{b}:{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// The host name TripleO gives node `index` of `role` in `stack` (`hostname_format`
/// `%stackname%-<role in lower case>-%index%`).
pub fn default_hostname(stack: &str, role: &str, index: u32) -> String {
    format!("{stack}-{}-{index}", role.to_lowercase())
}

/// A network of a stack's `network_data` and the subnet its nodes are on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SiteNetwork {
    /// THT's name (`InternalApi`), as roles files and network_data name it.
    pub name: String,
    /// Its Neutron name (`internal_api`), which `baremetal.yaml` names it by.
    pub name_lower: String,
    pub subnet: String,
}

/// One site: a heat stack with its own Ceph cluster, which is also one Glance store.
#[derive(Clone, Debug, Serialize)]
pub struct Site {
    pub kind: SiteKind,
    pub name: SiteName,
    pub stack: StackName,
    pub cluster: ClusterName,
    pub fsid: Fsid,
    pub mons: Vec<MonAddr>,
    pub store: StoreId,
    pub store_description: String,
    /// Availability zone (edges and the central compute stack; central has one only where its
    /// services run in a zone of their own: rhoso-18).
    pub az: Option<String>,
    /// The site's local Glance API, which the site's Nova asks (edges only).
    pub glance_endpoint: Option<Endpoint>,
    /// Where a generated script reads a `client.openstack` key from: an edge's, when not from
    /// `export ceph`; central's only when its cluster is external.
    pub key: Option<KeySource>,
    /// Indexes into [`Deployment::sites`] of the other sites whose stores this site's Glance uses.
    pub remote_stores: Vec<usize>,
    pub roles: Vec<RoleCount>,
    /// The data disks of its Ceph OSD nodes, as the spec names them (empty: the target's
    /// default; see `Target::ceph_tool`).
    pub osd_devices: Vec<DevicePath>,
    /// The replica count of its pools, when the spec sets it (else Ceph's 3).
    pub pool_size: Option<u32>,
    pub roles_file: Option<String>,
    pub network_data: Option<String>,
    /// The networks of `network_data` its nodes are on, in name order (none without it).
    pub networks: Vec<SiteNetwork>,
    /// The os-net-config template of its nodes (with `network_data` only).
    pub network_config_template: Option<String>,
    pub environment_files: Vec<String>,
    pub ntp: Vec<String>,
    /// Extra heat parameters from the spec, already checked against what dcnc owns.
    pub parameters: BTreeMap<String, serde_json::Value>,
}

impl Site {
    /// How many of its nodes run Ceph OSDs (roles with CephOSD): the hosts its cluster keeps
    /// copies on.
    pub fn osd_hosts(&self, target: &Target) -> u32 {
        (self.roles.iter())
            .filter(|r| target.role(r.tht_role()).is_some_and(|i| i.ceph_osd))
            // Saturating: each count is bounded, their sum over many roles need not fit (the
            // fuzzer's seed input overflowed it); the callers compare it with small minimums.
            .fold(0u32, |n, r| n.saturating_add(r.count))
    }
}

/// The image cache of every edge Glance (topology `glance-cache`).
#[derive(Clone, Debug, Serialize)]
pub struct CacheSettings {
    pub dir: String,
    pub max_size: u64,
    pub stall_time: u64,
    pub prefetcher_interval: u64,
}

/// Glance settings shared by every site.
#[derive(Clone, Debug, Serialize)]
pub struct GlanceSettings {
    pub pool: PoolName,
    pub import_methods: Vec<String>,
    pub show_multiple_locations: bool,
    /// cephx user template; `{cluster}` becomes an edge's cluster name.
    pub client_user: String,
    pub caps_mon: String,
    pub caps_osd: String,
    /// NFS share for the central glance-api staging area, if any.
    pub staging_nfs_share: Option<String>,
    /// The edge image cache (topology `glance-cache` only).
    pub cache: Option<CacheSettings>,
    /// Who may copy an image into a store (`GlanceApiPolicies` when members may).
    pub copy_image_by: CopyImageBy,
    /// Images `distribute-images.sh` copies into every store.
    pub distribute_images: Vec<String>,
    /// Only raw images are uploaded (the spec says so).
    pub raw_images_only: bool,
}

/// The settings of target rhoso-18 (`spec.rhoso`), checked; defaults applied.
#[derive(Clone, Debug, Serialize)]
pub struct RhosoSettings {
    pub namespace: String,
    pub control_plane: String,
    pub secret: String,
    pub storage_class: String,
    pub ssh_key_secret: String,
    pub ansible_user: String,
    /// Each step's wait, as `oc wait --timeout` takes it (`3600s`).
    pub timeout: String,
    /// The MetalLB address of central's GlanceAPI, if given.
    pub central_glance_ip: Option<String>,
    /// `edpm_sshd_allowed_ranges`, if given.
    pub sshd_allowed_ranges: Vec<String>,
}

/// A checked deployment. `sites[0]` is the central site; the rest are edges in spec order.
#[derive(Debug)]
pub struct Deployment {
    pub target: &'static Target,
    pub topology: Topology,
    pub region: String,
    pub tht: String,
    pub work_dir: String,
    pub glance: GlanceSettings,
    pub ceph_conf_dir: String,
    /// `client_mount_timeout` of the client confs, in seconds, when set.
    pub client_mount_timeout: Option<u64>,
    pub sites: Vec<Site>,
    /// The compute stack at the central site (kind [`SiteKind::Compute`]): central's cluster,
    /// store and key, its own stack, roles and zone. Not one of `sites`, which are one per cluster.
    pub central_compute: Option<Site>,
    /// The rhoso-18 settings (checked for every target, used by that one).
    pub rhoso: RhosoSettings,
    /// Where the stacks' container images come from (TripleO targets).
    pub container_images: ContainerImages,
}

/// `container_images`: the `ContainerImagePrepare` environment every stack's deploy passes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContainerImages {
    /// Generated once on the undercloud by `openstack tripleo container image prepare default
    /// --local-push-destination`, into the work directory.
    Prepare,
    /// The user's own file on the undercloud.
    File(AbsPath),
}

impl Deployment {
    pub fn central(&self) -> &Site {
        &self.sites[0]
    }

    pub fn edges(&self) -> &[Site] {
        &self.sites[1..]
    }

    /// The central cluster is deployed outside TripleO: exactly when central has a `key`.
    pub fn external_central(&self) -> bool {
        self.central().key.is_some()
    }

    /// `site`'s stack deploys its own Ceph cluster (every edge, and central unless its cluster is
    /// external); otherwise it is a client of a cluster deployed outside TripleO (central with
    /// `external`, and the central compute stack on that cluster).
    pub fn deploys_own_cluster(&self, site: &Site) -> bool {
        match site.kind {
            SiteKind::Edge => true,
            SiteKind::Central => !self.external_central(),
            SiteKind::Compute => false,
        }
    }

    /// On a heat target, central Glance reads the edges with a user of its own (not TripleO's
    /// `openstack`): each edge stack makes it with `CephExtraKeys`, and `export ceph` exports it.
    pub fn edge_extra_key(&self) -> bool {
        self.target.multistore_by_heat && self.glance.client_user != "openstack"
    }

    /// The cephx user central Glance uses on `site`'s cluster.
    pub fn client_user(&self, site: &Site) -> String {
        match site.kind {
            SiteKind::Central | SiteKind::Compute => "openstack".to_string(),
            SiteKind::Edge => self
                .glance
                .client_user
                .replace("{cluster}", site.cluster.as_str()),
        }
    }
}
