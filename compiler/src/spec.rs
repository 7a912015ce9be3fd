//! The spec language (`dcn.yaml`): the raw types that parse the file and generate its JSON schema.
//!
//! These types say only what can be written; every leaf a check may complain about is
//! [`Located`], so a diagnostic can point at it. Defaults and meaning are applied by `check`,
//! which turns a [`Spec`] into a validated `model::Deployment`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diag::{did_you_mean, Code, Diagnostic, Span};

/// A value together with where it was written in the spec.
#[derive(Clone, Debug)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Located<T> {
    pub fn new(value: T, span: Span) -> Self {
        Located { value, span }
    }
}

impl<T: PartialEq> PartialEq for Located<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T: Eq> Eq for Located<T> {}
impl<T: Ord> PartialOrd for Located<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: Ord> Ord for Located<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

fn span_of(loc: &serde_saphyr::Location) -> Span {
    Span::new(
        loc.line() as u32,
        loc.column() as u32,
        loc.span().len() as u32,
    )
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(Located::new(s.value, span_of(&s.referenced)))
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

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
    #[schemars(default = "default_target")]
    pub target: Option<Located<TargetName>>,
    /// How edges get images. `multistore`: every site's Ceph is a Glance store; central Glance
    /// copies images to edge stores, and edges boot them copy-on-write. `glance-cache`: central
    /// Glance keeps images on swift; each edge's Glance caches the images its site uses.
    #[serde(default)]
    #[schemars(default = "default_topology")]
    pub topology: Option<Located<Topology>>,
    /// Keystone region name.
    #[schemars(default = "default_region", example = &"regionOne")]
    pub region: Option<Located<String>>,
    /// Path of tripleo-heat-templates on the undercloud.
    #[schemars(default = "default_tht")]
    pub tht: Option<Located<String>>,
    /// Directory on the undercloud where deploy scripts keep exports and other runtime files.
    #[schemars(default = "default_work_dir")]
    pub work_dir: Option<Located<String>>,
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
}

fn default_target() -> &'static str {
    "wallaby"
}
pub(crate) fn default_region() -> &'static str {
    "regionOne"
}
pub(crate) fn default_tht() -> &'static str {
    "/usr/share/openstack-tripleo-heat-templates"
}
pub(crate) fn default_work_dir() -> &'static str {
    "$HOME/dcnc-work"
}

fn default_topology() -> &'static str {
    "multistore"
}

/// How edge sites get their images.
#[derive(Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Topology {
    /// One Glance store per site's Ceph cluster; images are copied to edges.
    Multistore,
    /// Central Glance on swift; an image cache in each edge's Glance.
    GlanceCache,
}

/// A release target of TripleO.
#[derive(
    Deserialize, serde::Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "kebab-case")]
pub enum TargetName {
    /// Stable/wallaby (tripleo-heat-templates 14.x): pure heat parameters.
    Wallaby,
    /// Stable/ussuri (tripleo-heat-templates 12.x) with the proof of concept's out-of-band steps.
    UssuriPoc,
    /// Stable/ussuri (tripleo-heat-templates 12.x) through heat parameters alone, as `wallaby`
    /// does it, with ceph-ansible.
    Ussuri,
    /// tripleo-heat-templates 18.0.0, the last release (after zed): cephadm, and the internal
    /// Glance API (GlanceApiInternal, port 9293) shows image locations.
    #[serde(rename = "tht-18")]
    Tht18,
}

/// Glance settings shared by every site.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Glance {
    /// The Ceph pool that holds images in every cluster.
    #[schemars(default = "default_pool", regex(pattern = r"^[a-zA-Z0-9_.-]+$"))]
    pub pool: Option<Located<String>>,
    /// Enabled image import methods. `copy-image` is what copies an image to an edge store.
    #[schemars(default = "default_import_methods")]
    pub import_methods: Option<Located<Vec<Located<String>>>>,
    /// Expose image locations, which copy-on-write boots from rbd need.
    #[schemars(default = "default_true")]
    pub show_multiple_locations: Option<Located<bool>>,
    /// The cephx user (without `client.`) that central Glance uses on each edge cluster.
    /// `{cluster}` is replaced by the edge's cluster name. Default: `openstack` for wallaby,
    /// `{cluster}.glance` for ussuri-poc.
    #[schemars(example = &"openstack", regex(pattern = r"^[a-zA-Z0-9_.{}-]+$"))]
    pub client_user: Option<Located<String>>,
    /// Capabilities of that user on each edge cluster.
    #[serde(default)]
    pub caps: Caps,
    /// An NFS share (`host:/path`) mounted as the staging area of every central glance-api
    /// (`GlanceStagingNfsShare`), so that a glance-direct upload staged on one controller can be
    /// imported by another.
    #[schemars(example = &"192.168.24.1:/export/glance-staging")]
    pub staging_nfs_share: Option<Located<String>>,
    /// The image cache of each edge's Glance (topology `glance-cache` only).
    pub cache: Option<Located<Cache>>,
    /// The size of the largest image you will serve, e.g. `20GiB`; dcnc warns when an edge cache
    /// cannot hold it.
    pub largest_image: Option<Located<Quantity>>,
}

/// The image cache of an edge Glance (`GlanceCacheEnabled` and its parameters).
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// Directory of the cache on each edge glance-api node.
    #[schemars(default = "default_cache_dir")]
    pub dir: Option<Located<String>>,
    /// Size the cache is pruned to: bytes, or a number with a unit (`KiB`, `MiB`, `GiB`, `TiB`,
    /// `KB`, `MB`, `GB`, `TB`).
    #[schemars(default = "default_cache_size", example = &"10GiB")]
    pub max_size: Option<Located<Quantity>>,
    /// How long an incomplete cache entry may sit before it is removed: seconds, or a number with
    /// `s`, `m`, `h` or `d`.
    #[schemars(default = "default_stall_time", example = &"1d")]
    pub stall_time: Option<Located<Quantity>>,
    /// How often the prefetcher caches the images queued for it: seconds, or with `s`, `m`, `h`, `d`.
    #[schemars(default = "default_prefetch", example = &"5m")]
    pub prefetcher_interval: Option<Located<Quantity>>,
}

pub(crate) fn default_cache_dir() -> &'static str {
    "/var/lib/glance/image-cache"
}
pub(crate) fn default_cache_size() -> &'static str {
    "10GiB"
}
pub(crate) fn default_stall_time() -> &'static str {
    "1d"
}
pub(crate) fn default_prefetch() -> &'static str {
    "5m"
}

/// A number, or a number with a unit, as written: `10737418240`, `10GiB`, `1d`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity(pub String);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, or a number with a unit such as `10GiB` or `1d`")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number, or a number with a unit such as `10GiB` or `1d`.",
            "oneOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?\\s*[A-Za-z]*$"}
            ]
        })
    }
}

pub(crate) fn default_pool() -> &'static str {
    "images"
}
fn default_import_methods() -> Vec<&'static str> {
    crate::check::DEFAULT_IMPORT_METHODS.to_vec()
}
fn default_true() -> bool {
    true
}

/// Cephx capabilities, as `ceph auth get-or-create` takes them.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Caps {
    /// Monitor caps.
    #[schemars(default = "default_mon_caps")]
    pub mon: Option<Located<String>>,
    /// OSD caps, without an `osd:` prefix. Default: `profile rbd pool=<glance pool>`.
    #[schemars(example = &"profile rbd pool=images")]
    pub osd: Option<Located<String>>,
}

pub(crate) fn default_mon_caps() -> &'static str {
    "profile rbd"
}

/// Ceph client settings shared by every site.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct Ceph {
    /// Directory holding `<cluster>.conf` and keyrings on the hosts that run Glance.
    #[schemars(default = "default_conf_dir")]
    pub conf_dir: Option<Located<String>>,
    /// Replica count of the pools (`CephPoolDefaultSize`).
    pub pool_default_size: Option<Located<u32>>,
    /// How long a client (Glance) waits for a cluster before giving up (`client_mount_timeout` in
    /// the generated client confs): seconds, or with `s`, `m`, `h`. Default: Ceph's own (300 s).
    /// A short value makes an unreachable edge cluster fail fast instead of stalling Glance.
    #[schemars(example = &"30s")]
    pub client_mount_timeout: Option<Located<Quantity>>,
}

pub(crate) fn default_conf_dir() -> &'static str {
    "/etc/ceph"
}

/// A TripleO role with its node count.
#[derive(Deserialize, JsonSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Role name as in tripleo-heat-templates `roles/`, e.g. `Controller`, `DistributedComputeHCI`.
    pub name: Located<String>,
    /// Number of nodes.
    pub count: Located<u32>,
    /// Ironic node capability the scheduler matches (`<Role>SchedulerHints`); `%index%` is the
    /// node index. Default `<stack>-<role>-%index%` in lower case.
    #[schemars(example = &"0-controller-%index%")]
    pub hint: Option<Located<String>>,
    /// Nova flavor of the role's nodes.
    #[schemars(default = "default_flavor")]
    pub flavor: Option<Located<String>>,
}

pub(crate) fn default_flavor() -> &'static str {
    "baremetal"
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
    #[schemars(default = "default_central_stack")]
    pub stack: Option<Located<String>>,
    /// Ceph cluster name (`CephClusterName`): letters and digits only, not the stack name.
    #[schemars(
        default = "default_central_cluster",
        regex(pattern = r"^[a-zA-Z0-9]+$")
    )]
    pub cluster: Option<Located<String>>,
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
    /// A roles file of your own instead of `openstack overcloud roles generate`.
    pub roles_file: Option<Located<String>>,
    /// A network data file passed with `-n`.
    pub network_data: Option<Located<String>>,
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
    /// Extra environment files passed with `-e`.
    #[serde(default)]
    pub environment_files: Vec<Located<String>>,
    /// Extra heat parameters for this stack.
    #[serde(default)]
    pub parameters: Parameters,
}

pub(crate) fn default_central_stack() -> &'static str {
    "control-plane"
}
pub(crate) fn default_central_cluster() -> &'static str {
    "central"
}

/// Values every edge site takes unless it sets its own.
#[derive(Deserialize, JsonSchema, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct EdgeDefaults {
    /// Roles and node counts. Default: 3 `DistributedComputeHCI`.
    pub roles: Option<Vec<Role>>,
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
    /// Address (IP or `IP:port`) of the site's local Glance API, which the site's Nova asks.
    #[schemars(example = &"172.16.13.212")]
    pub glance_api: Located<String>,
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
    /// A network data file passed with `-n`. Default: `edge_defaults.network_data`.
    pub network_data: Option<Located<String>>,
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

/// Hard limits on what a spec may be, so no input can exhaust time or memory.
const MAX_SPEC_BYTES: usize = 64 * 1024 * 1024;

/// Parses spec text. Returns one diagnostic when the text is not a well-formed spec.
pub fn parse(text: &str) -> Result<Spec, Diagnostic> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(Diagnostic::error(
            Code::Syntax,
            None,
            format!(
                "the spec is {} bytes; dcnc reads at most {MAX_SPEC_BYTES}",
                text.len()
            ),
        ));
    }
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(
            Diagnostic::error(Code::WrongType, None, "the spec is empty").with_help(
                "a spec needs at least `central:` with `fsid` and `mons`; see `dcnc schema`",
            ),
        );
    }
    // serde-saphyr's default budget bounds events, nodes, depth and alias expansion, so an alias
    // bomb or deep nesting ends in an error, not exhaustion.
    let options = serde_saphyr::options! { strict_booleans: true, strict_indentation: true };
    serde_saphyr::from_str_with_options::<Spec>(text, options).map_err(|e| from_yaml_error(&e))
}

fn from_yaml_error(e: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let span = e.location().map(|l| span_of(&l)).filter(|s| s.line > 0);
    // Unwrap the snippet and alias wrappers to the error itself.
    let mut inner = e;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = inner {
        inner = error;
    }
    match inner {
        E::SerdeUnknownField {
            field, expected, ..
        } => {
            let d = Diagnostic::error(Code::UnknownField, span, format!("unknown field `{field}`"));
            match did_you_mean(field, expected.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("expected one of {}", quoted(expected))),
            }
        }
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let d = Diagnostic::error(Code::WrongType, span, format!("unknown value `{variant}`"));
            match did_you_mean(variant, expected.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("expected one of {}", quoted(expected))),
            }
        }
        E::SerdeMissingField { field, .. } => {
            Diagnostic::error(Code::WrongType, span, format!("missing field `{field}`"))
                .with_help(format!("add `{field}:` to this mapping"))
        }
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | E::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => Diagnostic::error(
            Code::WrongType,
            span,
            format!("expected {expected}, found {unexpected}"),
        ),
        E::Budget { .. } => Diagnostic::error(
            Code::Syntax,
            span,
            "the spec is too large or expands too much to read",
        )
        .with_help("dcnc reads at most 250,000 YAML nodes and 1,000,000 events; aliases count every time they are expanded"),
        E::Unexpected { expected, .. } => {
            Diagnostic::error(Code::WrongType, span, format!("expected {expected}"))
        }
        E::DuplicateMappingKey { key, .. } => Diagnostic::error(
            Code::DuplicateKey,
            span,
            match key {
                Some(k) => format!("duplicate key `{k}`"),
                None => "duplicate key".to_string(),
            },
        )
        .with_help("YAML keeps only one of them; remove the other"),
        other => Diagnostic::error(Code::Syntax, span, first_line(&other.to_string())),
    }
}

fn first_line(s: &str) -> String {
    let s = s.lines().next().unwrap_or("").trim();
    // serde-saphyr appends " at line L column C"; our pointer already says where
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON schema of the spec, as editors and `check-jsonschema` use it.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Spec);
    let mut s = serde_json::to_string_pretty(&schema).expect("schema serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str =
        "central:\n  fsid: 6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60\n  mons: [10.0.0.1]\n";

    #[test]
    fn values_carry_their_position() {
        let spec = parse(MIN).unwrap();
        assert_eq!(spec.central.fsid.span, Span::new(2, 9, 36));
        assert_eq!(spec.central.mons.value[0].span.line, 3);
    }

    #[test]
    fn unknown_field_suggests_the_close_one() {
        let e = parse("central:\n  fsid: x\n  mons: []\n  clustr: c\n").unwrap_err();
        assert_eq!(e.code, Code::UnknownField);
        assert_eq!(e.span.map(|s| s.line), Some(4));
        assert_eq!(e.help.as_deref(), Some("did you mean `cluster`?"));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = parse(&format!("{MIN}region: a\nregion: b\n")).unwrap_err();
        assert_eq!(e.code, Code::DuplicateKey, "{e:?}");
    }

    #[test]
    fn empty_input_is_a_located_error_not_a_panic() {
        assert_eq!(parse("").unwrap_err().code, Code::WrongType);
        assert_eq!(parse("   \n").unwrap_err().code, Code::WrongType);
    }
}
