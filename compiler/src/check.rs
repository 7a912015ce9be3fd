//! Checking: turns a parsed [`Spec`] into a validated [`Deployment`], applying defaults and
//! reporting every problem at once, each located at the value that causes it.
//!
//! Invariant: check does no I/O and never stops at the first problem.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diag::{did_you_mean, Code, Diagnostic, Span};
use crate::model::*;
use crate::spec::{self, Located, Spec, TargetName};
use crate::target::{DeployFlow, Target};

/// The import methods of TripleO's DCN environments: copy-image moves images to the edges.
pub const DEFAULT_IMPORT_METHODS: [&str; 2] = ["web-download", "copy-image"];

/// Import methods Glance knows.
pub const IMPORT_METHODS: &[&str] = &[
    "glance-direct",
    "web-download",
    "copy-image",
    "glance-download",
];

/// Heat parameters dcnc derives from the spec; setting them under `parameters` would fight it.
/// Each maps to the spec field that sets it.
const OWNED_PARAMETERS: &[(&str, &str)] = &[
    ("GlanceBackend", "(always `rbd`)"),
    ("GlanceBackendID", "`store.id`"),
    ("GlanceStoreDescription", "`store.description`"),
    ("GlanceMultistoreConfig", "`stores` and the edge list"),
    ("GlanceEnabledImportMethods", "`glance.import_methods`"),
    (
        "GlanceShowMultipleLocations",
        "`glance.show_multiple_locations`",
    ),
    ("CephClusterName", "`cluster`"),
    ("CephClientUserName", "`glance.client_user`"),
    (
        "CephExternalMultiConfig",
        "the edge list (keys come from `openstack overcloud export ceph`)",
    ),
    ("CephPoolDefaultSize", "`ceph.pool_default_size`"),
    ("NovaComputeAvailabilityZone", "`az`"),
    ("CinderStorageAvailabilityZone", "`az`"),
    ("NtpServer", "`central.ntp`"),
    ("GlanceStagingNfsShare", "`glance.staging_nfs_share`"),
    ("CephClusterFSID", "`fsid`"),
    (
        "CephExternalMonHost",
        "`central.mons` (with `central.external`)",
    ),
    (
        "CephClientKey",
        "`central.external.key` (a reference; never the key itself)",
    ),
    ("GlanceCacheEnabled", "`topology: glance-cache`"),
    ("GlanceImageCacheDir", "`glance.cache.dir`"),
    ("GlanceImageCacheMaxSize", "`glance.cache.max_size`"),
    ("GlanceImageCacheStallTime", "`glance.cache.stall_time`"),
    (
        "GlanceImagePrefetcherInterval",
        "`glance.cache.prefetcher_interval`",
    ),
    (
        "NovaDisableImageDownloadToRbd",
        "`topology` (dcnc turns it off for glance-cache edges)",
    ),
];

struct Checker {
    diags: Vec<Diagnostic>,
}

impl Checker {
    fn error(&mut self, code: Code, span: impl Into<Option<Span>>, msg: String) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, span, msg));
        self.diags.last_mut().expect("just pushed")
    }

    fn warning(
        &mut self,
        code: Code,
        span: impl Into<Option<Span>>,
        msg: String,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::warning(code, span, msg));
        self.diags.last_mut().expect("just pushed")
    }

    /// Parses a located name into its newtype, reporting `code` when it is invalid.
    fn name<T>(
        &mut self,
        value: &str,
        span: Option<Span>,
        what: &str,
        code: Code,
        parse: fn(&str) -> Option<T>,
        rule: &str,
    ) -> Option<T> {
        let parsed = parse(value);
        if parsed.is_none() {
            self.error(code, span, format!("invalid {what} `{value}`"))
                .help = Some(format!("a {what} is {rule}"));
        }
        parsed
    }
}

/// A value from the spec or its default; `span` is where it was written, if it was.
fn or_default<T: Clone>(v: &Option<Located<T>>, default: T) -> (T, Option<Span>) {
    match v {
        Some(l) => (l.value.clone(), Some(l.span)),
        None => (default, None),
    }
}

/// Checks a spec, for `target` if given, else for the spec's own target. Returns the deployment
/// when there is no error, and every diagnostic found.
pub fn check(spec: &Spec, target: Option<TargetName>) -> (Option<Deployment>, Vec<Diagnostic>) {
    let mut c = Checker { diags: Vec::new() };
    let target = Target::get(
        target
            .or(spec.target.as_ref().map(|t| t.value))
            .unwrap_or(TargetName::Wallaby),
    );
    let topology = spec
        .topology
        .as_ref()
        .map_or(Topology::Multistore, |t| t.value);
    let glance = check_glance(&mut c, spec, target);
    check_topology(&mut c, spec, topology, target);

    let mut sites = Vec::with_capacity(spec.edges.len() + 1);
    let mut site_spans = Vec::with_capacity(spec.edges.len() + 1);
    if let Some((site, spans)) = check_central(&mut c, &spec.central, target) {
        sites.push(site);
        site_spans.push(spans);
    }
    check_staging(&mut c, spec, sites.first(), glance.as_ref());
    if spec.edges.is_empty() {
        c.warning(Code::NoEdges, None, "the spec has no edge site".into())
            .help = Some(
            "add sites under `edges:`; each needs `name`, `fsid`, `mons` and `glance_api`".into(),
        );
    }
    for edge in &spec.edges {
        if let Some((site, spans)) = check_edge(&mut c, spec, edge, target) {
            sites.push(site);
            site_spans.push(spans);
        }
    }
    check_key_mix(&mut c, spec);
    let central_compute = match (&spec.central.compute, sites.first()) {
        (Some(compute), Some(central)) => {
            check_compute(&mut c, compute, central, &sites, &spec.central.ntp, target)
        }
        _ => None,
    };
    // Cross-site rules run over every site that checked out, so they are reported together with
    // the problems that kept other sites out; resolving stores needs all of them.
    check_across_sites(&mut c, &sites, &site_spans);
    if sites.len() == spec.edges.len() + 1 && topology == Topology::Multistore {
        resolve_stores(&mut c, spec, target, &mut sites);
        check_exported_ports(&mut c, spec, target, &sites, &site_spans);
    }

    let (region, _) = or_default(&spec.region, spec::default_region().to_string());
    let (tht, _) = or_default(&spec.tht, spec::default_tht().to_string());
    let (work_dir, _) = or_default(&spec.work_dir, spec::default_work_dir().to_string());
    let (ceph_conf_dir, conf_dir_span) =
        or_default(&spec.ceph.conf_dir, spec::default_conf_dir().to_string());
    c.name(
        &ceph_conf_dir,
        conf_dir_span,
        "path",
        Code::WrongType,
        AbsPath::parse,
        AbsPath::RULE,
    );
    for (v, what) in [(&spec.tht, "tht"), (&spec.work_dir, "work_dir")] {
        if let Some(v) = v {
            if v.value.is_empty() || v.value.contains(['\'', '"', '\n', '`']) {
                c.error(
                    Code::WrongType,
                    v.span,
                    format!("`{what}` must be a path without quotes or backticks"),
                );
            }
        }
    }

    let client_mount_timeout = spec.ceph.client_mount_timeout.as_ref().and_then(|t| {
        let secs = parse_duration(&t.value.0).filter(|s| *s > 0);
        if secs.is_none() {
            c.error(
                Code::BadQuantity,
                t.span,
                format!("`{}` is not a timeout", t.value.0),
            )
            .help = Some("write seconds or a number with a unit: `30`, `30s`, `2m`".into());
        }
        secs
    });
    let mut diags = c.diags;
    crate::diag::sort(&mut diags);
    if crate::diag::has_errors(&diags) {
        return (None, diags);
    }
    let deployment = Deployment {
        target,
        topology,
        region,
        tht,
        work_dir,
        glance: glance.expect("no errors means glance settings are valid"),
        ceph_conf_dir,
        pool_default_size: spec.ceph.pool_default_size.as_ref().map(|l| l.value),
        client_mount_timeout,
        sites,
        central_compute,
    };
    (Some(deployment), diags)
}

/// Settings of one topology written in the other, and the cache against the largest image.
fn check_topology(c: &mut Checker, spec: &Spec, topology: Topology, target: &Target) {
    if let (Some(compute), None) = (&spec.central.compute, &spec.central.external) {
        c.error(Code::WrongTopology, compute.span, "`central.compute` needs `central.external`".into())
            .help = Some("the central compute stack is a client of an external central cluster; add `external: {key: ...}` under `central`, or remove `compute`".into());
    }
    if let (Some(compute), false) = (&spec.central.compute, target.edge_services) {
        c.error(Code::NotInTarget, compute.span, format!("target `{}` has no edge Glance services for `central.compute`", target.id))
            .help = Some("its local Glance and Nova need GlanceApiEdge and HAproxyEdge: use a target that has them (`wallaby`, `tht-18` or `ussuri`), or remove `compute`".into());
    }
    match topology {
        Topology::Multistore => {
            if let Some(cache) = &spec.glance.cache {
                c.error(Code::WrongTopology, cache.span, "`glance.cache` needs `topology: glance-cache`".into())
                    .help = Some("multistore edges have their own store; remove `glance.cache`, or set `topology: glance-cache`".into());
            }
        }
        Topology::GlanceCache => {
            for e in &spec.edges {
                if let Some(first) = e.stores.as_ref().and_then(|s| s.first()) {
                    c.error(
                        Code::WrongTopology,
                        first.span,
                        format!(
                            "edge `{}` lists `stores`, which needs `topology: multistore`",
                            e.name.value
                        ),
                    )
                    .help = Some(
                        "in the glance-cache topology edges have no stores; remove `stores`".into(),
                    );
                }
                if let Some(k) = &e.key {
                    c.error(Code::WrongTopology, k.span, format!("edge `{}` has a `key`, which needs `topology: multistore`", e.name.value))
                        .help = Some("central Glance uses no edge cluster in the glance-cache topology; remove `key`".into());
                }
            }
            if let Some(ext) = &spec.central.external {
                c.error(Code::WrongTopology, ext.span, "`central.external` needs `topology: multistore`".into())
                    .help = Some("in the glance-cache topology central Glance keeps images on swift; remove `external`".into());
            }
        }
    }
}

/// A byte count in the largest binary unit that keeps it readable, e.g. `10 GiB`.
fn human_size(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.1}");
    format!("{} {}", text.trim_end_matches(".0"), units[unit])
}

/// The edge cache settings, with defaults; `None` outside the glance-cache topology.
fn check_cache(c: &mut Checker, spec: &Spec) -> Option<CacheSettings> {
    let glance_cache = spec
        .topology
        .as_ref()
        .is_some_and(|t| t.value == Topology::GlanceCache);
    let quantity = |c: &mut Checker,
                    q: &Option<Located<spec::Quantity>>,
                    default: u64,
                    parse: fn(&str) -> Option<u64>,
                    what: &str| {
        let Some(q) = q else {
            return default;
        };
        parse(&q.value.0).unwrap_or_else(|| {
            c.error(
                Code::BadQuantity,
                q.span,
                format!("`{}` is not a {what}", q.value.0),
            )
            .help = Some(if what == "size" {
                "write bytes or a number with a unit: `10GiB`, `500MB`".into()
            } else {
                "write seconds or a number with a unit: `86400`, `1d`, `5m`".into()
            });
            default
        })
    };
    let largest = spec.glance.largest_image.as_ref().map(|l| {
        (
            quantity(c, &spec.glance.largest_image, 0, parse_size, "size"),
            l.span,
        )
    });
    if !glance_cache {
        return None;
    }
    let empty = spec::Cache::default();
    let cache = spec.glance.cache.as_ref().map_or(&empty, |l| &l.value);
    let (dir, dir_span) = or_default(&cache.dir, spec::default_cache_dir().to_string());
    c.name(
        &dir,
        dir_span,
        "path",
        Code::WrongType,
        AbsPath::parse,
        AbsPath::RULE,
    );
    // The defaults are the schema's (spec.rs), in the units people write.
    let default = |text: &str, parse: fn(&str) -> Option<u64>| {
        parse(text).expect("the schema's cache defaults parse")
    };
    let max_size = quantity(
        c,
        &cache.max_size,
        default(spec::default_cache_size(), parse_size),
        parse_size,
        "size",
    );
    if let Some((largest, span)) = largest {
        if largest > max_size {
            let at = cache.max_size.as_ref().map_or(span, |m| m.span);
            c.warning(
                Code::CacheTooSmall,
                at,
                format!(
                    "the edge image cache ({}) cannot hold the largest image ({})",
                    human_size(max_size),
                    human_size(largest)
                ),
            )
            .help = Some("raise `glance.cache.max_size` above `glance.largest_image`".into());
        }
    }
    Some(CacheSettings {
        dir,
        max_size,
        stall_time: quantity(
            c,
            &cache.stall_time,
            default(spec::default_stall_time(), parse_duration),
            parse_duration,
            "duration",
        ),
        prefetcher_interval: quantity(
            c,
            &cache.prefetcher_interval,
            default(spec::default_prefetch(), parse_duration),
            parse_duration,
            "duration",
        ),
    })
}

/// glance-direct stages an upload on the glance-api that received it; with several central
/// controllers, the import may run on another one unless the staging area is shared.
fn check_staging(
    c: &mut Checker,
    spec: &Spec,
    central: Option<&Site>,
    glance: Option<&GlanceSettings>,
) {
    let (Some(central), Some(glance)) = (central, glance) else {
        return;
    };
    let apis: u32 = central
        .roles
        .iter()
        .filter(|r| r.name == "Controller")
        .map(|r| r.count)
        .sum();
    if apis > 1
        && glance.staging_nfs_share.is_none()
        && glance.import_methods.iter().any(|m| m == "glance-direct")
    {
        let span = spec
            .glance
            .import_methods
            .as_ref()
            .and_then(|l| l.value.iter().find(|m| m.value == "glance-direct"))
            .map(|m| m.span);
        c.warning(
            Code::SharedStaging,
            span,
            format!("glance-direct with {apis} central glance-api nodes needs a shared staging area"),
        )
        .help = Some("set `glance.staging_nfs_share: host:/path` (GlanceStagingNfsShare), or import with web-download or copy-image only".into());
    }
}

fn check_glance(c: &mut Checker, spec: &Spec, target: &Target) -> Option<GlanceSettings> {
    let g = &spec.glance;
    let (pool, pool_span) = or_default(&g.pool, spec::default_pool().to_string());
    let pool = c.name(
        &pool,
        pool_span,
        "pool name",
        Code::BadPool,
        PoolName::parse,
        PoolName::RULE,
    );

    let mut import_methods = Vec::new();
    match &g.import_methods {
        Some(list) => {
            for m in &list.value {
                if IMPORT_METHODS.contains(&m.value.as_str()) {
                    import_methods.push(m.value.clone());
                } else {
                    let d = c.error(
                        Code::UnknownImportMethod,
                        m.span,
                        format!("unknown import method `{}`", m.value),
                    );
                    d.help = Some(
                        match did_you_mean(&m.value, IMPORT_METHODS.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("glance knows {}", IMPORT_METHODS.join(", ")),
                        },
                    );
                }
            }
            if !list.value.iter().any(|m| m.value == "copy-image") {
                c.warning(Code::CopyImageMissing, list.span, "`copy-image` is not enabled".into())
                    .help = Some("without it an image cannot be copied from central to an edge store; add `copy-image`".into());
            }
        }
        None => import_methods.extend(DEFAULT_IMPORT_METHODS.map(String::from)),
    }

    let (client_user, user_span) =
        or_default(&g.client_user, target.default_client_user.to_string());
    let probe = client_user.replace("{cluster}", "x");
    let user_ok = if client_user.matches('{').count() != client_user.matches("{cluster}").count() {
        c.error(
            Code::BadClientUser,
            user_span,
            format!("invalid cephx user `{client_user}`"),
        )
        .help = Some("the only placeholder is `{cluster}`".into());
        false
    } else if CephUser::parse(&probe).is_none() {
        let help = if probe.starts_with("client.") {
            format!(
                "drop the `client.` prefix: `{}`",
                client_user.trim_start_matches("client.")
            )
        } else {
            format!("a cephx user is {}", CephUser::RULE)
        };
        c.error(
            Code::BadClientUser,
            user_span,
            format!("invalid cephx user `{client_user}`"),
        )
        .help = Some(help);
        false
    } else {
        true
    };
    if user_ok && target.multistore_by_heat && client_user != "openstack" {
        c.error(
            Code::BadClientUser,
            user_span,
            format!("target `{}` can only give central Glance the `openstack` user's key", target.id),
        )
        .help = Some("`openstack overcloud export ceph` exports the key of the user TripleO created (`openstack`); remove `client_user`".into());
    }

    let (caps_mon, mon_span) = or_default(&g.caps.mon, spec::default_mon_caps().to_string());
    let default_osd = format!(
        "profile rbd pool={}",
        pool.as_ref().map_or(spec::default_pool(), |p| p.as_str())
    );
    let (caps_osd, osd_span) = or_default(&g.caps.osd, default_osd);
    for (caps, span, kind) in [(&caps_mon, mon_span, "mon"), (&caps_osd, osd_span, "osd")] {
        let trimmed = caps.trim_start();
        if let Some(prefix) = ["mon:", "osd:", "mgr:"]
            .iter()
            .find(|p| trimmed.starts_with(**p))
        {
            c.error(
                Code::BadCaps,
                span,
                format!("{kind} caps start with a stray `{prefix}`"),
            )
            .help = Some(format!(
                "write only the capability, e.g. `{}`",
                trimmed[prefix.len()..].trim()
            ));
        } else if trimmed.is_empty() || caps.contains(['\'', '"', '\n']) {
            c.error(
                Code::BadCaps,
                span,
                format!("{kind} caps `{caps}` are not a capability string"),
            )
            .help = Some("e.g. `profile rbd pool=images`, without quotes".into());
        }
    }
    if let Some(pool) = &pool {
        if g.caps.osd.is_some() && !caps_osd.contains(&format!("pool={pool}")) {
            c.warning(
                Code::BadCaps,
                osd_span,
                format!("osd caps do not grant the images pool `{pool}`"),
            )
            .help = Some(format!("glance needs e.g. `profile rbd pool={pool}`"));
        }
    }
    if (g.caps.mon.is_some() || g.caps.osd.is_some()) && target.multistore_by_heat {
        c.warning(
            Code::BadCaps,
            osd_span.or(mon_span),
            format!("`glance.caps` are not used by target `{}`", target.id),
        )
        .help = Some(
            "TripleO creates the `openstack` user with its own caps; remove `glance.caps`".into(),
        );
    }
    let staging_nfs_share = match &g.staging_nfs_share {
        Some(share) => {
            // host:/path, the path being one scripts can carry like any other absolute path
            let ok = share.value.split_once(":/").is_some_and(|(host, path)| {
                !host.is_empty()
                    && host
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || "-._[]:".contains(ch))
                    && AbsPath::parse(&format!("/{path}")).is_some()
            });
            if !ok {
                c.error(
                    Code::SharedStaging,
                    share.span,
                    format!("`{}` is not an NFS share", share.value),
                )
                .help = Some(
                    "write it as `host:/path`, e.g. `192.168.24.1:/export/glance-staging`".into(),
                );
            }
            Some(share.value.clone())
        }
        None => None,
    };
    let show = g.show_multiple_locations.as_ref().is_none_or(|l| l.value);
    if let (Some(l), false) = (&g.show_multiple_locations, target.show_locations_parameter) {
        c.warning(
            Code::NotInTarget,
            l.span,
            format!("`show_multiple_locations` has no effect in target `{}`", target.id),
        )
        .help = Some("its internal Glance API (GlanceApiInternal) shows image locations to Nova and Cinder; remove the setting".into());
    }
    Some(GlanceSettings {
        pool: pool?,
        import_methods,
        show_multiple_locations: show,
        client_user,
        caps_mon,
        caps_osd,
        staging_nfs_share,
        cache: check_cache(c, spec),
    })
}

/// Where the names of one site were written, for cross-site diagnostics.
#[derive(Default, Clone)]
struct SiteSpans {
    name: Option<Span>,
    stack: Option<Span>,
    cluster: Option<Span>,
    store: Option<Span>,
    az: Option<Span>,
    fsid: Option<Span>,
    /// One span per parsed mon address, in order.
    mons: Vec<Span>,
}

struct Common {
    cluster: Option<ClusterName>,
    fsid: Option<Fsid>,
    mons: Vec<MonAddr>,
    store: Option<StoreId>,
    description: String,
}

fn check_common(
    c: &mut Checker,
    cluster: (String, Option<Span>),
    fsid: &Located<String>,
    mons: &Located<Vec<Located<String>>>,
    store: &spec::Store,
    spans: &mut SiteSpans,
) -> Common {
    spans.cluster = cluster.1;
    let cluster_name = match ClusterName::parse(&cluster.0) {
        Some(n) => Some(n),
        None => {
            let d = c.error(
                Code::BadClusterName,
                cluster.1.or(spans.name),
                format!("invalid ceph cluster name `{}`", cluster.0),
            );
            d.help = Some(if cluster.1.is_none() {
                "the cluster name defaults to the site name, which must then be letters and digits only; set `cluster:` explicitly".into()
            } else {
                format!("TripleO's CephClusterName allows {}", ClusterName::RULE)
            });
            None
        }
    };
    spans.fsid = Some(fsid.span);
    let fsid_v = Fsid::parse(&fsid.value);
    if fsid_v.is_none() {
        let d = c.error(
            Code::BadFsid,
            fsid.span,
            format!("fsid `{}` is not a UUID", fsid.value),
        );
        d.help = Some(if Fsid::parse(&fsid.value.to_lowercase()).is_some() {
            format!("write it in lower case: `{}`", fsid.value.to_lowercase())
        } else {
            format!("an fsid is {} (see `ceph fsid`)", Fsid::RULE)
        });
    }
    let mut mon_addrs = Vec::new();
    if mons.value.is_empty() {
        c.error(Code::BadMon, mons.span, "no ceph mon address".into())
            .help =
            Some("list the cluster's monitor IPs, e.g. `[172.16.11.1, 172.16.11.2]`".into());
    }
    for m in &mons.value {
        match MonAddr::parse(m.value.trim()) {
            Some(a) => {
                mon_addrs.push(a);
                spans.mons.push(m.span);
            }
            None => {
                c.error(Code::BadMon, m.span, format!("mon address `{}` is not an IP address", m.value))
                    .help = Some("write an IPv4 or IPv6 address, optionally with a port and a `v1:`/`v2:` prefix: `172.16.11.1`, `172.16.11.1:6789`, `[fd00::1]:3300`, `v1:172.16.11.1:16789`".into());
            }
        }
    }
    let (id, id_span) = match (&store.id, &cluster_name) {
        (Some(l), _) => (l.value.clone(), Some(l.span)),
        (None, Some(n)) => (n.to_string(), cluster.1),
        (None, None) => (String::new(), None),
    };
    spans.store = id_span.or(spans.cluster).or(spans.name);
    let store_id = if id.is_empty() {
        None
    } else {
        let parsed = StoreId::parse(&id);
        if parsed.is_none() {
            let d = c.error(
                Code::BadStoreId,
                id_span,
                format!("invalid store id `{id}`"),
            );
            d.help = Some(if id.starts_with("os_glance_") {
                "ids starting with `os_glance_` are reserved by glance; choose another".into()
            } else {
                format!("a store id is {}", StoreId::RULE)
            });
        }
        parsed
    };
    let description = match &store.description {
        Some(d) if d.value.contains(['\n', '\'', '$']) => {
            c.error(
                Code::WrongType,
                d.span,
                "store description may not contain newlines, `'` or `$`".into(),
            );
            String::new()
        }
        Some(d) => d.value.clone(),
        None => format!("{id} rbd glance store"),
    };
    Common {
        cluster: cluster_name,
        fsid: fsid_v,
        mons: mon_addrs,
        store: store_id,
        description,
    }
}

fn check_roles(
    c: &mut Checker,
    roles: &[spec::Role],
    stack: &str,
    kind: SiteKind,
    target: &Target,
) -> Vec<RoleCount> {
    let mut out = Vec::new();
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for r in roles {
        if let Some(first) = seen.insert(&r.name.value, r.name.span) {
            c.error(
                Code::Duplicate,
                r.name.span,
                format!("role `{}` listed twice", r.name.value),
            )
            .help = Some(format!(
                "first listed at line {}; merge the counts",
                first.line
            ));
        }
        let Some(info) = target.role(&r.name.value) else {
            let d = c.error(
                Code::UnknownRole,
                r.name.span,
                format!("unknown role `{}`", r.name.value),
            );
            d.help = Some(
                match did_you_mean(&r.name.value, target.roles.iter().map(|r| r.name)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "target `{}` knows {}",
                        target.id,
                        target
                            .roles
                            .iter()
                            .map(|r| r.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            );
            continue;
        };
        let fits = match kind {
            SiteKind::Central => info.central,
            SiteKind::Edge | SiteKind::Compute => info.edge,
        };
        if !fits {
            c.warning(
                Code::UnknownRole,
                r.name.span,
                format!(
                    "role `{}` is not meant for {} sites",
                    r.name.value,
                    match kind {
                        SiteKind::Central => "central",
                        SiteKind::Edge | SiteKind::Compute => "edge",
                    }
                ),
            );
        }
        let hint = match &r.hint {
            Some(h) => {
                if h.value.is_empty() || h.value.contains(['\'', '"', '\n', ',']) {
                    c.error(
                        Code::WrongType,
                        h.span,
                        format!(
                            "scheduler hint `{}` may not be empty or contain quotes or commas",
                            h.value
                        ),
                    );
                }
                h.value.clone()
            }
            None => format!("{}-{}-%index%", stack, r.name.value.to_lowercase()),
        };
        let (flavor, flavor_span) = or_default(&r.flavor, spec::default_flavor().to_string());
        if flavor.is_empty() || flavor.contains(['\'', '"', '\n']) {
            c.error(
                Code::WrongType,
                flavor_span,
                format!("invalid flavor `{flavor}`"),
            );
        }
        if let (Some(f), DeployFlow::Provisioned) = (&r.flavor, target.flow) {
            c.warning(Code::NotInTarget, f.span, format!("`flavor` has no effect in target `{}`", target.id))
                .help = Some("`openstack overcloud node provision` places nodes by their node:<tag> capability (`hint`); remove `flavor`".into());
        }
        out.push(RoleCount {
            name: r.name.value.clone(),
            count: r.count.value,
            hint,
            flavor,
        });
    }
    out
}

fn default_roles(kind: SiteKind) -> Vec<RoleCount> {
    let r = |name: &str, count| RoleCount {
        name: name.to_string(),
        count,
        hint: String::new(),
        flavor: spec::default_flavor().to_string(),
    };
    match kind {
        SiteKind::Central => vec![r("Controller", 3), r("ComputeHCI", 3)],
        SiteKind::Edge => vec![r("DistributedComputeHCI", 3)],
        SiteKind::Compute => vec![r("DistributedCompute", 3)],
    }
}

fn with_default_hints(mut roles: Vec<RoleCount>, stack: &str) -> Vec<RoleCount> {
    for r in &mut roles {
        if r.hint.is_empty() {
            r.hint = format!("{}-{}-%index%", stack, r.name.to_lowercase());
        }
    }
    roles
}

fn check_parameters(
    c: &mut Checker,
    params: &spec::Parameters,
    site: &str,
    kind: SiteKind,
    out: &mut BTreeMap<String, serde_json::Value>,
) {
    for (k, v) in params {
        let key = k.value.as_str();
        if let Some((_, field)) = OWNED_PARAMETERS.iter().find(|(p, _)| *p == key) {
            c.error(
                Code::OwnedParameter,
                k.span,
                format!("`{key}` is generated by dcnc"),
            )
            .help = Some(format!("set {field} in the spec instead"));
            continue;
        }
        if key.ends_with("Count")
            || key.ends_with("SchedulerHints")
            || (key.starts_with("Overcloud") && key.ends_with("Flavor"))
        {
            c.error(
                Code::OwnedParameter,
                k.span,
                format!("`{key}` is generated by dcnc from `roles`"),
            )
            .help = Some("set `count`, `hint` or `flavor` of the role instead".into());
            continue;
        }
        if key.is_empty()
            || !key
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
        {
            c.error(
                Code::WrongType,
                k.span,
                format!("`{key}` is not a heat parameter name"),
            );
            continue;
        }
        match (key, kind) {
            ("CinderVolumeCluster", SiteKind::Edge) if v.value.as_str() != Some(site) => {
                c.error(Code::VolumeCluster, v.span, format!("CinderVolumeCluster must be the site name `{site}`"))
                    .help = Some("otherwise volumes and images made from them land at another site; remove this parameter, dcnc sets it".into());
                continue;
            }
            ("NovaCrossAZAttach", SiteKind::Edge) if v.value != serde_json::Value::Bool(false) => {
                c.error(Code::CrossAzAttach, v.span, "NovaCrossAZAttach must be false at an edge site".into())
                    .help = Some("with cross-AZ attach, boot-from-volume builds the volume at central and the boot fails; remove this parameter, dcnc sets it to false".into());
                continue;
            }
            _ => {}
        }
        out.insert(key.to_string(), v.value.clone());
    }
}

fn check_path(c: &mut Checker, p: &Located<String>) -> String {
    if p.value.is_empty() || p.value.contains(['\'', '"', '\n', '`', '$']) {
        c.error(
            Code::WrongType,
            p.span,
            format!("`{}` is not a plain path", p.value),
        )
        .help = Some("write a path without quotes, backticks or `$`".into());
    }
    p.value.clone()
}

fn check_central(c: &mut Checker, s: &spec::Central, target: &Target) -> Option<(Site, SiteSpans)> {
    let mut spans = SiteSpans::default();
    let (stack, stack_span) = or_default(&s.stack, spec::default_central_stack().to_string());
    spans.stack = stack_span;
    spans.name = stack_span;
    let stack_name = c.name(
        &stack,
        stack_span,
        "stack name",
        Code::BadStackName,
        StackName::parse,
        StackName::RULE,
    );
    let common = check_common(
        c,
        or_default(&s.cluster, spec::default_central_cluster().to_string()),
        &s.fsid,
        &s.mons,
        &s.store,
        &mut spans,
    );
    let external = s.external.as_ref();
    let roles = match &s.roles {
        Some(r) => check_roles(c, r, &stack, SiteKind::Central, target),
        // An external cluster needs no Ceph nodes at central.
        None if external.is_some() => {
            let mut roles = default_roles(SiteKind::Central);
            roles.retain(|r| target.role(&r.name).is_some_and(|i| !i.ceph_osd));
            with_default_hints(roles, &stack)
        }
        None => with_default_hints(default_roles(SiteKind::Central), &stack),
    };
    if let (Some(ext), Some(list)) = (external, &s.roles) {
        for r in list {
            if target.role(&r.name.value).is_some_and(|i| i.ceph_osd) {
                c.warning(Code::WrongTopology, r.name.span, format!("role `{}` runs Ceph OSDs, but central's cluster is external", r.name.value))
                    .help = Some(format!("with `central.external` (line {}) TripleO deploys no Ceph at central: use `Controller` and `Compute`", ext.span.line));
            }
        }
    }
    let key = external.and_then(|e| check_key_ref(c, &e.value.key));
    let mut parameters = BTreeMap::new();
    check_parameters(c, &s.parameters, &stack, SiteKind::Central, &mut parameters);
    let ntp = s
        .ntp
        .iter()
        .map(|n| {
            if n.value.is_empty() || n.value.contains(['\'', '"', '\n', ',', ' ']) {
                c.error(
                    Code::WrongType,
                    n.span,
                    format!("`{}` is not an NTP server name or address", n.value),
                );
            }
            n.value.clone()
        })
        .collect();
    let environment_files = s
        .environment_files
        .iter()
        .map(|p| check_path(c, p))
        .collect();
    let roles_file = s.roles_file.as_ref().map(|p| check_path(c, p));
    let network_data = s.network_data.as_ref().map(|p| check_path(c, p));
    let site = Site {
        kind: SiteKind::Central,
        name: SiteName::parse(stack_name.as_ref()?.as_str())?,
        stack: stack_name?,
        cluster: common.cluster?,
        fsid: common.fsid?,
        mons: common.mons,
        store: common.store?,
        store_description: common.description,
        az: None,
        glance_endpoint: None,
        key,
        remote_stores: Vec::new(),
        roles,
        roles_file,
        network_data,
        environment_files,
        ntp,
        parameters,
    };
    Some((site, spans))
}

/// An availability zone a site can own: not empty, not the default `nova`, and without the
/// characters heat lists and quoting would split on.
fn is_own_az(az: &str) -> bool {
    !(az.is_empty() || az == "nova" || az.contains(['\'', '"', '\n', ',', ' ']))
}

/// A stack's own role list (every role known) gives no node a Glance API (GlanceApiEdge).
fn runs_no_glance(listed: &[spec::Role], roles: &[RoleCount], target: &Target) -> bool {
    let all_known = listed.iter().all(|r| target.role(&r.name.value).is_some());
    let glance_nodes: u32 = (roles.iter())
        .filter(|r| target.role(&r.name).is_some_and(|i| i.edge_glance))
        .map(|r| r.count)
        .sum();
    all_known && glance_nodes == 0
}

/// The compute stack at the central site: a client of central's (external) cluster whose Glance
/// serves the central store. Its stack and zone must differ from every site's.
fn check_compute(
    c: &mut Checker,
    compute: &Located<spec::CentralCompute>,
    central: &Site,
    sites: &[Site],
    ntp: &[Located<String>],
    target: &Target,
) -> Option<Site> {
    let s = &compute.value;
    let stack = c.name(
        &s.stack.value,
        Some(s.stack.span),
        "stack name",
        Code::BadStackName,
        StackName::parse,
        StackName::RULE,
    );
    if sites.iter().any(|x| x.stack.as_str() == s.stack.value) {
        c.error(
            Code::Duplicate,
            s.stack.span,
            format!("stack `{}` is used twice", s.stack.value),
        )
        .help = Some("the central compute stack needs its own heat stack name".into());
    }
    if sites.iter().any(|x| x.cluster.as_str() == s.stack.value) {
        c.error(
            Code::ClusterIsStack,
            s.stack.span,
            format!(
                "stack `{}` is also the name of a Ceph cluster",
                s.stack.value
            ),
        )
        .help = Some(
            "TripleO names Ceph files after the cluster; name the stack e.g. `central-compute`"
                .into(),
        );
    }
    let (az, az_span) = or_default(&s.az, s.stack.value.clone());
    let az_span = az_span.unwrap_or(s.stack.span);
    if !is_own_az(&az) {
        c.error(
            Code::Duplicate,
            az_span,
            format!("`{az}` cannot be an availability zone of the central compute stack"),
        )
        .help = Some("give it its own zone, not the default `nova`; e.g. its stack name".into());
    } else if sites.iter().any(|x| x.az.as_deref() == Some(az.as_str())) {
        c.error(
            Code::Duplicate,
            az_span,
            format!("availability zone `{az}` is used twice"),
        )
        .help = Some("every site needs its own zone".into());
    }
    let roles = match &s.roles {
        Some(r) => check_roles(c, r, &s.stack.value, SiteKind::Compute, target),
        None => with_default_hints(default_roles(SiteKind::Compute), &s.stack.value),
    };
    if let Some(list) = &s.roles {
        for r in list {
            if target.role(&r.name.value).is_some_and(|i| i.ceph_osd) {
                c.error(Code::WrongTopology, r.name.span, format!("role `{}` runs Ceph OSDs, but the central compute stack uses the external cluster", r.name.value))
                    .help = Some("use `DistributedCompute` (and `DistributedComputeScaleOut`)".into());
            }
        }
        if runs_no_glance(list, &roles, target) {
            let span = list.first().map_or(s.stack.span, |r| r.name.span);
            c.error(
                Code::NoGlanceAtEdge,
                span,
                format!("no node of stack `{}` runs glance", s.stack.value),
            )
            .help = Some(
                "give `DistributedCompute` a count of at least 1; its nova needs a local glance"
                    .into(),
            );
        }
    }
    let mut parameters = BTreeMap::new();
    check_parameters(
        c,
        &s.parameters,
        &s.stack.value,
        SiteKind::Compute,
        &mut parameters,
    );
    let environment_files = s
        .environment_files
        .iter()
        .map(|p| check_path(c, p))
        .collect();
    let network_data = s.network_data.as_ref().map(|p| check_path(c, p));
    let stack = stack?;
    Some(Site {
        kind: SiteKind::Compute,
        name: SiteName::parse(stack.as_str())?,
        stack,
        cluster: central.cluster.clone(),
        fsid: central.fsid.clone(),
        mons: central.mons.clone(),
        store: central.store.clone(),
        store_description: central.store_description.clone(),
        az: Some(az),
        glance_endpoint: None,
        key: central.key.clone(),
        remote_stores: Vec::new(),
        roles,
        roles_file: None,
        network_data,
        environment_files,
        ntp: ntp.iter().map(|n| n.value.clone()).collect(),
        parameters,
    })
}

fn check_edge(
    c: &mut Checker,
    spec: &Spec,
    e: &spec::Edge,
    target: &'static Target,
) -> Option<(Site, SiteSpans)> {
    let defaults = &spec.edge_defaults;
    let mut spans = SiteSpans {
        name: Some(e.name.span),
        ..SiteSpans::default()
    };
    let name = c.name(
        &e.name.value,
        Some(e.name.span),
        "site name",
        Code::BadName,
        SiteName::parse,
        SiteName::RULE,
    );
    let (stack, stack_span) = or_default(&e.stack, e.name.value.clone());
    spans.stack = stack_span.or(spans.name);
    let stack_name = c.name(
        &stack,
        spans.stack,
        "stack name",
        Code::BadStackName,
        StackName::parse,
        StackName::RULE,
    );
    let common = check_common(
        c,
        or_default(&e.cluster, e.name.value.clone()),
        &e.fsid,
        &e.mons,
        &e.store,
        &mut spans,
    );
    let (az, az_span) = or_default(&e.az, e.name.value.clone());
    spans.az = az_span.or(spans.name);
    if !is_own_az(&az) {
        c.error(
            Code::Duplicate,
            spans.az,
            format!("`{az}` cannot be an edge availability zone"),
        )
        .help =
            Some("each edge needs its own zone, not the default `nova`; use the site name".into());
    }
    let (port, _) = or_default(&defaults.glance_port, target.edge_glance_port);
    let endpoint = Endpoint::parse(e.glance_api.value.trim(), port);
    if endpoint.is_none() {
        c.error(Code::BadEndpoint, e.glance_api.span, format!("`{}` is not a glance API address", e.glance_api.value))
            .help = Some("write the IP of the site's local Glance, optionally with a port or as a URL: `172.16.13.212`, `http://172.16.13.212:9292`".into());
    }
    let role_list = e.roles.as_ref().or(defaults.roles.as_ref());
    let roles = match role_list {
        Some(r) => check_roles(c, r, &stack, SiteKind::Edge, target),
        None => with_default_hints(default_roles(SiteKind::Edge), &stack),
    };
    if role_list.is_some_and(|l| runs_no_glance(l, &roles, target)) {
        let span = e
            .roles
            .as_ref()
            .and_then(|r| r.first())
            .map(|r| r.name.span)
            .unwrap_or(e.name.span);
        c.error(Code::NoGlanceAtEdge, span, format!("no node at edge `{}` runs glance", e.name.value))
            .help = Some("give `DistributedComputeHCI` or `DistributedCompute` a count of at least 1; nova at the edge needs its local glance".into());
    }
    let mut parameters = BTreeMap::new();
    check_parameters(
        c,
        &defaults.parameters,
        &e.name.value,
        SiteKind::Edge,
        &mut parameters,
    );
    check_parameters(
        c,
        &e.parameters,
        &e.name.value,
        SiteKind::Edge,
        &mut parameters,
    );
    let environment_files = defaults
        .environment_files
        .iter()
        .chain(&e.environment_files)
        .map(|p| check_path(c, p))
        .collect();
    let network_data = e
        .network_data
        .as_ref()
        .or(defaults.network_data.as_ref())
        .map(|p| check_path(c, p));
    let site = Site {
        kind: SiteKind::Edge,
        name: name?,
        stack: stack_name?,
        cluster: common.cluster?,
        fsid: common.fsid?,
        mons: common.mons,
        store: common.store?,
        store_description: common.description,
        az: Some(az),
        glance_endpoint: endpoint,
        key: check_key(c, e, target),
        remote_stores: Vec::new(),
        roles,
        roles_file: None,
        network_data,
        environment_files,
        ntp: spec.central.ntp.iter().map(|n| n.value.clone()).collect(),
        parameters,
    };
    Some((site, spans))
}

fn check_key(c: &mut Checker, e: &spec::Edge, target: &Target) -> Option<KeySource> {
    let k = e.key.as_ref()?;
    if !target.multistore_by_heat {
        c.error(
            Code::KeySource,
            k.span,
            format!("target `{}` makes its keys itself", target.id),
        )
        .help = Some(
            "ceph-clients.sh creates each edge's glance key at apply time; remove `key`".into(),
        );
        return None;
    }
    check_key_ref(c, k)
}

/// A key reference: exactly one of an environment variable name or an absolute file path.
fn check_key_ref(c: &mut Checker, k: &Located<spec::KeyRef>) -> Option<KeySource> {
    match (&k.value.env, &k.value.file) {
        (Some(var), None) => {
            let ok = var.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
                && var
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
            if !ok {
                c.error(
                    Code::KeySource,
                    k.span,
                    format!("`{var}` is not an environment variable name"),
                );
                return None;
            }
            Some(KeySource::Env(var.clone()))
        }
        (None, Some(path)) => {
            let path = c.name(
                path,
                Some(k.span),
                "key file",
                Code::KeySource,
                AbsPath::parse,
                AbsPath::RULE,
            )?;
            Some(KeySource::File(path.to_string()))
        }
        _ => {
            c.error(
                Code::KeySource,
                k.span,
                "a key reference names exactly one of `env` or `file`".into(),
            )
            .help = Some(
                "e.g. `key: {env: DCN0_CEPH_KEY}` or `key: {file: /root/keys/dcn0.key}`".into(),
            );
            None
        }
    }
}

/// `openstack overcloud export ceph` writes only the mons' IPs (from the deploy's inventory), so a
/// port other than Ceph's defaults (3300, 6789) never reaches the sites that import that export.
fn check_exported_ports(
    c: &mut Checker,
    spec: &Spec,
    target: &Target,
    sites: &[Site],
    spans: &[SiteSpans],
) {
    if !target.multistore_by_heat {
        return;
    }
    let keys_by_ref = spec.edges.iter().any(|e| e.key.is_some());
    let edges_use_central = sites.iter().skip(1).any(|e| e.remote_stores.contains(&0));
    for (i, (site, spans)) in sites.iter().zip(spans).enumerate() {
        let exported = if i == 0 {
            edges_use_central && spec.central.external.is_none()
        } else {
            !keys_by_ref
        };
        if !exported {
            continue;
        }
        if let Some((_, span)) = site
            .mons
            .iter()
            .zip(&spans.mons)
            .find(|(m, _)| m.port.is_some_and(|p| p != 3300 && p != 6789))
        {
            c.warning(Code::BadMon, *span, format!("the port of this mon of `{}` is lost by `openstack overcloud export ceph`", site.name))
                .help = Some("that export carries the mons' IPs only, so its readers try the default ports 3300 and 6789; run the mons on those, or give the edges' keys by reference (`key`), which dcnc writes with the ports".into());
        }
    }
}

/// Edges give keys all by reference or all through `export ceph`: the two cannot be mixed,
/// since central receives them in one `CephExternalMultiConfig`.
fn check_key_mix(c: &mut Checker, spec: &Spec) {
    let with: Vec<&spec::Edge> = spec.edges.iter().filter(|e| e.key.is_some()).collect();
    if with.is_empty() || with.len() == spec.edges.len() {
        return;
    }
    for e in spec.edges.iter().filter(|e| e.key.is_none()) {
        c.error(Code::KeySource, e.name.span, format!("edge `{}` has no `key`, but other edges do", e.name.value))
            .help = Some("central gets every edge key in one CephExternalMultiConfig: give each edge a `key`, or none".into());
    }
}

/// Names that must be unique across sites, and clusters that must differ from every stack.
fn check_across_sites(c: &mut Checker, sites: &[Site], spans: &[SiteSpans]) {
    // Names default to the site name, so one repeated name repeats them all: report each place
    // once, under the first (most basic) name.
    let mut reported: HashSet<Option<Span>> = HashSet::new();
    let mut unique = |c: &mut Checker, what: &str, items: Vec<(&str, Option<Span>)>, code: Code| {
        let mut seen: HashMap<&str, Option<Span>> = HashMap::new();
        for (v, span) in items {
            if let Some(first) = seen.get(v) {
                if !reported.insert(span) {
                    continue;
                }
                let d = c.error(code, span, format!("{what} `{v}` is used twice"));
                d.help = Some(match first {
                    Some(s) => format!("first used at line {}; every site needs its own", s.line),
                    None => "every site needs its own".to_string(),
                });
            } else {
                seen.insert(v, span);
            }
        }
    };
    let z = || sites.iter().zip(spans);
    let dup = Code::Duplicate;
    unique(
        c,
        "site name",
        z().map(|(s, sp)| (s.name.as_str(), sp.name)).collect(),
        dup,
    );
    unique(
        c,
        "stack name",
        z().map(|(s, sp)| (s.stack.as_str(), sp.stack)).collect(),
        dup,
    );
    let clusters = z().map(|(s, sp)| (s.cluster.as_str(), sp.cluster.or(sp.name)));
    unique(c, "ceph cluster name", clusters.collect(), dup);
    unique(
        c,
        "store id",
        z().map(|(s, sp)| (s.store.as_str(), sp.store)).collect(),
        dup,
    );
    let azs = z().filter_map(|(s, sp)| Some((s.az.as_deref()?, sp.az)));
    unique(c, "availability zone", azs.collect(), dup);
    let fsids = z().map(|(s, sp)| (s.fsid.as_str(), sp.fsid));
    unique(c, "ceph fsid", fsids.collect(), Code::SharedCluster);

    // Two mons are the same when their IPs match and their ports match or one has none.
    let mut mon_owner: HashMap<std::net::IpAddr, Vec<(Option<u16>, usize)>> = HashMap::new();
    for (i, (s, sp)) in z().enumerate() {
        for (m, span) in s.mons.iter().zip(&sp.mons) {
            let owners = mon_owner.entry(m.ip).or_default();
            let clash = owners.iter().find(|(port, j)| {
                *j != i && (port.is_none() || m.port.is_none() || *port == m.port)
            });
            if let Some(&(_, j)) = clash {
                let msg = format!(
                    "mon `{m}` of site `{}` is also a mon of site `{}`",
                    s.name, sites[j].name
                );
                c.error(Code::SharedCluster, *span, msg).help = Some(
                    "each site has its own ceph cluster; a shared mon address is a copy-paste mistake".into(),
                );
            } else {
                owners.push((m.port, i));
            }
        }
    }
    // A site's cluster may share its own stack's name (the seed's `dcn0`), never another site's.
    let stack_owner: HashMap<&str, &str> = sites
        .iter()
        .map(|s| (s.stack.as_str(), s.name.as_str()))
        .collect();
    for (s, sp) in z() {
        if let Some(other) = stack_owner
            .get(s.cluster.as_str())
            .filter(|o| **o != s.name.as_str())
        {
            c.error(
                Code::ClusterIsStack,
                sp.cluster.or(sp.name),
                format!(
                    "ceph cluster name `{}` is the stack name of site `{other}`",
                    s.cluster
                ),
            )
            .help = Some("give each ceph cluster a name that no other site's stack has".into());
        }
    }
}

/// Resolves which other stores each site's Glance uses: central uses every edge's; an edge uses
/// the ones it lists (default: central's, where the target supports it), never another edge's.
fn resolve_stores(c: &mut Checker, spec: &Spec, target: &Target, sites: &mut [Site]) {
    let by_id: HashMap<&str, usize> = sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.store.as_str(), i))
        .collect();
    let mut remote: Vec<Vec<usize>> = vec![Vec::new(); sites.len()];
    remote[0] = (1..sites.len()).collect();
    for (i, edge) in spec.edges.iter().enumerate() {
        let site_index = i + 1;
        let Some(list) = &edge.stores else {
            if target.edges_get_central_store {
                remote[site_index].push(0);
            }
            continue;
        };
        for id in list {
            match by_id.get(id.value.as_str()) {
                None => {
                    let d = c.error(
                        Code::UnknownStore,
                        id.span,
                        format!("no store `{}`", id.value),
                    );
                    d.help = Some(match did_you_mean(&id.value, by_id.keys().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "list store ids of the central site".into(),
                    });
                }
                Some(&j) if j == site_index => {
                    c.warning(
                        Code::UnknownStore,
                        id.span,
                        format!("`{}` is this site's own store", id.value),
                    )
                    .help = Some("its own store is always there; remove it from `stores`".into());
                }
                Some(&j) if sites[j].kind == SiteKind::Edge => {
                    c.error(Code::ForeignEdgeKey, id.span, format!("edge `{}` would receive the cephx key of edge `{}`", edge.name.value, sites[j].name))
                        .help = Some("an edge may only use its own store and the central one; copy images through central".into());
                }
                Some(&j) if !target.edges_get_central_store => {
                    c.error(
                        Code::UnknownStore,
                        id.span,
                        format!("target `{}` cannot give edges the central store", target.id),
                    )
                    .help = Some("use target `wallaby`, or remove `stores`".into());
                    let _ = j;
                }
                Some(&j) => remote[site_index].push(j),
            }
        }
    }
    for (site, r) in sites.iter_mut().zip(remote) {
        site.remote_stores = r;
    }
}
