//! The spec language (`dcn.yaml`): the raw types that parse the file and generate its JSON schema.
//!
//! These types say only what can be written; every leaf a check may complain about is
//! [`Located`], so a diagnostic can point at it. Defaults and meaning are applied by `check`,
//! which turns a [`Spec`] into a validated `model::Deployment`.

pub mod bounds;
pub mod defaults;
mod leaf;
mod parse;
pub mod placeholder;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

pub use crate::kinds::{CopyImageBy, TargetName, Topology};
pub use leaf::{Located, Quantity};
pub use parse::{json_schema, parse};

const FSID_PATTERN: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/// A multistore DCN deployment: one central site and any number of edge sites, each with its own
/// Ceph cluster, compiled by dcnc into TripleO environment files, scripts and configuration.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
#[schemars(title = "dcnc spec (dcn.yaml)")]
pub struct Spec {
    /// The release the artifacts are made for. `wallaby`: everything through heat parameters
    /// (`GlanceMultistoreConfig`, `CephExternalMultiConfig` from `openstack overcloud export
    /// ceph`). `ussuri-poc`: TripleO deploys each stack, then generated scripts make the cephx
    /// keys and edit glance-api.conf and nova.conf outside TripleO (the original proof of concept).
    #[serde(default)]
    #[schemars(default = "defaults::target")]
    pub target: Option<Located<TargetName>>,
    /// How edges get images. `multistore`: every site's Ceph is a Glance store; central Glance
    /// copies images to edge stores, and edges boot them copy-on-write. `glance-cache`: central
    /// Glance keeps images on swift; each edge's Glance caches the images its site uses.
    #[serde(default)]
    #[schemars(default = "defaults::topology")]
    pub topology: Option<Located<Topology>>,
    /// Keystone region name.
    #[schemars(default = "defaults::region", example = &"regionOne")]
    pub region: Option<Located<String>>,
    /// Path of tripleo-heat-templates on the undercloud.
    #[schemars(default = "defaults::tht")]
    pub tht: Option<Located<String>>,
    /// Directory on the undercloud where deploy scripts keep exports and other runtime files.
    #[schemars(default = "defaults::work_dir")]
    pub work_dir: Option<Located<String>>,
    /// Where every stack's container images come from: `prepare`, or the absolute path of your
    /// own containers-prepare-parameter.yaml on the undercloud.
    ///
    /// It is the `ContainerImagePrepare` environment each `deploy.sh` passes with `-e` (after the
    /// target's TripleO environments, before the stack's own files). `prepare`: the first `deploy.sh` to run writes
    /// `$DCNC_WORK_DIR/containers-prepare-parameter.yaml` with `openstack tripleo container image
    /// prepare default --local-push-destination` (the release's defaults, served by the
    /// undercloud's registry), and every stack and rerun passes that file; edit it there to change
    /// the namespace or tag. Otherwise the absolute path of your own
    /// containers-prepare-parameter.yaml on the undercloud, passed as it is. Without either, the
    /// client fills in the public registry's images (tripleo-common `default_image_params`) and
    /// every node pulls from there. TripleO targets only: `rhoso-18` ignores it (the operators'
    /// images come from the OpenStackVersion resource).
    #[schemars(
        default = "defaults::container_images",
        example = &"/home/stack/containers-prepare-parameter.yaml"
    )]
    pub container_images: Option<Located<String>>,
    /// Glance settings shared by every site.
    #[serde(default)]
    pub glance: Glance,
    /// Ceph client settings shared by every site.
    #[serde(default)]
    pub ceph: Ceph,
    /// The central site: the control plane and its Ceph cluster.
    pub central: Central,
    /// Values every edge site takes unless it sets its own.
    #[serde(default)]
    pub edge_defaults: EdgeDefaults,
    /// The edge (DCN) sites. Each runs compute, its own Ceph cluster and a local Glance.
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// Settings of target `rhoso-18` (RHOSO 18 on OpenShift) that have no TripleO counterpart;
    /// TripleO targets do not use them.
    #[serde(default)]
    pub rhoso: Rhoso,
}

/// Settings of target `rhoso-18`: where the custom resources go and what they refer to that
/// you make yourself (secrets, networks), and how long each step waits.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Rhoso {
    /// The OpenShift namespace of the control plane and the data plane.
    #[schemars(default = "defaults::rhoso_namespace")]
    pub namespace: Option<Located<String>>,
    /// The name of the OpenStackControlPlane.
    #[schemars(default = "defaults::rhoso_control_plane")]
    pub control_plane: Option<Located<String>>,
    /// The Secret with the services' passwords (`spec.secret`), which you create.
    #[schemars(default = "defaults::rhoso_secret")]
    pub secret: Option<Located<String>>,
    /// The storage class of the control plane's volumes (`spec.storageClass`).
    #[schemars(default = "defaults::rhoso_storage_class")]
    pub storage_class: Option<Located<String>>,
    /// The Secret with the SSH private key ansible uses on the data plane nodes
    /// (`ansibleSSHPrivateKeySecret`), which you create.
    #[schemars(default = "defaults::rhoso_ssh_key_secret")]
    pub ssh_key_secret: Option<Located<String>>,
    /// The user ansible logs in as on the data plane nodes.
    #[schemars(default = "defaults::rhoso_ansible_user")]
    pub ansible_user: Option<Located<String>>,
    /// How long each step waits for its resource to be Ready: seconds, or with `s`, `m`, `h`.
    #[schemars(default = "defaults::rhoso_timeout", example = &"90m")]
    pub timeout: Option<Located<Quantity>>,
    /// The MetalLB address of the central GlanceAPI's internal service, which central's
    /// computes reach it on (each edge's is its `glance_api`). Without it the service stays as
    /// your own control plane makes it.
    #[schemars(example = &"172.17.0.80")]
    pub central_glance_api: Option<Located<String>>,
    /// Networks (CIDRs) whose hosts may SSH to the data plane nodes (`edpm_sshd_allowed_ranges`):
    /// every site's control plane network. Default: edpm-ansible's.
    #[serde(default)]
    #[schemars(example = &["192.168.122.0/24", "192.168.133.0/24"])]
    pub sshd_allowed_ranges: Vec<Located<String>>,
}

/// Glance settings shared by every site.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Glance {
    /// The Ceph pool that holds images in every cluster.
    #[schemars(default = "defaults::pool", regex(pattern = r"^[a-zA-Z0-9_.-]+$"))]
    pub pool: Option<Located<String>>,
    /// Enabled image import methods. `copy-image` is what copies an image to an edge store.
    #[schemars(default = "defaults::import_methods")]
    pub import_methods: Option<Located<Vec<Located<String>>>>,
    /// Expose image locations, which copy-on-write boots from rbd need.
    #[schemars(default = "defaults::show_multiple_locations")]
    pub show_multiple_locations: Option<Located<bool>>,
    /// The cephx user (without `client.`) that central Glance uses on each edge cluster.
    /// `{cluster}` is replaced by the edge's cluster name (ussuri-poc only: on the heat targets one
    /// `export ceph` names one user for every edge). On wallaby, ussuri and tht-18 a user other
    /// than `openstack` is central Glance's own, separate and revocable: each edge stack makes it
    /// with `CephExtraKeys` and `caps`, its key made at deploy time. Default: `openstack` for
    /// wallaby, ussuri and tht-18, `{cluster}.glance` for ussuri-poc.
    #[schemars(example = &"openstack", regex(pattern = r"^[a-zA-Z0-9_.{}-]+$"))]
    pub client_user: Option<Located<String>>,
    /// Capabilities of that user on each edge cluster (not of `openstack`, which TripleO makes
    /// with its own).
    #[serde(default)]
    pub caps: Caps,
    /// An NFS share (`host:/path`) mounted as the staging area of every central glance-api
    /// (`GlanceStagingNfsShare`), so that a glance-direct upload staged on one controller can be
    /// imported by another. dcnc also points Glance's staging store
    /// (`[os_glance_staging_store] filesystem_store_datadir`, which Glance uses with
    /// `enabled_backends` and no TripleO release sets) at the mount.
    #[schemars(example = &"192.168.24.1:/export/glance-staging")]
    pub staging_nfs_share: Option<Located<String>>,
    /// The image cache of each edge's Glance (topology `glance-cache` only).
    pub cache: Option<Located<Cache>>,
    /// The size of the largest image you will serve, e.g. `20GiB`; dcnc warns when an edge cache
    /// cannot hold it.
    pub largest_image: Option<Located<Quantity>>,
    /// Who may copy an image into a store. A boot at an edge of an image not yet in the edge's
    /// store makes Nova (wallaby, tht-18) ask the edge Glance to copy it, with the booting user's
    /// token; Glance's `copy_image` policy is admin-only. `member` emits `GlanceApiPolicies` that
    /// let members copy too; with `admin`, copy images to the edges first
    /// (`distribute_images`).
    #[schemars(default = "defaults::copy_image_by")]
    pub copy_image_by: Option<Located<CopyImageBy>>,
    /// Names of images that the generated `distribute-images.sh` copies into every store, as an
    /// admin, waiting for Glance's tasks; run it after each upload (it skips the stores an image
    /// is already in). It also takes names on its command line.
    #[serde(default)]
    #[schemars(example = &["cirros", "rhel-9.4"])]
    pub distribute_images: Vec<Located<String>>,
    /// You upload only raw images (converted beforehand, e.g. `qemu-img convert -O raw`): a stack
    /// whose Glance does not convert images to raw at import is then not an error where Nova
    /// refuses to download (DCN052). Nova clones only raw images.
    #[schemars(default = "defaults::raw_images_only")]
    pub raw_images_only: Option<Located<bool>>,
    /// Every Glance endpoint (central's and the edges') is reachable only from networks you
    /// trust. Releases with a single Glance API per site (wallaby 14.3.0, ussuri) show image
    /// locations on it to every user, which copy-on-write needs (OSSN-0090); dcnc warns about it
    /// unless you say so here (DCN051).
    #[schemars(default = "defaults::private_endpoints")]
    pub private_endpoints: Option<Located<bool>>,
}

/// The image cache of an edge Glance (`GlanceCacheEnabled` and its parameters).
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// Directory of the cache on each edge glance-api node.
    #[schemars(default = "defaults::cache_dir")]
    pub dir: Option<Located<String>>,
    /// Size the cache is pruned to: bytes, or a number with a unit (`KiB`, `MiB`, `GiB`, `TiB`,
    /// `KB`, `MB`, `GB`, `TB`).
    #[schemars(default = "defaults::cache_size", example = &"10GiB")]
    pub max_size: Option<Located<Quantity>>,
    /// How long an incomplete cache entry may sit before it is removed: seconds, or a number with
    /// `s`, `m`, `h` or `d`.
    #[schemars(default = "defaults::stall_time", example = &"1d")]
    pub stall_time: Option<Located<Quantity>>,
    /// How often the prefetcher caches the images queued for it: seconds, or with `s`, `m`, `h`, `d`.
    #[schemars(default = "defaults::prefetch", example = &"5m")]
    pub prefetcher_interval: Option<Located<Quantity>>,
}

/// Cephx capabilities, as `ceph auth get-or-create` takes them.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Caps {
    /// Monitor caps.
    #[schemars(default = "defaults::mon_caps")]
    pub mon: Option<Located<String>>,
    /// OSD caps, without an `osd:` prefix. Default: `profile rbd pool=<glance pool>`.
    #[schemars(example = &"profile rbd pool=images")]
    pub osd: Option<Located<String>>,
}

/// Ceph client settings shared by every site.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Ceph {
    /// Directory holding `<cluster>.conf` and keyrings on the hosts that run Glance.
    #[schemars(default = "defaults::conf_dir")]
    pub conf_dir: Option<Located<String>>,
    /// Replica count of the pools of every cluster TripleO deploys, unless its site sets its own
    /// (`pool_default_size` of `central`, `edge_defaults` or an edge): `CephPoolDefaultSize`
    /// (ceph-ansible targets), `osd_pool_default_size` of the initial ceph.conf that `openstack
    /// overcloud ceph deploy --config` gets (`tht-18`). Default: Ceph's 3. Ceph keeps each copy
    /// on another host, so every site needs at least this many Ceph OSD hosts (DCN060); `1`
    /// suits a lab with one node per site.
    #[schemars(range(min = 1, max = bounds::POOL_SIZE), example = &1)]
    pub pool_default_size: Option<Located<u32>>,
    /// The disks every Ceph OSD node uses for data, unless its site names its own
    /// (`osd_devices` of `central`, `edge_defaults` or an edge), e.g. `[/dev/sdb]`. ceph-ansible
    /// targets: `CephAnsibleDisksConfig` `devices` (needed on `wallaby`, whose default is no
    /// disk at all; `ussuri` defaults to `/dev/vdb`). `tht-18`: the OSD spec of `openstack
    /// overcloud ceph deploy --osd-spec` (default: every available disk).
    #[schemars(example = &["/dev/sdb"])]
    pub osd_devices: Option<Located<Vec<Located<String>>>>,
    /// How long a client (Glance) waits for a cluster before giving up (`client_mount_timeout` in
    /// the generated client confs): seconds, or with `s`, `m`, `h`. Default: Ceph's own (300 s).
    /// A short value makes an unreachable edge cluster fail fast instead of stalling Glance.
    #[schemars(example = &"30s")]
    pub client_mount_timeout: Option<Located<Quantity>>,
}

/// A TripleO role with its node count.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Role name as in tripleo-heat-templates `roles/`, e.g. `Controller`, `DistributedComputeHCI`;
    /// or a name of your own for a copy of the `base` role.
    pub name: Located<String>,
    /// The tripleo-heat-templates role this one is a renamed copy of: `openstack overcloud roles
    /// generate <base>:<name>`, which requires `name` to start with `base` (e.g. base
    /// `DistributedComputeHCI`, name `DistributedComputeHCIEdge`). Its parameters are then
    /// `<name>Count`, `<name>SchedulerHints`...
    #[schemars(example = &"DistributedComputeHCI")]
    pub base: Option<Located<String>>,
    /// Number of nodes (at most 1000; a stack has at most 1000 nodes in all).
    #[schemars(range(max = bounds::ROLE_NODES))]
    pub count: Located<u32>,
    /// Ironic node capability the scheduler matches (`<Role>SchedulerHints`); `%index%` is the
    /// node index. Default `<stack>-<role>-%index%` in lower case. `""`: no scheduler hints
    /// (`{}`, TripleO's default): Nova places the role's nodes by flavor alone. Changing the
    /// hints of deployed nodes makes heat replace them, so keep what a deployment has.
    #[schemars(example = &"0-controller-%index%")]
    pub hint: Option<Located<String>>,
    /// Nova flavor of the role's nodes.
    #[schemars(default = "defaults::flavor")]
    pub flavor: Option<Located<String>>,
    /// The role's nodes, one per `count`: host name and control plane address. `rhoso-18` needs
    /// them for every role that runs Nova compute (its data plane node set is pre-provisioned:
    /// ansible reaches each node at that address). Targets that provision nodes
    /// (`openstack overcloud node provision`: `tht-18`) give each instance of `baremetal.yaml`
    /// this host name and a fixed ctlplane address. The other TripleO targets place nodes by
    /// flavor and hint and let heat name them and Neutron address them, so they do not use them.
    pub nodes: Option<Vec<Node>>,
}

/// A node of a role.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Host name (a DNS name in lower case). Default: `<stack>-<role in lower case>-<index>`, the
    /// name TripleO gives it.
    #[schemars(example = &"dcn0-compute-0")]
    pub hostname: Option<Located<String>>,
    /// The node's address on the control plane (provisioning) network.
    #[schemars(example = &"192.168.133.100")]
    pub ctlplane_ip: Located<String>,
}

impl Role {
    /// The THT role it is made from: `base`, else its own name.
    pub fn tht_role(&self) -> &str {
        self.base.as_ref().map_or(&self.name.value, |b| &b.value)
    }
}

/// The Glance store a site's Ceph cluster becomes.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Store {
    /// Store id (`GlanceBackendID`, a section of glance-api.conf). Default: the cluster name.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9_-]+$"))]
    pub id: Option<Located<String>>,
    /// Human description shown by `glance stores-info`. Default: `<id> rbd glance store`.
    pub description: Option<Located<String>>,
}

/// Extra heat parameters for a stack, passed through as `parameter_defaults`.
pub type Parameters = BTreeMap<Located<String>, Located<serde_json::Value>>;

/// The central site: control plane, central Ceph cluster and the Glance every edge is copied from.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct Central {
    /// Heat stack name.
    #[schemars(default = "defaults::central_stack")]
    pub stack: Option<Located<String>>,
    /// Ceph cluster name (`CephClusterName`): letters and digits only, not the stack name.
    #[schemars(
        default = "defaults::central_cluster",
        regex(pattern = r"^[a-zA-Z0-9]+$")
    )]
    pub cluster: Option<Located<String>>,
    /// Availability zone of the central site (`rhoso-18`: the key of its GlanceAPI, the zone of
    /// its cinder-volume and computes, Nova's default schedule zone). Default: the cluster name.
    /// TripleO targets keep central in Nova's default zone: there the zones are what the edges'
    /// DCN environments set, and central's services have none of their own.
    #[schemars(example = &"az0")]
    pub az: Option<Located<String>>,
    /// Ceph cluster fsid (a UUID).
    #[schemars(example = &"6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60", regex(pattern = FSID_PATTERN))]
    pub fsid: Located<String>,
    /// Ceph monitor addresses: IPv4 or IPv6, optionally with a port. Ceph reads a port other than
    /// 6789 as a msgr2 port: give a mon's v2 port (3300 by default), no port for both defaults,
    /// or Ceph's `v1:`/`v2:` prefix to name the protocol (`v1:172.16.11.1:16789`).
    pub mons: Located<Vec<Located<String>>>,
    /// The Glance store of this cluster.
    #[serde(default)]
    pub store: Store,
    /// NTP servers (`NtpServer`).
    #[serde(default)]
    pub ntp: Vec<Located<String>>,
    /// Roles and node counts. Default: 3 `Controller`, 3 `ComputeHCI`.
    pub roles: Option<Vec<Role>>,
    /// The disks of this site's Ceph OSD nodes. Default: `ceph.osd_devices`.
    pub osd_devices: Option<Located<Vec<Located<String>>>>,
    /// Replica count of this site's pools. Default: `ceph.pool_default_size`.
    #[schemars(range(min = 1, max = 10))]
    pub pool_default_size: Option<Located<u32>>,
    /// A roles file of your own instead of `openstack overcloud roles generate`.
    pub roles_file: Option<Located<String>>,
    /// A network data file passed with `-n`.
    pub network_data: Option<Located<String>>,
    /// The networks of `network_data` this stack's nodes are on (THT network names, as in the
    /// roles file: `InternalApi`), each with its subnet at this site (a routed DCN site has its
    /// own: `internal_api_dcn0`). `baremetal.yaml` gives every node a port on each network its
    /// role has (THT's `roles/<Role>.yaml`), on that subnet (targets with `overcloud network
    /// provision`: wallaby, tht-18), and `deploy.sh` puts the subnets into the generated roles
    /// file. Default, with `network_data`: every network of the stack's roles on THT's subnet
    /// `<name_lower>_subnet`. Only with `network_data`.
    #[schemars(example = &network_example())]
    pub networks: Option<BTreeMap<Located<String>, Located<String>>>,
    /// The os-net-config template `node provision --network-config` applies to this stack's
    /// nodes (`baremetal.yaml` `network_config.template`, a path of tripleo-ansible's
    /// `tripleo_network_config` role or an absolute one). Default:
    /// `templates/single_nic_vlans/single_nic_vlans.j2`, which configures every network of the
    /// node (tripleo-ansible's own default, `templates/net_config_bridge.j2`, only the control
    /// plane). Only with `network_data`.
    pub network_config_template: Option<Located<String>>,
    /// Extra environment files passed with `-e` after the TripleO ones and before dcnc's.
    #[serde(default)]
    pub environment_files: Vec<Located<String>>,
    /// Extra heat parameters (`parameter_defaults`) for this stack.
    #[serde(default)]
    pub parameters: Parameters,
    /// The central Ceph cluster is deployed outside TripleO, before anything else, and holds the
    /// images, volumes and vms pools; central is only its client (multistore topology).
    pub external: Option<Located<External>>,
    /// A compute stack at the central site whose instances use the external cluster's vms pool
    /// and whose local Glance serves the central store (roles such as `DistributedCompute`).
    /// Needs `external`, and a target with edge Glance services.
    pub compute: Option<Located<CentralCompute>>,
}

/// A central Ceph cluster deployed outside TripleO.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct External {
    /// Where the key of the cluster's `client.openstack` user is (`CephClientKey`), read by
    /// `external-ceph.sh` at deploy time. The key itself is never written in the spec nor in the
    /// output tree.
    pub key: Located<KeyRef>,
}

/// A compute stack at the central site, on the external central cluster.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct CentralCompute {
    /// Heat stack name, e.g. `central`. Not the name of any Ceph cluster.
    #[schemars(example = &"central-compute")]
    pub stack: Located<String>,
    /// Availability zone of its Nova and Cinder. Default: the stack name.
    pub az: Option<Located<String>>,
    /// Roles and node counts. Default: 3 `DistributedCompute`.
    pub roles: Option<Vec<Role>>,
    /// A network data file passed with `-n`.
    pub network_data: Option<Located<String>>,
    /// The networks of `network_data` this stack's nodes are on (THT network names, as in the
    /// roles file: `InternalApi`), each with its subnet at this site (a routed DCN site has its
    /// own: `internal_api_dcn0`). `baremetal.yaml` gives every node a port on each network its
    /// role has (THT's `roles/<Role>.yaml`), on that subnet (targets with `overcloud network
    /// provision`: wallaby, tht-18), and `deploy.sh` puts the subnets into the generated roles
    /// file. Default, with `network_data`: every network of the stack's roles on THT's subnet
    /// `<name_lower>_subnet`. Only with `network_data`.
    #[schemars(example = &network_example())]
    pub networks: Option<BTreeMap<Located<String>, Located<String>>>,
    /// The os-net-config template `node provision --network-config` applies to this stack's
    /// nodes (`baremetal.yaml` `network_config.template`, a path of tripleo-ansible's
    /// `tripleo_network_config` role or an absolute one). Default:
    /// `templates/single_nic_vlans/single_nic_vlans.j2`, which configures every network of the
    /// node (tripleo-ansible's own default, `templates/net_config_bridge.j2`, only the control
    /// plane). Only with `network_data`.
    pub network_config_template: Option<Located<String>>,
    /// Extra environment files passed with `-e`.
    #[serde(default)]
    pub environment_files: Vec<Located<String>>,
    /// Extra heat parameters for this stack.
    #[serde(default)]
    pub parameters: Parameters,
}

/// Values every edge site takes unless it sets its own.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct EdgeDefaults {
    /// Roles and node counts. Default: 3 `DistributedComputeHCI`.
    pub roles: Option<Vec<Role>>,
    /// The disks of every edge's Ceph OSD nodes. Default: `ceph.osd_devices`.
    pub osd_devices: Option<Located<Vec<Located<String>>>>,
    /// Replica count of every edge's pools. Default: `ceph.pool_default_size`.
    #[schemars(range(min = 1, max = 10), example = &1)]
    pub pool_default_size: Option<Located<u32>>,
    /// Port of each edge's local Glance API, where `glance_api` has none. Default: 9292, or
    /// 9293 (the internal Glance API, which shows image locations) for target `tht-18`.
    #[schemars(example = &9292)]
    pub glance_port: Option<Located<u16>>,
    /// A network data file passed with `-n`.
    pub network_data: Option<Located<String>>,
    /// Extra environment files for every edge stack.
    #[serde(default)]
    pub environment_files: Vec<Located<String>>,
    /// Extra heat parameters for every edge stack.
    #[serde(default)]
    pub parameters: Parameters,
}

/// An edge (DCN) site.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// Site name; also the default stack, cluster, store id and availability zone.
    #[schemars(example = &"dcn0", regex(pattern = r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"))]
    pub name: Located<String>,
    /// Heat stack name. Default: the site name.
    pub stack: Option<Located<String>>,
    /// Ceph cluster name. Default: the site name.
    #[schemars(regex(pattern = r"^[a-zA-Z0-9]+$"))]
    pub cluster: Option<Located<String>>,
    /// Ceph cluster fsid (a UUID).
    #[schemars(regex(pattern = FSID_PATTERN))]
    pub fsid: Located<String>,
    /// Ceph monitor addresses: IPv4 or IPv6, optionally with a port. Ceph reads a port other than
    /// 6789 as a msgr2 port: give a mon's v2 port (3300 by default), no port for both defaults,
    /// or Ceph's `v1:`/`v2:` prefix to name the protocol (`v1:172.16.11.1:16789`).
    pub mons: Located<Vec<Located<String>>>,
    /// Address (IP or `IP:port`) of the site's local Glance API, which the site's Nova asks. On
    /// the TripleO targets GlanceApiEdge points each node's Nova at the Glance on the node itself,
    /// and this address is only shown in the nova.conf for review (none without it) and checked by
    /// verify-addresses.sh; `rhoso-18` needs it (the edge GlanceAPI's LoadBalancer address).
    #[schemars(example = &"172.16.13.212")]
    pub glance_api: Option<Located<String>>,
    /// Availability zone of Nova and Cinder. Default: the site name.
    pub az: Option<Located<String>>,
    /// The Glance store of this cluster.
    #[serde(default)]
    pub store: Store,
    /// Stores of other sites this site's Glance uses besides its own. Default: the central store.
    /// Never another edge's store: that would ship one edge's key to another.
    pub stores: Option<Vec<Located<String>>>,
    /// Where the cephx key of the `openstack` user on this edge's cluster comes from, for
    /// central Glance (wallaby). Default: `openstack overcloud export ceph` reads it from the
    /// deployed stack. The key itself is never written in the spec nor in the output tree.
    pub key: Option<Located<KeyRef>>,
    /// Roles and node counts. Default: `edge_defaults.roles`.
    pub roles: Option<Vec<Role>>,
    /// The disks of this site's Ceph OSD nodes. Default: `edge_defaults.osd_devices`, else
    /// `ceph.osd_devices`.
    pub osd_devices: Option<Located<Vec<Located<String>>>>,
    /// Replica count of this site's pools. Default: `edge_defaults.pool_default_size`, else
    /// `ceph.pool_default_size`.
    #[schemars(range(min = 1, max = 10))]
    pub pool_default_size: Option<Located<u32>>,
    /// A network data file passed with `-n`. Default: `edge_defaults.network_data`.
    pub network_data: Option<Located<String>>,
    /// The networks of `network_data` this stack's nodes are on (THT network names, as in the
    /// roles file: `InternalApi`), each with its subnet at this site (a routed DCN site has its
    /// own: `internal_api_dcn0`). `baremetal.yaml` gives every node a port on each network its
    /// role has (THT's `roles/<Role>.yaml`), on that subnet (targets with `overcloud network
    /// provision`: wallaby, tht-18), and `deploy.sh` puts the subnets into the generated roles
    /// file. Default, with `network_data`: every network of the stack's roles on THT's subnet
    /// `<name_lower>_subnet`. Only with `network_data`.
    #[schemars(example = &network_example())]
    pub networks: Option<BTreeMap<Located<String>, Located<String>>>,
    /// The os-net-config template `node provision --network-config` applies to this stack's
    /// nodes (`baremetal.yaml` `network_config.template`, a path of tripleo-ansible's
    /// `tripleo_network_config` role or an absolute one). Default:
    /// `templates/single_nic_vlans/single_nic_vlans.j2`, which configures every network of the
    /// node (tripleo-ansible's own default, `templates/net_config_bridge.j2`, only the control
    /// plane). Only with `network_data`.
    pub network_config_template: Option<Located<String>>,
    /// Extra environment files for this stack, after `edge_defaults.environment_files`.
    #[serde(default)]
    pub environment_files: Vec<Located<String>>,
    /// Extra heat parameters for this stack, over `edge_defaults.parameters`.
    #[serde(default)]
    pub parameters: Parameters,
}

/// A reference to a cephx key kept outside the spec; read by the generated scripts at run time.
#[derive(Deserialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct KeyRef {
    /// Name of an environment variable that holds the key when the scripts run.
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"), example = &"DCN0_CEPH_KEY")]
    pub env: Option<String>,
    /// Path of a file (on the undercloud) that holds the key.
    pub file: Option<String>,
}

/// The example of a site's `networks`: a routed edge site's own subnets.
fn network_example() -> BTreeMap<String, String> {
    [
        ("InternalApi", "internal_api_dcn0"),
        ("Storage", "storage_dcn0"),
        ("StorageMgmt", "storage_mgmt_dcn0"),
        ("Tenant", "tenant_dcn0"),
    ]
    .into_iter()
    .map(|(n, s)| (n.to_string(), s.to_string()))
    .collect()
}
