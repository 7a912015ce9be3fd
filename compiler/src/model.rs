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

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $valid:expr, $rule:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// What a valid value looks like, for error messages.
            pub const RULE: &'static str = $rule;

            pub fn parse(s: &str) -> Option<Self> {
                let valid: fn(&str) -> bool = $valid;
                valid(s).then(|| $name(s.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

name_type!(
    /// A Ceph cluster name as TripleO's `CephClusterName` allows it: `[a-zA-Z0-9]+`.
    ClusterName,
    |s| !s.is_empty() && s.len() <= 64 && s.chars().all(is_alnum),
    "letters and digits only (`[a-zA-Z0-9]+`)"
);

name_type!(
    /// A heat stack name: a letter, then letters, digits, `_`, `-` or `.`; at most 255 characters.
    StackName,
    |s| s.len() <= 255
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| is_alnum(c) || "_-.".contains(c)),
    "a letter followed by letters, digits, `_`, `-` or `.` (at most 255)"
);

name_type!(
    /// A site name, used in file names of the output tree: no path separators, no dot files.
    SiteName,
    |s| !s.is_empty()
        && s.len() <= 128
        && s.starts_with(is_alnum)
        && s.chars().all(|c| is_alnum(c) || "_-.".contains(c)),
    "a letter or digit followed by letters, digits, `_`, `-` or `.`"
);

name_type!(
    /// A Glance store id: `GlanceBackendID`'s pattern `[a-zA-Z0-9_-]+`, not the reserved `os_glance_` prefix.
    StoreId,
    |s| !s.is_empty()
        && s.len() <= 255
        && s.chars().all(|c| is_alnum(c) || c == '_' || c == '-')
        && !s.starts_with("os_glance_"),
    "letters, digits, `_` or `-` (`[a-zA-Z0-9_-]+`), not starting with `os_glance_`"
);

name_type!(
    /// A cephx user name without the `client.` prefix, e.g. `openstack` or `dcn0.glance`.
    CephUser,
    |s| !s.is_empty()
        && s.len() <= 128
        && !s.starts_with("client.")
        && s.starts_with(is_alnum)
        && s.chars().all(|c| is_alnum(c) || "_-.".contains(c)),
    "letters, digits, `_`, `-` or `.`, without the `client.` prefix"
);

name_type!(
    /// A Ceph pool name.
    PoolName,
    |s| !s.is_empty()
        && s.len() <= 128
        && s.starts_with(is_alnum)
        && s.chars().all(|c| is_alnum(c) || "_-.".contains(c)),
    "letters, digits, `_`, `-` or `.`"
);

name_type!(
    /// A Ceph fsid: a UUID in its canonical lower-case 8-4-4-4-12 hex form.
    Fsid,
    |s| {
        let b = s.as_bytes();
        b.len() == 36
            && b.iter().enumerate().all(|(i, &c)| match i {
                8 | 13 | 18 | 23 => c == b'-',
                _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
            })
    },
    "a UUID like `6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60` (lower-case hex)"
);

name_type!(
    /// An absolute path that scripts and configuration files can carry without quoting.
    AbsPath,
    |s| s.starts_with('/')
        && s.len() <= 4096
        && !s.contains(['\'', '"', ' ', '$', '`', '\\', '#', ';'])
        && !s.chars().any(|c| c.is_control() || c.is_whitespace()),
    "an absolute path without quotes, whitespace, control characters, `$`, backticks, backslashes, `#` or `;`"
);

name_type!(
    /// A block device of a Ceph OSD node, as ceph-ansible's `devices` and cephadm's
    /// `data_devices: {paths}` take it: `/dev/sdb`, `/dev/disk/by-path/pci-0000:00:1f.2-ata-2`.
    DevicePath,
    |s| s.len() > 5
        && s.len() <= 255
        && s.starts_with("/dev/")
        && s.split('/').skip(2).all(|c| !c.is_empty() && c != "." && c != "..")
        && s.chars().all(|c| is_alnum(c) || "/_.:@+-".contains(c)),
    "a device under `/dev/` (letters, digits, `/`, `_`, `.`, `:`, `@`, `+`, `-`), e.g. `/dev/sdb`"
);

/// The messenger protocol a mon address names: Ceph's `v1:` (legacy, port 6789) or `v2:` (msgr2,
/// port 3300) prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Msgr {
    V1,
    V2,
}

/// A Ceph monitor address: an IP with an optional port and an optional protocol prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonAddr {
    pub msgr: Option<Msgr>,
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl MonAddr {
    /// Accepts `1.2.3.4`, `1.2.3.4:6789`, `fd00::1`, `[fd00::1]` and `[fd00::1]:6789`, each
    /// optionally after `v1:` or `v2:` (Ceph reads a bare port other than 6789 as msgr2, so a
    /// v1-only mon on another port needs `v1:`).
    pub fn parse(s: &str) -> Option<Self> {
        let (msgr, rest) = match s.split_once(':') {
            Some(("v1", rest)) => (Some(Msgr::V1), rest),
            Some(("v2", rest)) => (Some(Msgr::V2), rest),
            _ => (None, s),
        };
        let (ip, port) = parse_ip_port(rest)?;
        Some(MonAddr { msgr, ip, port })
    }
}

/// An IP with an optional port: `1.2.3.4`, `1.2.3.4:6789`, `fd00::1`, `[fd00::1]`, `[fd00::1]:80`.
fn parse_ip_port(s: &str) -> Option<(IpAddr, Option<u16>)> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some((ip, None));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let ip: std::net::Ipv6Addr = ip.parse().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok()?),
        };
        return Some((IpAddr::V6(ip), port));
    }
    let (ip, port) = s.rsplit_once(':')?;
    let ip: std::net::Ipv4Addr = ip.parse().ok()?;
    Some((IpAddr::V4(ip), Some(port.parse().ok()?)))
}

/// `ip` or `ip:port`, with IPv6 in brackets.
fn fmt_ip_port(f: &mut fmt::Formatter<'_>, ip: IpAddr, port: Option<u16>) -> fmt::Result {
    match (ip, port) {
        (IpAddr::V4(ip), None) => write!(f, "{ip}"),
        (IpAddr::V4(ip), Some(p)) => write!(f, "{ip}:{p}"),
        (IpAddr::V6(ip), None) => write!(f, "[{ip}]"),
        (IpAddr::V6(ip), Some(p)) => write!(f, "[{ip}]:{p}"),
    }
}

impl fmt::Display for MonAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.msgr {
            Some(Msgr::V1) => f.write_str("v1:")?,
            Some(Msgr::V2) => f.write_str("v2:")?,
            None => {}
        }
        fmt_ip_port(f, self.ip, self.port)
    }
}

impl Serialize for MonAddr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An HTTP endpoint of a Glance API: host (an IP) and port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// `http://<host>:<port>`, with IPv6 hosts in brackets.
    pub url: String,
    /// The host.
    #[serde(skip)]
    pub ip: IpAddr,
    /// The port.
    #[serde(skip)]
    pub port: u16,
}

impl Endpoint {
    /// Accepts an IP, `IP:port`, `[v6]:port`, or an `http(s)://` URL of those.
    pub fn parse(s: &str, default_port: u16) -> Option<Self> {
        let (scheme, rest) = match s.split_once("://") {
            Some((sch @ ("http" | "https"), rest)) => (sch, rest.trim_end_matches('/')),
            Some(_) => return None,
            None => ("http", s),
        };
        let (ip, port) = parse_ip_port(rest)?;
        let port = port.unwrap_or(default_port);
        let host = match ip {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        Some(Endpoint {
            url: format!("{scheme}://{host}:{port}"),
            ip,
            port,
        })
    }
}

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
            .map(|r| r.count)
            .sum()
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

/// Parses a byte size: `10737418240`, `10GiB`, `512 MB`. Decimal units are powers of 1000,
/// binary ones (`KiB`...) powers of 1024.
pub fn parse_size(s: &str) -> Option<u64> {
    let (num, unit) = split_unit(s)?;
    let factor: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "mb" | "m" => 1_000_000,
        "gb" | "g" => 1_000_000_000,
        "tb" | "t" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    scale(num, factor)
}

/// Parses a duration in seconds: `86400`, `1d`, `5m`, `30s`, `2h`.
pub fn parse_duration(s: &str) -> Option<u64> {
    let (num, unit) = split_unit(s)?;
    let factor = match unit {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    scale(num, factor)
}

fn split_unit(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(end);
    (!num.is_empty()).then_some((num, unit.trim()))
}

fn scale(num: &str, factor: u64) -> Option<u64> {
    match num.split_once('.') {
        None => num.parse::<u64>().ok()?.checked_mul(factor),
        Some((whole, frac)) if !frac.is_empty() && frac.len() <= 9 => {
            let whole = whole.parse::<u64>().unwrap_or(0).checked_mul(factor)?;
            let frac_value: u64 = frac.parse().ok()?;
            let part = (frac_value as u128 * factor as u128 / 10u128.pow(frac.len() as u32)) as u64;
            whole.checked_add(part)
        }
        Some(_) => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_hold_only_valid_values() {
        assert!(ClusterName::parse("dcn0").is_some());
        assert!(ClusterName::parse("control-plane").is_none());
        assert!(ClusterName::parse("").is_none());
        assert!(StackName::parse("control-plane").is_some());
        assert!(StackName::parse("0abc").is_none());
        assert!(StoreId::parse("os_glance_staging_store").is_none());
        assert!(StoreId::parse("dcn_0-a").is_some());
        assert!(SiteName::parse("../x").is_none());
        assert!(SiteName::parse(".hidden").is_none());
        assert!(CephUser::parse("client.openstack").is_none());
        assert!(CephUser::parse("dcn0.glance").is_some());
        assert!(DevicePath::parse("/dev/sdb").is_some());
        assert!(DevicePath::parse("/dev/disk/by-path/pci-0000:00:1f.2-ata-2").is_some());
        for bad in [
            "/dev/",
            "sdb",
            "/dev/../etc/passwd",
            "/dev//sdb",
            "/dev/sd b",
            "/dev/$x",
        ] {
            assert!(DevicePath::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn fsid_is_a_canonical_uuid() {
        assert!(Fsid::parse("6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60").is_some());
        assert!(Fsid::parse("6A9C7E52-2b1f-4e0a-9c55-1d2f3a4b5c60").is_none());
        assert!(Fsid::parse("6a9c7e522b1f4e0a9c551d2f3a4b5c60").is_none());
        assert!(Fsid::parse("6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c6g").is_none());
    }

    #[test]
    fn mon_addresses() {
        for ok in [
            "10.0.0.1",
            "10.0.0.1:6789",
            "fd00::1",
            "[fd00::1]",
            "[fd00::1]:3300",
        ] {
            assert!(MonAddr::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "host",
            "10.0.0",
            "10.0.0.1:",
            "10.0.0.1:99999",
            "[fd00::1",
            "fd00::1:x",
        ] {
            assert!(MonAddr::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            MonAddr::parse("[fd00::1]:3300").unwrap().to_string(),
            "[fd00::1]:3300"
        );
        for prefixed in [
            "v1:10.0.0.1:16789",
            "v2:10.0.0.1",
            "v1:[fd00::1]:6789",
            "v2:fd00::1",
        ] {
            let m = MonAddr::parse(prefixed).unwrap_or_else(|| panic!("{prefixed}"));
            assert!(m.msgr.is_some(), "{prefixed}");
        }
        assert_eq!(
            MonAddr::parse("v2:fd00::1").unwrap().to_string(),
            "v2:[fd00::1]"
        );
        for bad in ["v3:10.0.0.1", "v1:", "v1:host", "v1:v2:10.0.0.1"] {
            assert!(MonAddr::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("10GiB"), Some(10_737_418_240));
        assert_eq!(parse_size("10737418240"), Some(10_737_418_240));
        assert_eq!(parse_size("1.5 GB"), Some(1_500_000_000));
        assert_eq!(parse_size("512MiB"), Some(536_870_912));
        assert_eq!(parse_size("10 parsecs"), None);
        assert_eq!(parse_size("GiB"), None);
        assert_eq!(parse_size("99999999999TiB"), None);
        assert_eq!(parse_duration("1d"), Some(86_400));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("300"), Some(300));
        assert_eq!(parse_duration("1y"), None);
    }

    #[test]
    fn endpoints_get_a_scheme_and_port() {
        let e = |s| Endpoint::parse(s, 9292).map(|e| e.url);
        assert_eq!(
            e("172.16.13.212").as_deref(),
            Some("http://172.16.13.212:9292")
        );
        assert_eq!(
            e("https://10.0.0.1:443/").as_deref(),
            Some("https://10.0.0.1:443")
        );
        assert_eq!(e("fd00::5").as_deref(), Some("http://[fd00::5]:9292"));
        assert_eq!(e("ftp://10.0.0.1"), None);
        assert_eq!(e("v1:10.0.0.1"), None);
        assert_eq!(e("glance.example"), None);
    }
}
