//! What a deployment becomes in a spec: which stack is central and which are edges, each
//! stack's cluster, fsid, mons, store, zone, roles and counts, the Glance settings, the key
//! handling and the target; every effective parameter either mapped to a spec field, kept as a
//! pass-through `parameters:` entry, kept with its environment file, or reported (dropped when it
//! does nothing, refused when the spec cannot hold it). Nothing is left out silently.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value as Json};

use super::deployment::{Origin, Read, Res, RoleIn, RolesSource, Setting, StackDeploy};
use super::heat;
use super::report::{Change, Item, OnPurpose, Report, Section};
use super::source::{FileId, Loc};
use super::spec_out::{Doc, Field, MapBuilder};
use super::tripleo::Op;
use crate::diag::Code;
use crate::kinds::{SiteKind, TargetName};
use crate::spec::defaults;
use crate::target::{DeployFlow, Target};

/// A parameter of a stack, mapped or not.
struct Stack<'a> {
    name: String,
    loc: Loc,
    kind: SiteKind,
    /// The deploy whose parameters count (the one with the most `-e` files: a central update).
    last: &'a StackDeploy,
    eff: BTreeMap<String, Setting>,
    roles: Vec<RoleIn>,
    roles_source: RolesSource,
    /// Parameter names import has accounted for.
    claimed: BTreeSet<String>,
}

impl Stack<'_> {
    fn get(&self, key: &str) -> Option<&Setting> {
        self.eff.get(key)
    }

    /// A string parameter set by the deployment's own files (not by THT).
    fn own_str(&self, key: &str) -> Option<(String, Option<Loc>)> {
        let s = self.eff.get(key)?;
        let text = match &s.value {
            Json::String(t) => t.clone(),
            Json::Number(n) => n.to_string(),
            Json::Bool(b) => b.to_string(),
            _ => return None,
        };
        Some((text, loc_of(&s.origin)))
    }
}

/// The explanation of two ids of one store: DCN042 when one is TripleO's default.
fn id_code(a: &str, b: &str) -> Code {
    if a == "default_backend" || b == "default_backend" {
        Code::DefaultStoreId
    } else {
        Code::DiffersOnPurpose
    }
}

/// The place a value was written, when it was written in the directory.
pub fn loc_of(o: &Origin) -> Option<Loc> {
    match o {
        Origin::File { value, .. } => Some(*value),
        Origin::Cli(l) | Origin::Export(l) => Some(*l),
        Origin::Tht(_) => None,
    }
}

/// The key's place, for a report line.
fn key_loc(o: &Origin) -> Option<Loc> {
    match o {
        Origin::File { key, .. } => Some(*key),
        other => loc_of(other),
    }
}

/// The result of mapping: the spec document and the report.
pub struct Mapped {
    pub doc: Doc,
    pub target: &'static Target,
    /// Stack name -> the deploys of the original, first to last.
    pub stacks: Vec<(String, SiteKind)>,
}

/// The target a deployment was written for, and the evidence.
fn infer_target(read: &Read, given: Option<TargetName>, report: &mut Report) -> &'static Target {
    if let Some(t) = given {
        let t = Target::get(t);
        report.target = (t.id.to_string(), "given with --target".into(), None);
        return t;
    }
    let mut tht_files: Vec<(&str, Loc)> = Vec::new();
    for d in &read.deploys {
        for e in &d.envs {
            if let Res::Tht(rel) = &e.res {
                tht_files.push((rel, e.loc));
            }
        }
    }
    let find =
        |pred: &dyn Fn(&str) -> bool| tht_files.iter().find(|(r, _)| pred(r)).map(|(_, l)| *l);
    let provisioned = read.ops.iter().find_map(|(_, op)| match op {
        Op::Provision(p) => p.loc,
        _ => None,
    });
    let (name, why, loc) = if let Some(l) =
        provisioned.or(find(&|r| r.starts_with("environments/cephadm/")))
    {
        (
            TargetName::Tht18,
            "nodes provisioned or Ceph deployed before the stack (cephadm)",
            Some(l),
        )
    } else if let Some(l) = find(&|r| r == "environments/dcn-storage.yaml") {
        (
            TargetName::Wallaby,
            "environments/dcn-storage.yaml (wallaby and later)",
            Some(l),
        )
    } else if let Some(l) =
        find(&|r| r == "environments/dcn-hci.yaml" || r == "environments/dcn.yaml")
    {
        let heat_multistore = read
            .envs
            .values()
            .any(|e| e.params.iter().any(|p| p.key == "GlanceMultistoreConfig"));
        if heat_multistore {
            (TargetName::Ussuri, "environments/dcn-hci.yaml (ussuri and victoria; wallaby still has it) with GlanceMultistoreConfig", Some(l))
        } else {
            (TargetName::UssuriPoc, "environments/dcn-hci.yaml without GlanceMultistoreConfig: Glance's stores are configured outside heat", Some(l))
        }
    } else {
        (
            TargetName::Wallaby,
            "nothing release-specific found; the default",
            None,
        )
    };
    let t = Target::get(name);
    report.target = (t.id.to_string(), why.into(), loc);
    t
}

/// Which stack is central: the one whose roles run a Controller, else the one whose export the
/// others read.
fn central_stack(read: &Read, names: &[String]) -> Option<String> {
    let controller = names.iter().find(|n| {
        read.deploys_of(n).any(|d| {
            let (roles, _) = read.roles(d);
            roles.iter().any(|r| {
                r.base
                    .as_deref()
                    .unwrap_or(&r.name)
                    .starts_with("Controller")
                    || r.services
                        .as_ref()
                        .is_some_and(|s| s.iter().any(|x| x == "Keystone"))
            })
        })
    });
    if let Some(c) = controller {
        return Some(c.clone());
    }
    for (_, op) in &read.ops {
        if let Op::Export(e) = op {
            if !e.ceph {
                if let Some(s) = e.stacks.first().filter(|s| names.contains(s)) {
                    return Some(s.clone());
                }
            }
        }
    }
    None
}

/// Numeric-aware order: dcn2 before dcn10.
fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |s: &str| {
        let d = s.trim_end_matches(|c: char| c.is_ascii_digit());
        (d.to_string(), s[d.len()..].parse::<u64>().unwrap_or(0))
    };
    split(a).cmp(&split(b)).then(a.cmp(b))
}

/// Maps the deployment. Every parameter ends in the spec or in the report.
pub fn map(read: &Read, target: Option<TargetName>, report: &mut Report) -> Result<Mapped, String> {
    let target = infer_target(read, target, report);
    let names = read.stacks();
    let Some(central_name) = central_stack(read, &names) else {
        return Err("no stack runs the control plane (no role named Controller..., and no `openstack overcloud export` of a stack the others read)".into());
    };
    let mut stacks: Vec<Stack> = Vec::new();
    for n in &names {
        let deploys: Vec<&StackDeploy> = read.deploys_of(n).collect();
        let last = deploys
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|(i, d)| (d.envs.len(), *i))
            .map(|(_, d)| d)
            .expect("a stack has a deploy");
        let (roles, roles_source) = read.roles(last);
        let kind = if *n == central_name {
            SiteKind::Central
        } else {
            SiteKind::Edge
        };
        report.deploys.push((
            n.clone(),
            deploys
                .iter()
                .map(|d| (d.loc, d.via, d.envs.len()))
                .collect(),
        ));
        stacks.push(Stack {
            name: n.clone(),
            loc: last.stack_loc,
            kind,
            last,
            eff: read.effective(last, target.tht_version),
            roles,
            roles_source,
            claimed: BTreeSet::new(),
        });
    }
    for s in &stacks {
        conflicts(s, report);
    }
    // central first, then the edges in natural order
    stacks.sort_by(|a, b| {
        (a.kind != SiteKind::Central)
            .cmp(&(b.kind != SiteKind::Central))
            .then(natural(&a.name, &b.name))
    });
    let order: Vec<&str> = stacks.iter().map(|s| s.name.as_str()).collect();
    report
        .deploys
        .sort_by_key(|(n, _)| order.iter().position(|o| o == n));
    let mut m = Mapper {
        read,
        target,
        report,
        multi: Vec::new(),
        central_ntp: Vec::new(),
        cache: false,
        external: false,
    };
    m.collect_multi_config(&stacks);
    let mut top = MapBuilder::default();
    top.field("target", Doc::str(target.id, report_loc(m.report)));
    let topology = m.topology(&stacks);
    m.cache = topology == crate::kinds::Topology::GlanceCache;
    if m.cache {
        top.field("topology", Doc::str("glance-cache", None));
    }
    if let Some(tht) = stacks
        .first()
        .map(|s| s.last.tht_root.clone())
        .filter(|t| t != super::deployment::THT_ROOT)
    {
        top.field("tht", Doc::str(tht, None));
    }
    let glance = m.glance(&mut stacks);
    if !glance.is_empty() {
        top.field("glance", glance.build());
    }
    let ceph = m.ceph();
    if !ceph.is_empty() {
        top.field("ceph", ceph.build());
    }
    // An external central cluster (central is its client), and compute stacks on it.
    m.external = stacks[0].get("CephExternalMonHost").is_some();
    if m.external {
        let central_cluster = SiteView::of(&stacks[0]).cluster;
        for s in stacks.iter_mut().skip(1) {
            let cluster = s.own_str("CephClusterName").map(|(c, _)| c);
            if cluster.as_deref() == Some(central_cluster.as_str()) {
                s.kind = SiteKind::Compute;
            }
        }
    }
    let (central, rest) = stacks.split_first_mut().expect("central exists");
    let mut central_doc = m.site(central, &[]);
    let central_view = SiteView::of(central);
    if let Doc::Map(fields) = &mut central_doc {
        if m.external {
            fields.push(m.external_key(central));
        }
        let computes: Vec<&mut Stack> = rest
            .iter_mut()
            .filter(|s| s.kind == SiteKind::Compute)
            .collect();
        if computes.len() > 1 {
            m.report.add(
                Section::Refused,
                Item::at(
                    computes[1].loc,
                    format!(
                        "{}: a second compute stack on central's cluster",
                        computes[1].name
                    ),
                )
                .detail("dcnc has one central compute stack (`central.compute`)"),
            );
        }
        if let Some(c) = computes.into_iter().next() {
            let doc = m.compute(c);
            fields.push(Field {
                key: "compute".into(),
                value: doc,
                comment: Some(format!(
                    "Stack {}: compute at the central site, on its cluster.",
                    c.name
                )),
                key_origin: None,
            });
        }
    }
    top.commented(
        "central",
        central_doc,
        format!(
            "Stack {}: the control plane and Ceph cluster `{}`.",
            central.name, central_view.cluster
        ),
    );
    let mut edges = Vec::new();
    for e in rest.iter_mut().filter(|s| s.kind == SiteKind::Edge) {
        edges.push((
            e.name.clone(),
            m.site(e, std::slice::from_ref(&central_view)),
        ));
    }
    let (defaults, edges) = factor_edge_defaults(edges);
    if !defaults.is_empty() {
        top.commented(
            "edge_defaults",
            Doc::Map(defaults),
            "What every edge stack has alike.",
        );
    }
    if !edges.is_empty() {
        top.field("edges", Doc::Seq(edges));
    }
    // What is left of every stack's parameters.
    for s in &stacks {
        m.leftovers(s);
    }
    Ok(Mapped {
        doc: top.build(),
        target,
        stacks: stacks.iter().map(|s| (s.name.clone(), s.kind)).collect(),
    })
}

fn report_loc(r: &Report) -> Option<Loc> {
    r.target.2
}

/// Central's facts the edges' settings refer to.
#[derive(Clone)]
struct SiteView {
    cluster: String,
    store: String,
}

impl SiteView {
    fn of(s: &Stack) -> SiteView {
        let cluster = s
            .own_str("CephClusterName")
            .map_or_else(|| "ceph".to_string(), |(c, _)| c);
        let store = s
            .own_str("GlanceBackendID")
            .map_or_else(|| "default_backend".to_string(), |(c, _)| c);
        SiteView { cluster, store }
    }
}

/// What a Ceph client conf of the directory says of its cluster.
struct CephConf {
    fsid: Option<(String, Loc)>,
    mons: Option<(Vec<String>, Loc)>,
}

/// One `CephExternalMultiConfig` entry: a cluster some stack is a client of.
#[derive(Clone, Debug)]
struct MultiEntry {
    cluster: String,
    fsid: Option<(String, Loc)>,
    mons: Option<(Vec<String>, Loc)>,
}

struct Mapper<'a> {
    read: &'a Read,
    target: &'static Target,
    report: &'a mut Report,
    multi: Vec<MultiEntry>,
    central_ntp: Vec<Json>,
    /// The glance-cache topology: central Glance on swift, an image cache at each edge.
    cache: bool,
    /// Central's cluster is external: TripleO deploys no Ceph at central.
    external: bool,
}

impl Mapper<'_> {
    /// Every `CephExternalMultiConfig` entry any stack reads: where fsids and mons come from.
    fn collect_multi_config(&mut self, stacks: &[Stack]) {
        for s in stacks {
            let Some(set) = s.get("CephExternalMultiConfig") else {
                continue;
            };
            let Some(loc) = loc_of(&set.origin) else {
                continue;
            };
            let entries = self.multi_entries(loc);
            for e in entries {
                if !self.multi.iter().any(|m| m.cluster == e.cluster) {
                    self.multi.push(e);
                }
            }
        }
    }

    /// The entries of the `CephExternalMultiConfig` list at `loc`, read again from its file with
    /// the place of every value.
    fn multi_entries(&mut self, loc: Loc) -> Vec<MultiEntry> {
        let Some(env) = self.read.envs.get(&loc.file) else {
            return Vec::new();
        };
        let Some(entry) = env
            .params
            .iter()
            .rev()
            .find(|p| p.key == "CephExternalMultiConfig")
        else {
            return Vec::new();
        };
        let file = loc.file;
        let mut out = Vec::new();
        for item in entry.value.items() {
            let Some(cluster) = item.get("cluster").and_then(|c| c.scalar_text()) else {
                continue;
            };
            let fsid = item
                .get("fsid")
                .and_then(|f| Some((f.scalar_text()?, Loc::new(file, f.span))));
            let mons = item.get("external_cluster_mon_ips").and_then(|m| {
                let text = m.scalar_text()?;
                let list: Vec<String> = text
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                Some((list, Loc::new(file, m.span)))
            });
            let key_in = item.get("keys").and_then(|keys| {
                keys.items().iter().find_map(|k| {
                    let key = k.get("key")?;
                    let text = key.scalar_text()?;
                    (!text.starts_with('$') && !text.is_empty()).then(|| Loc::new(file, key.span))
                })
            });
            if let Some(l) = key_in {
                self.report.add(
                    Section::Secret,
                    Item::at(l, format!("a cephx key of cluster `{cluster}`"))
                        .detail("dcnc never writes a key into the spec or the tree: it gets keys from `openstack overcloud export ceph` when the deploy runs. Keep this file out of the repository"),
                );
            }
            out.push(MultiEntry {
                cluster,
                fsid,
                mons,
            });
        }
        out
    }

    fn topology(&mut self, stacks: &[Stack]) -> crate::kinds::Topology {
        let cache = stacks.iter().any(|s| {
            s.get("GlanceCacheEnabled")
                .is_some_and(|v| v.value == json!(true))
        });
        if cache {
            crate::kinds::Topology::GlanceCache
        } else {
            crate::kinds::Topology::Multistore
        }
    }

    /// `glance:` from central's parameters; an edge that differs is reported.
    fn glance(&mut self, stacks: &mut [Stack]) -> MapBuilder {
        let mut g = MapBuilder::default();
        let central = &stacks[0];
        // Import methods: a comma list or a list.
        let methods_of = |s: &Stack| {
            s.get("GlanceEnabledImportMethods").map(|v| {
                let list: Vec<String> = match &v.value {
                    Json::String(t) => t.split(',').map(|x| x.trim().to_string()).collect(),
                    Json::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect(),
                    _ => Vec::new(),
                };
                (list, v.origin.clone())
            })
        };
        let central_methods = methods_of(central);
        let wanted: Vec<String> = match &central_methods {
            Some((l, _)) => l.clone(),
            None => vec!["web-download".into()],
        };
        let default: Vec<String> = defaults::IMPORT_METHODS
            .iter()
            .map(|s| s.to_string())
            .collect();
        if wanted != default {
            let loc = central_methods.as_ref().and_then(|(_, o)| loc_of(o));
            g.field(
                "import_methods",
                Doc::Flow(wanted.iter().map(|s| json!(s)).collect(), loc),
            );
            if central_methods.is_none() {
                self.report.add(
                    Section::Note,
                    Item::stack(&central.name, "GlanceEnabledImportMethods is not set: TripleO's default `web-download` only")
                        .detail("so `copy-image` cannot copy images to the edges (DCN031); the spec keeps what the deployment has"),
                );
            }
        }
        for s in stacks.iter_mut() {
            s.claimed.insert("GlanceEnabledImportMethods".into());
            if s.kind == SiteKind::Central {
                continue;
            }
            if let Some((l, o)) = methods_of(s) {
                if l != wanted {
                    self.report.add(
                        Section::Differs,
                        Item::opt(
                            key_loc(&o),
                            format!("{}: GlanceEnabledImportMethods is {}", s.name, l.join(",")),
                        )
                        .detail(format!(
                            "dcnc gives every site central's ({})",
                            wanted.join(",")
                        )),
                    );
                }
            }
        }
        // Show multiple locations (where the release still has it).
        let central = &stacks[0];
        if let Some(v) = central.get("GlanceShowMultipleLocations") {
            let b = heat_bool(&v.value);
            if b == Some(false) || !self.target.show_locations_parameter {
                if let Some(b) = b {
                    g.field(
                        "show_multiple_locations",
                        Doc::Value(json!(b), loc_of(&v.origin)),
                    );
                }
            }
        } else if self.target.show_locations_parameter {
            // TripleO's default is false; dcnc's is true.
            g.field("show_multiple_locations", Doc::Value(json!(false), None));
            self.report.add(
                Section::Note,
                Item::stack(&central.name, "GlanceShowMultipleLocations is not set: TripleO's default false")
                    .detail("without locations, edges cannot boot images copy-on-write from their local store; the spec keeps false: set `glance.show_multiple_locations: true` (dcnc's default) to fix it"),
            );
        }
        for s in stacks.iter_mut() {
            s.claimed.insert("GlanceShowMultipleLocations".into());
        }
        let central = &stacks[0];
        if let Some((pool, loc)) = central.own_str("GlanceRbdPoolName") {
            if pool != defaults::pool() {
                g.field("pool", Doc::str(pool, loc));
            }
        }
        if let Some((share, loc)) = central.own_str("GlanceStagingNfsShare") {
            if !share.is_empty() {
                g.field("staging_nfs_share", Doc::str(share, loc));
            }
        }
        // The user central Glance reads edge stores with.
        let mut user: Option<(String, Option<Loc>)> = None;
        if let Some(ms) = central.get("GlanceMultistoreConfig") {
            if let Json::Object(m) = &ms.value {
                for v in m.values() {
                    if let Some(u) = v.get("CephClientUserName").and_then(Json::as_str) {
                        user = Some((u.to_string(), loc_of(&ms.origin)));
                    }
                }
            }
        }
        if let Some((u, loc)) = user.filter(|(u, _)| u != self.target.default_client_user) {
            g.field("client_user", Doc::str(u, loc));
        }
        for s in stacks.iter_mut() {
            for k in ["GlanceRbdPoolName", "GlanceStagingNfsShare"] {
                s.claimed.insert(k.into());
            }
        }
        // Members may copy images (a `copy_image` policy granting `role:member`).
        let policy = stacks.iter().find_map(|s| {
            let v = s.get("GlanceApiPolicies")?;
            v.value.as_object()?.values().find_map(|e| {
                (e.get("key")?.as_str()? == "copy_image").then(|| {
                    (
                        e.get("value").and_then(Json::as_str).map(String::from),
                        loc_of(&v.origin),
                    )
                })
            })
        });
        if let Some((Some(rule), loc)) = policy {
            if rule.contains("role:member") {
                g.field("copy_image_by", Doc::str("member", loc));
            } else if !rule.trim().eq("role:admin") {
                self.report.add(
                    Section::Refused,
                    Item::opt(loc, format!("GlanceApiPolicies copy_image: {rule}"))
                        .detail("dcnc writes Glance's admin-only default or `role:admin or role:member` (`glance.copy_image_by`)"),
                );
            }
        }
        if self.cache {
            let cache = self.cache_settings(stacks);
            if !cache.is_empty() {
                g.field("cache", cache.build());
            }
        }
        g
    }

    /// `glance.cache` from the first edge with an image cache (TripleO's GlanceImageCache*);
    /// an edge whose cache differs is reported.
    fn cache_settings(&mut self, stacks: &mut [Stack]) -> MapBuilder {
        // (parameter, spec field, dcnc's default)
        let fields: [(&str, &str, Json); 4] = [
            ("GlanceImageCacheDir", "dir", json!(defaults::cache_dir())),
            (
                "GlanceImageCacheMaxSize",
                "max_size",
                json!(10u64 * 1024 * 1024 * 1024),
            ),
            ("GlanceImageCacheStallTime", "stall_time", json!(86400)),
            (
                "GlanceImagePrefetcherInterval",
                "prefetcher_interval",
                json!(300),
            ),
        ];
        let mut c = MapBuilder::default();
        let first = stacks
            .iter()
            .position(|s| s.get("GlanceCacheEnabled").is_some());
        for (param, field, default) in &fields {
            let Some(i) = first else { break };
            let v = stacks[i]
                .get(param)
                .map(|v| (v.value.clone(), loc_of(&v.origin)));
            let value = v.as_ref().map(|(v, _)| match v {
                Json::String(s) => s.parse::<u64>().map_or(v.clone(), |n| json!(n)),
                other => other.clone(),
            });
            if let (Some(value), Some((_, loc))) = (&value, &v) {
                if value != default {
                    c.field(field, Doc::Value(value.clone(), *loc));
                }
            }
            for s in stacks.iter().filter(|s| s.kind != SiteKind::Central) {
                let theirs = s.get(param).map(|x| x.value.clone());
                if theirs.is_some() && theirs != v.as_ref().map(|(x, _)| x.clone()) {
                    self.report.add(
                        Section::Differs,
                        Item::opt(
                            s.get(param).and_then(|x| key_loc(&x.origin)),
                            format!("{}: {param} differs from {}'s", s.name, stacks[i].name),
                        )
                        .detail("dcnc gives every edge one image cache (`glance.cache`)"),
                    );
                }
            }
        }
        for s in stacks.iter_mut() {
            for k in ["GlanceCacheEnabled", "NovaDisableImageDownloadToRbd"]
                .into_iter()
                .chain(fields.iter().map(|(p, _, _)| *p))
            {
                s.claimed.insert(k.into());
            }
        }
        c
    }

    fn ceph(&mut self) -> MapBuilder {
        let mut c = MapBuilder::default();
        // Client settings of the Ceph client confs the deployment keeps (`[client]` of a conf
        // with a `[global] fsid`): where keyrings are, and how long a client waits.
        let confs: Vec<FileId> = (self.read.sources.ids())
            .filter(|&id| self.read.sources.get(id).kind == super::source::Kind::Ini)
            .collect();
        for id in confs {
            let Ok(opts) = heat::read_ini(&self.read.sources, id) else {
                continue;
            };
            if !opts
                .iter()
                .any(|o| o.section == "global" && o.key == "fsid")
            {
                continue;
            }
            let client = |k: &str| {
                opts.iter()
                    .find(|o| o.section == "client" && o.key.replace(' ', "_") == k)
            };
            if let Some(o) = client("keyring") {
                if let Some((dir, _)) = o.value.trim().rsplit_once('/') {
                    if dir != defaults::conf_dir() && !dir.is_empty() {
                        c.field("conf_dir", Doc::str(dir, Some(o.loc)));
                    }
                }
            }
            if let Some(o) = client("client_mount_timeout") {
                c.field(
                    "client_mount_timeout",
                    Doc::str(o.value.trim(), Some(o.loc)),
                );
            }
            break;
        }
        c
    }

    /// `external.key` of a central cluster TripleO does not deploy: a reference to where the
    /// deploy reads `client.openstack`'s key (never the key).
    fn external_key(&mut self, s: &mut Stack) -> Field {
        s.claimed.insert("CephClientKey".into());
        let key = s.get("CephClientKey").map(|k| k.origin.clone());
        if let Some(Origin::File { key, .. }) = key {
            self.report.add(
                Section::Secret,
                Item::at(key, format!("{}: CephClientKey holds the key of the external cluster", s.name))
                    .detail("dcnc reads it at deploy time from $CENTRAL_CEPH_KEY (external-ceph.sh writes it, 0600, outside the tree): export it there, and keep the key out of the repository"),
            );
        }
        self.report.add(
            Section::Input,
            Item::at(s.loc, format!("{}: where the key of the external cluster is", s.name))
                .detail("the spec says `external.key: {env: CENTRAL_CEPH_KEY}`; change it to the variable or file (`{file: /path}`) that holds it when the scripts run"),
        );
        let mut k = MapBuilder::default();
        k.field("env", Doc::str("CENTRAL_CEPH_KEY", None));
        let mut e = MapBuilder::default();
        e.field("key", k.build());
        Field {
            key: "external".into(),
            value: e.build(),
            comment: None,
            key_origin: None,
        }
    }

    /// `central.compute`: a stack at the central site whose nodes use central's cluster.
    fn compute(&mut self, s: &mut Stack) -> Doc {
        let mut f = MapBuilder::default();
        f.field("stack", Doc::str(&s.name, Some(s.loc)));
        let stack = s.name.clone();
        self.az(s, &stack, &mut f);
        for k in [
            "CephClusterName",
            "CephClusterFSID",
            "CephExternalMonHost",
            "CephClientKey",
            "GlanceBackendID",
            "GlanceBackend",
            "GlanceStoreDescription",
            "GlanceMultistoreConfig",
            "CephExternalMultiConfig",
            "CephClientUserName",
            "NtpServer",
        ] {
            s.claimed.insert(k.into());
        }
        self.roles(s, &mut f);
        self.files(s, &mut f);
        f.build()
    }

    /// The spec of one stack (central, or an edge given central's view).
    fn site(&mut self, s: &mut Stack, central: &[SiteView]) -> Doc {
        let mut f = MapBuilder::default();
        let edge = s.kind == SiteKind::Edge;
        let name_loc = Some(s.loc);
        let site = site_name(s);
        if edge {
            match &site {
                Some((n, l)) => {
                    f.field("name", Doc::str(n, *l));
                    f.field("stack", Doc::str(&s.name, name_loc));
                }
                None => {
                    f.field("name", Doc::str(&s.name, name_loc));
                }
            }
        } else {
            f.field("stack", Doc::str(&s.name, name_loc));
        }
        let site = site.map_or_else(|| s.name.clone(), |(n, _)| n);
        // cluster
        let (cluster, cluster_loc) = match s.own_str("CephClusterName") {
            Some((c, l)) => (c, l),
            None => {
                self.report.add(
                    Section::Note,
                    Item::at(
                        s.loc,
                        format!(
                            "{}: CephClusterName is not set: TripleO names the cluster `ceph`",
                            s.name
                        ),
                    )
                    .detail("every site needs a cluster name of its own; the spec keeps `ceph`"),
                );
                ("ceph".to_string(), None)
            }
        };
        s.claimed.insert("CephClusterName".into());
        let cluster_default = if edge {
            site.clone()
        } else {
            defaults::central_cluster().to_string()
        };
        if cluster != cluster_default {
            f.field("cluster", Doc::str(&cluster, cluster_loc));
        }
        // fsid and mons: the stack's own, or what another stack reads of its cluster
        let entry = self.multi.iter().find(|m| m.cluster == cluster).cloned();
        let fsid = s.own_str("CephClusterFSID").or_else(|| {
            entry
                .as_ref()
                .and_then(|e| e.fsid.clone())
                .map(|(v, l)| (v, Some(l)))
        });
        s.claimed.insert("CephClusterFSID".into());
        let fsid = fsid.or_else(|| {
            let c = self.ceph_conf(&cluster)?;
            c.fsid.map(|(v, l)| (v, Some(l)))
        });
        match fsid {
            Some((v, l)) => {
                f.field("fsid", Doc::str(v, l));
            }
            None => {
                self.report.add(
                    Section::Input,
                    Item::at(s.loc, format!("{}: the fsid of Ceph cluster `{cluster}`", s.name))
                        .detail("no CephClusterFSID, and no CephExternalMultiConfig entry of this cluster: run `ceph fsid` at the site and write it as `fsid`"),
                );
                f.field("fsid", Doc::str("", None));
            }
        }
        let mons = entry.as_ref().and_then(|e| e.mons.clone()).or_else(|| {
            let host = s.own_str("CephExternalMonHost")?;
            let list = host
                .0
                .split(',')
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect();
            Some((list, host.1?))
        });
        let mons = mons.or_else(|| mon_ips(s));
        let mons = mons.or_else(|| self.ceph_conf(&cluster).and_then(|c| c.mons));
        s.claimed.insert("CephExternalMonHost".into());
        match mons {
            Some((list, l)) => {
                f.field(
                    "mons",
                    Doc::Flow(list.iter().map(|m| json!(m)).collect(), Some(l)),
                );
            }
            None => {
                self.report.add(
                    Section::Input,
                    Item::at(s.loc, format!("{}: the mon addresses of Ceph cluster `{cluster}`", s.name))
                        .detail("no CephExternalMultiConfig entry of this cluster names them: list the storage IPs of its mons (`ceph mon dump`) as `mons`"),
                );
                f.field("mons", Doc::Flow(Vec::new(), None));
            }
        }
        if edge {
            if let Some((api, l)) = self.glance_api(s) {
                f.field("glance_api", Doc::str(api, l));
            } else if !self.target.edge_services {
                self.report.add(
                    Section::Input,
                    Item::at(
                        s.loc,
                        format!("{}: the address of the site's Glance API", s.name),
                    )
                    .detail("target ussuri-poc's configure.sh points Nova at it: add `glance_api`"),
                );
            }
            self.az(s, &site, &mut f);
        }
        self.store(s, &mut f, central, &cluster);
        if edge {
            self.edge_ntp(s);
        } else {
            self.ntp(s, &mut f);
        }
        self.roles(s, &mut f);
        if edge || !self.external {
            self.osds(s, &mut f);
        }
        self.files(s, &mut f);
        f.build()
    }

    /// The OSD disks and pool size of a stack that deploys its own cluster: `CephPoolDefaultSize`
    /// and a `CephAnsibleDisksConfig` of plain `devices` (with at most THT's `osd_scenario: lvm`
    /// and `osd_objectstore: bluestore`; any other stays a pass-through parameter), or what its
    /// `openstack overcloud ceph deploy` reads: the `--osd-spec`'s `data_devices: {paths}` and
    /// the `--config`'s `osd_pool_default_size`.
    fn osds(&mut self, s: &mut Stack, f: &mut MapBuilder) {
        let (spec, conf) = self.read.ceph_deploy_files(&s.name);
        let mut size = s.get("CephPoolDefaultSize").and_then(|v| {
            let n = heat_number(&v.value).filter(|n| n.fract() == 0.0 && *n >= 1.0)?;
            Some((n as u64, loc_of(&v.origin)))
        });
        if size.is_some() {
            s.claimed.insert("CephPoolDefaultSize".into());
        }
        if let Some(id) = conf {
            let opts = heat::read_ini(&self.read.sources, id).unwrap_or_default();
            let o = opts.iter().find(|o| {
                o.section == "global" && o.key.replace(' ', "_") == "osd_pool_default_size"
            });
            if let Some(n) = o.and_then(|o| o.value.trim().parse::<u64>().ok()) {
                size = Some((n, o.map(|o| o.loc)));
            }
        }
        let mut devices = s.get("CephAnsibleDisksConfig").and_then(|v| {
            let m = v.value.as_object()?;
            let plain = m.iter().all(|(k, x)| match k.as_str() {
                "devices" => true,
                "osd_scenario" => x == "lvm",
                "osd_objectstore" => x == "bluestore",
                _ => false,
            });
            let list = m.get("devices")?.as_array()?;
            (plain && !list.is_empty() && list.iter().all(Json::is_string))
                .then(|| (list.clone(), loc_of(&v.origin)))
        });
        if devices.is_some() {
            s.claimed.insert("CephAnsibleDisksConfig".into());
        }
        if let Some(id) = spec {
            if let Ok(root) = heat::parse_yaml(&self.read.sources, id) {
                let paths = (root.get("data_devices"))
                    .filter(|d| d.entries().len() == 1)
                    .and_then(|d| d.get("paths"));
                if let Some(p) = paths {
                    let list: Vec<Json> = (p.items().iter())
                        .filter_map(|n| n.as_str().map(|t| json!(t)))
                        .collect();
                    if !list.is_empty() && list.len() == p.items().len() {
                        devices = Some((list, Some(Loc::new(id, p.span))));
                    }
                }
            }
        }
        if let Some((list, loc)) = devices {
            f.field("osd_devices", Doc::Flow(list, loc));
        }
        if let Some((n, loc)) = size {
            f.field("pool_default_size", Doc::Value(json!(n), loc));
        }
    }

    /// A Ceph client conf of cluster `cluster` in the directory (`<cluster>.conf`, as TripleO and
    /// dcnc name them): its `[global]` fsid and mon host.
    fn ceph_conf(&mut self, cluster: &str) -> Option<CephConf> {
        let name = format!("{cluster}.conf");
        let id = self.read.sources.ids().find(|&id| {
            let p = self.read.sources.path(id);
            p == name || p.ends_with(&format!("/{name}"))
        })?;
        let opts = heat::read_ini(&self.read.sources, id).ok()?;
        let get = |k: &str| {
            opts.iter()
                .find(|o| o.section == "global" && o.key.replace('_', " ") == k)
        };
        let fsid = get("fsid").map(|o| (o.value.trim().to_string(), o.loc));
        let mons = get("mon host").map(|o| {
            let list = o
                .value
                .split([',', ' '])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(String::from)
                .collect();
            (list, o.loc)
        });
        (fsid.is_some() || mons.is_some()).then_some(CephConf { fsid, mons })
    }

    /// An option a stack's service gets outside TripleO: a `crudini --set` of one of the stack's
    /// scripts (or of a file naming the stack), else an INI file of the directory under a
    /// directory named like the stack (`ansible/dcn0/nova.conf`). The last edit wins.
    fn out_of_band(&mut self, stack: &str, section: &str, keys: &[&str]) -> Option<(String, Loc)> {
        let in_stack = |path: &str| path.split('/').any(|p| p == stack);
        let mut found = None;
        for (file, op) in &self.read.ops {
            if let Op::Crudini(c) = op {
                let for_stack =
                    in_stack(self.read.sources.path(*file)) || c.file.text.contains(stack);
                if for_stack && c.section == section && keys.contains(&c.key.as_str()) {
                    if let Some(v) = &c.value {
                        found = Some((v.text.clone(), Loc::new(c.loc.file, v.span)));
                    }
                }
            }
        }
        if found.is_some() {
            return found;
        }
        for id in self.read.sources.ids() {
            let f = self.read.sources.get(id);
            let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
            if f.kind != super::source::Kind::Ini || !in_stack(dir) {
                continue;
            }
            match heat::read_ini(&self.read.sources, id) {
                Ok(opts) => {
                    if let Some(o) = opts
                        .iter()
                        .rev()
                        .find(|o| o.section == section && keys.contains(&o.key.as_str()))
                    {
                        found = Some((o.value.clone(), o.loc));
                    }
                }
                Err(e) => self.report.add(
                    Section::Note,
                    Item::opt(
                        e.span.map(|sp| Loc::new(id, sp)),
                        format!("{} {}", f.path, e.message),
                    ),
                ),
            }
        }
        found
    }

    /// The address an edge's Nova asks for images, where the deployment names it: a nova.conf
    /// or crudini edit of its `[glance] api_servers`/`endpoint_override` (a proof of concept),
    /// or the predictable internal API IP of its first Glance node.
    fn glance_api(&mut self, s: &Stack) -> Option<(String, Option<Loc>)> {
        let strip = |v: &str| {
            v.trim()
                .trim_start_matches("http://")
                .trim_start_matches("https://")
                .trim_end_matches('/')
                .to_string()
        };
        if let Some((v, l)) =
            self.out_of_band(&s.name, "glance", &["api_servers", "endpoint_override"])
        {
            return Some((strip(&v), Some(l)));
        }
        // predictable IPs: <Role>IPs: {internal_api: [...]}
        for r in &s.roles {
            let info = self.target.role(r.base.as_deref().unwrap_or(&r.name));
            if !info.is_some_and(|i| i.edge_glance) {
                continue;
            }
            if let Some(ips) = s.get(&format!("{}IPs", r.name)) {
                if let Some(ip) = ips
                    .value
                    .get("internal_api")
                    .and_then(|l| l.get(0))
                    .and_then(Json::as_str)
                {
                    return Some((ip.to_string(), loc_of(&ips.origin)));
                }
            }
        }
        None
    }

    fn az(&mut self, s: &mut Stack, site: &str, f: &mut MapBuilder) {
        let nova = s.own_str("NovaComputeAvailabilityZone");
        let cinder = s.own_str("CinderStorageAvailabilityZone");
        // THT's NovaAZConfig takes an empty zone as the stack name.
        let nova_az = match &nova {
            Some((z, _)) if !z.is_empty() => z.clone(),
            _ => s.name.clone(),
        };
        if let Some((c, l)) = &cinder {
            if *c != nova_az {
                self.report.add(
                    Section::Differs,
                    Item::opt(*l, format!("{}: CinderStorageAvailabilityZone is `{c}`, Nova's zone `{nova_az}`", s.name))
                        .detail("dcnc puts Nova and Cinder of a site in one zone (`az`); boot-from-volume needs them to agree"),
                );
            }
        } else {
            self.report.add(
                Section::Differs,
                Item::at(s.loc, format!("{}: CinderStorageAvailabilityZone is not set (TripleO: `nova`, or `dcn` from the DCN environment)", s.name))
                    .detail(format!("dcnc sets it to the site's zone `{nova_az}`")),
            );
        }
        if nova_az != site {
            f.field("az", Doc::str(nova_az, nova.and_then(|(_, l)| l)));
        }
        for k in [
            "NovaComputeAvailabilityZone",
            "CinderStorageAvailabilityZone",
        ] {
            s.claimed.insert(k.into());
        }
        // The volume cluster and cross-AZ attach: dcnc sets them; a different value stays a
        // pass-through parameter, which `dcnc check` reports located (DCN019, DCN020).
        if s.own_str("CinderVolumeCluster")
            .is_some_and(|(v, _)| v == site)
        {
            s.claimed.insert("CinderVolumeCluster".into());
        }
        if s.get("NovaCrossAZAttach")
            .is_some_and(|v| heat_bool(&v.value) == Some(false))
        {
            s.claimed.insert("NovaCrossAZAttach".into());
        }
    }

    /// The store: its id and description, and (edges) the other stores its Glance has.
    fn store(&mut self, s: &mut Stack, f: &mut MapBuilder, central: &[SiteView], cluster: &str) {
        if self.cache {
            // Glance keeps images on swift: no site's Ceph is a store.
            for k in [
                "GlanceBackendID",
                "GlanceBackend",
                "GlanceStoreDescription",
                "GlanceMultistoreConfig",
                "CephExternalMultiConfig",
                "CephClientUserName",
            ] {
                s.claimed.insert(k.into());
            }
            if let Some((b, l)) = s.own_str("GlanceBackend").filter(|(b, _)| b != "swift") {
                self.report.add(
                    Section::Refused,
                    Item::opt(l, format!("{}: GlanceBackend `{b}`", s.name)).detail(
                        "in the glance-cache topology every Glance keeps images on central's swift",
                    ),
                );
            }
            return;
        }
        let mut out_of_band = None;
        let own_id = s.own_str("GlanceBackendID").or_else(|| {
            let (v, l) = self.out_of_band(&s.name, "glance_store", &["default_backend"])?;
            self.report.add(
                Section::Note,
                Item::at(l, format!("{}: store id `{v}` from an edit outside TripleO", s.name))
                    .detail("heat's GlanceBackendID is not set; the deployed glance-api.conf says `default_backend` is this"),
            );
            out_of_band = Some(l);
            Some((v, Some(l)))
        });
        // How central's multistore config names this edge's store, if it does.
        let central_name = if s.kind == SiteKind::Edge {
            self.central_entry_for(cluster)
        } else {
            None
        };
        let (id, id_loc) = match (&own_id, &central_name) {
            (Some((own, l)), Some((c, cl))) if own != c => {
                self.report.add(
                    Section::Problem,
                    Item::opt(*l, format!("{}: the store of cluster `{cluster}` is `{own}` here, `{c}` in central's GlanceMultistoreConfig", s.name))
                        .detail(format!("an image's locations carry the store id, shared through the one Glance database: the two Glances disagree on which store holds it. The spec uses central's `{c}`"))
                        .also(*cl),
                );
                (c.clone(), *cl)
            }
            (None, Some((c, cl))) => {
                self.report.add(
                    Section::Problem,
                    Item::at(s.loc, format!("{}: GlanceBackendID is not set, so this Glance calls its store `default_backend`; central's GlanceMultistoreConfig calls it `{c}`", s.name))
                        .detail(format!("image locations carry the store id: the two Glances disagree on which store holds an image. The spec uses `{c}` (what central calls it)"))
                        .also(*cl),
                );
                (c.clone(), *cl)
            }
            (Some((own, l)), _) => (own.clone(), *l),
            (None, None) => {
                if s.kind == SiteKind::Central {
                    self.report.add(
                        Section::Problem,
                        Item::at(s.loc, format!("{}: GlanceBackendID is not set: TripleO calls the store `default_backend`", s.name))
                            .detail("the spec keeps `default_backend` (changing the id of a store with images would orphan their locations); see DCN042 in the findings"),
                    );
                }
                ("default_backend".to_string(), Some(s.loc))
            }
        };
        self.store_id_on_purpose(s, &id, own_id.as_ref(), central_name.as_ref(), out_of_band);
        s.claimed.insert("GlanceBackendID".into());
        s.claimed.insert("GlanceBackend".into());
        if let Some(b) = s.own_str("GlanceBackend") {
            let wanted = if s.get("GlanceCacheEnabled").is_some()
                || (s.kind == SiteKind::Central && b.0 == "swift")
            {
                "swift"
            } else {
                "rbd"
            };
            if b.0 != wanted {
                self.report.add(
                    Section::Refused,
                    Item::opt(b.1, format!("{}: GlanceBackend `{}`", s.name, b.0))
                        .detail(format!("dcnc makes every site's Ceph cluster a Glance rbd store; this stack's Glance would be `{wanted}`")),
                );
            }
        }
        // The description: the store's own Glance's, else what central's multistore config says.
        let desc = s.own_str("GlanceStoreDescription").or_else(|| {
            let (key, loc) = central_name.as_ref()?;
            let v = self.central_desc(key)?;
            Some((v, *loc))
        });
        s.claimed.insert("GlanceStoreDescription".into());
        let mut store = MapBuilder::default();
        let id_default = cluster.to_string();
        if id != id_default {
            store.field("id", Doc::str(&id, id_loc));
        }
        match &desc {
            Some((d, l)) if *d != format!("{id} rbd glance store") => {
                store.field("description", Doc::str(d, *l));
            }
            Some(_) => {}
            None => {
                store.field(
                    "description",
                    Doc::str("Default glance store backend.", None),
                );
            }
        }
        if !store.is_empty() {
            f.field("store", store.build());
        }
        // The other stores of this Glance.
        s.claimed.insert("GlanceMultistoreConfig".into());
        s.claimed.insert("CephExternalMultiConfig".into());
        s.claimed.insert("CephClientUserName".into());
        if s.kind == SiteKind::Edge {
            let listed: Vec<(String, String, Option<Loc>)> = match s.get("GlanceMultistoreConfig") {
                Some(v) => match &v.value {
                    Json::Object(m) => m
                        .iter()
                        .map(|(k, e)| {
                            let c = e
                                .get("CephClusterName")
                                .and_then(Json::as_str)
                                .unwrap_or("ceph")
                                .to_string();
                            (k.clone(), c, loc_of(&v.origin))
                        })
                        .collect(),
                    _ => Vec::new(),
                },
                None => Vec::new(),
            };
            let c = central.first();
            let mut stores = Vec::new();
            for (key, clu, loc) in &listed {
                match c {
                    Some(cv) if *clu == cv.cluster => {
                        if *key != cv.store {
                            self.report.add(
                                Section::Problem,
                                Item::opt(*loc, format!("{}: calls central's store `{key}`; central's own Glance calls it `{}`", s.name, cv.store))
                                    .detail("an image's location names its store: this Glance cannot find the images central keeps. The spec uses central's id"),
                            );
                            self.report.on_purpose(OnPurpose {
                                stack: s.name.clone(),
                                param: "GlanceMultistoreConfig".into(),
                                change: Change::Key {
                                    from: key.clone(),
                                    to: cv.store.clone(),
                                },
                                why: format!(
                                    "this Glance calls central's store `{key}`, central's own Glance calls it `{}`: the Glances share one database, whose image locations carry the store id, so this one could not find central's images; dcnc gives a store one id, central's",
                                    cv.store
                                ),
                                code: id_code(key, &cv.store),
                                loc: *loc,
                            });
                        }
                        stores.push(cv.store.clone());
                    }
                    _ => {
                        self.report.add(
                            Section::Refused,
                            Item::opt(*loc, format!("{}: store `{key}` of cluster `{clu}`", s.name))
                                .detail("an edge may hold only its own and the central store in dcnc (another edge's store would ship that edge's key here)"),
                        );
                    }
                }
            }
            let default = if self.target.edges_get_central_store {
                c.map(|v| vec![v.store.clone()]).unwrap_or_default()
            } else {
                Vec::new()
            };
            if stores != default {
                f.field(
                    "stores",
                    Doc::Flow(stores.iter().map(|x| json!(x)).collect(), None),
                );
            }
        }
    }

    /// Records why the spec's store id `id` is not the GlanceBackendID heat gets in the original:
    /// two Glances disagree on the id of the store (`own` here, `central` in central's
    /// GlanceMultistoreConfig), or the original set it outside heat (`out_of_band`).
    fn store_id_on_purpose(
        &mut self,
        s: &Stack,
        id: &str,
        own: Option<&(String, Option<Loc>)>,
        central: Option<&(String, Option<Loc>)>,
        out_of_band: Option<Loc>,
    ) {
        let heat = s.get("GlanceBackendID").map(|x| x.value.clone());
        let heat_id = match &heat {
            Some(Json::String(v)) => v.clone(),
            Some(other) => other.to_string(),
            None => "default_backend".into(),
        };
        if heat_id == id {
            return;
        }
        let show = |l: Option<Loc>| l.map_or("not written".into(), |l| self.read.sources.show(l));
        let own_id = own.map_or("default_backend", |(o, _)| o.as_str());
        let (why, code, loc) = match central {
            Some((c, cl)) if own_id != c => (
                format!(
                    "the original's Glances call this store by two ids, `{own_id}` here and `{c}` in central's GlanceMultistoreConfig ({}): they share one database, whose image locations carry the store id, so each misreads the other's; dcnc gives a store one id, central's",
                    show(*cl)
                ),
                id_code(own_id, c),
                own.and_then(|(_, l)| *l).or(Some(s.loc)),
            ),
            _ => match out_of_band {
                Some(l) => (
                    format!(
                        "the original leaves heat's GlanceBackendID unset and sets the store id `{id}` outside heat ({}), which the next deploy undoes (THT's common/container-puppet.sh writes glance-api.conf afresh at every deploy); dcnc sets it in heat",
                        show(Some(l))
                    ),
                    Code::DiffersOnPurpose,
                    Some(l),
                ),
                None => return,
            },
        };
        self.report.on_purpose(OnPurpose {
            stack: s.name.clone(),
            param: "GlanceBackendID".into(),
            change: Change::Value {
                original: heat,
                dcnc: json!(id),
            },
            why,
            code,
            loc,
        });
    }

    /// The description central's GlanceMultistoreConfig gives store `key`.
    fn central_desc(&self, key: &str) -> Option<String> {
        for d in &self.read.deploys {
            let eff = self.read.effective(d, self.target.tht_version);
            let Some(v) = eff.get("GlanceMultistoreConfig") else {
                continue;
            };
            if let Some(t) = v
                .value
                .get(key)
                .and_then(|e| e.get("GlanceStoreDescription"))
                .and_then(Json::as_str)
            {
                return Some(t.to_string());
            }
        }
        None
    }

    /// The id central's GlanceMultistoreConfig gives the store of cluster `cluster`.
    fn central_entry_for(&self, cluster: &str) -> Option<(String, Option<Loc>)> {
        for d in &self.read.deploys {
            let eff = self.read.effective(d, self.target.tht_version);
            let Some(v) = eff.get("GlanceMultistoreConfig") else {
                continue;
            };
            let Json::Object(m) = &v.value else { continue };
            // only central's config names edge stores: skip a stack's own edge config
            if eff.get("CephClusterName").and_then(|c| c.value.as_str()) == Some(cluster) {
                continue;
            }
            for (k, e) in m {
                if e.get("CephClusterName").and_then(Json::as_str) == Some(cluster) {
                    return Some((k.clone(), loc_of(&v.origin)));
                }
            }
        }
        None
    }

    /// An edge's NTP servers: dcnc gives every edge central's.
    fn edge_ntp(&mut self, s: &mut Stack) {
        let Some(v) = s.get("NtpServer") else { return };
        let list = ntp_list(&v.value);
        if list != self.central_ntp {
            self.report.add(
                Section::Differs,
                Item::opt(
                    key_loc(&v.origin),
                    format!("{}: NtpServer is {}", s.name, v.value),
                )
                .detail("dcnc gives every edge central's NTP servers (`central.ntp`)"),
            );
        }
        s.claimed.insert("NtpServer".into());
    }

    fn ntp(&mut self, s: &mut Stack, f: &mut MapBuilder) {
        if let Some(v) = s.get("NtpServer") {
            let list = ntp_list(&v.value);
            self.central_ntp = list.clone();
            f.field("ntp", Doc::Flow(list, loc_of(&v.origin)));
        }
        s.claimed.insert("NtpServer".into());
    }

    /// Roles, counts, hints and flavors.
    fn roles(&mut self, s: &mut Stack, f: &mut MapBuilder) {
        if let RolesSource::Missing(l) = &s.roles_source {
            self.report.add(
                Section::Input,
                Item::at(*l, format!("{}: the roles file", s.name))
                    .detail("it is neither in the directory nor made by `openstack overcloud roles generate`: the roles come from the counts set"),
            );
        }
        if let RolesSource::Default = s.roles_source {
            self.report.add(
                Section::Note,
                Item::at(s.last.loc, format!("{}: no roles file (-r): TripleO's roles_data.yaml", s.name))
                    .detail("its roles are Controller, Compute, BlockStorage, ObjectStorage and CephStorage"),
            );
        }
        let flow = self.target.flow;
        let mut list = Vec::new();
        let mut names: Vec<RoleIn> = s.roles.clone();
        // a count of a role the file does not have: the role is still deployed by heat? no:
        // heat has no such parameter, so it does nothing.
        let counts: Vec<String> = s
            .eff
            .keys()
            .filter(|k| k.ends_with("Count"))
            .cloned()
            .collect();
        for k in counts {
            let role = k.trim_end_matches("Count");
            if names.iter().any(|r| r.name == role) {
                continue;
            }
            let setting = &s.eff[&k];
            if matches!(setting.origin, Origin::File { .. }) && self.target.role(role).is_some() {
                self.report.add(
                    Section::Dropped,
                    Item::opt(key_loc(&setting.origin), format!("{}: {k}: {}", s.name, setting.value))
                        .detail(format!("role {role} is not in the stack's roles file: heat has no such parameter, so it does nothing")),
                );
                s.claimed.insert(k.clone());
            }
        }
        if matches!(s.roles_source, RolesSource::Missing(_)) {
            names = Vec::new();
        }
        let baremetal = (self.read.baremetal_file(s.last))
            .and_then(|id| heat::read_baremetal(&self.read.sources, id).ok());
        if let RolesSource::File(id) = s.roles_source {
            self.report.add(
                Section::Differs,
                Item::at(s.last.roles_file.as_ref().map_or(s.loc, |r| r.loc), format!("{}: roles from {}", s.name, self.read.sources.path(id)))
                    .detail("dcnc makes a stack's roles file with `openstack overcloud roles generate` from THT's roles (central can keep a file of its own: `roles_file`); compare your file's services with THT's roles/ of the release"),
            );
        }
        for mut r in names {
            if r.base.is_none() && self.target.role(&r.name).is_none() {
                r.base = self.base_of(&s.name, &r);
            }
            let mut role = MapBuilder::default();
            role.field("name", Doc::str(&r.name, Some(r.loc)));
            if let Some(b) = &r.base {
                role.field("base", Doc::str(b, Some(r.loc)));
            }
            let count_key = format!("{}Count", r.name);
            let count = s
                .eff
                .get(&count_key)
                .map(|v| (heat_number(&v.value), loc_of(&v.origin)));
            let bm = baremetal
                .as_ref()
                .and_then(|b| b.iter().find(|x| x.name == r.name));
            let count = match (count, bm) {
                (_, Some(b)) if b.count.is_some() => {
                    b.count.map(|(n, l)| (Some(n as f64), Some(l)))
                }
                (c, _) => c,
            };
            match count {
                Some((Some(n), l)) => {
                    role.field("count", Doc::Value(json!(n as u64), l));
                }
                _ => {
                    let n = r.count_default.unwrap_or(0);
                    self.report.add(
                        Section::Note,
                        Item::at(r.loc, format!("{}: {count_key} is not set", s.name)).detail(
                            format!(
                                "the roles file's CountDefault ({n}) counts; the spec writes it"
                            ),
                        ),
                    );
                    role.field("count", Doc::Value(json!(n), Some(r.loc)));
                }
            }
            s.claimed.insert(count_key);
            // hint
            let hint_key = format!("{}SchedulerHints", r.name);
            let default_hint = format!("{}-{}-%index%", s.name, r.name.to_lowercase());
            // The original's own hints where it set them (a classic deploy), whatever the target's
            // flow: the provisioned flow turns them into the nodes' capabilities (baremetal.yaml).
            match (flow, s.eff.get(&hint_key)) {
                (_, Some(v)) if bm.is_none_or(|b| b.tags.is_empty()) => {
                    match v.value.get("capabilities:node").and_then(Json::as_str) {
                        Some(h) if v.value.as_object().is_some_and(|o| o.len() == 1) => {
                            if h != default_hint {
                                role.field("hint", Doc::str(h, loc_of(&v.origin)));
                            }
                        }
                        _ if v.value == json!({}) => {
                            role.field("hint", Doc::str("", loc_of(&v.origin)));
                        }
                        _ => {
                            self.report.add(
                            Section::Refused,
                            Item::opt(key_loc(&v.origin), format!("{}: {hint_key}: {}", s.name, v.value))
                                .detail("dcnc writes scheduler hints as {'capabilities:node': <hint>} only; the spec has no hint for this role: place its nodes by tag"),
                        );
                            role.field("hint", Doc::str("", None));
                        }
                    }
                }
                (DeployFlow::Classic, None) => {
                    role.field("hint", Doc::str("", None));
                }
                (DeployFlow::Provisioned, _) | (DeployFlow::Classic, Some(_)) => {
                    let tags = bm.map(|b| b.tags.clone()).unwrap_or_default();
                    match tags.first() {
                        Some((t, l)) => {
                            let hint = hint_of(t, &tags);
                            if hint != default_hint {
                                role.field("hint", Doc::str(hint, Some(*l)));
                            }
                        }
                        None => {
                            role.field("hint", Doc::str("", None));
                        }
                    }
                }
            }
            s.claimed.insert(hint_key);
            // flavor
            let flavor_key = format!("Overcloud{}Flavor", r.name);
            if let Some((fl, l)) = s.own_str(&flavor_key) {
                if fl != defaults::flavor() && flow == DeployFlow::Classic {
                    role.field("flavor", Doc::str(fl, l));
                }
            }
            s.claimed.insert(flavor_key);
            list.push(role.build());
        }
        if !list.is_empty() {
            f.field("roles", Doc::Seq(list));
        }
    }

    /// The THT role a role of one's own is a copy of: the longest THT role its name starts with
    /// (what `roles generate Base:Name` requires), checked against the services the roles file
    /// lists.
    fn base_of(&mut self, stack: &str, r: &RoleIn) -> Option<String> {
        let base = (self.target.roles.iter())
            .filter(|t| r.name.starts_with(t.name) && r.name != t.name)
            .max_by_key(|t| t.name.len());
        let Some(base) = base else {
            self.report.add(
                Section::Refused,
                Item::at(r.loc, format!("{stack}: role `{}`", r.name))
                    .detail(format!("its name starts with no role of target `{}`: dcnc builds roles from THT's (a copy must be named `<THT role><suffix>`); rename it, or see `dcnc explain DCN026`", self.target.id)),
            );
            return None;
        };
        if let Some(services) = &r.services {
            let runs = |x: &str| services.iter().any(|s| s == x);
            let differs: Vec<&str> = [
                ("GlanceApiEdge", base.edge_glance),
                ("CephOSD", base.ceph_osd),
                ("HAproxyEdge", base.edge_haproxy),
            ]
            .iter()
            .filter(|(svc, has)| runs(svc) != *has)
            .map(|(svc, _)| *svc)
            .collect();
            if !differs.is_empty() {
                self.report.add(
                    Section::Problem,
                    Item::at(
                        r.loc,
                        format!(
                            "{stack}: role `{}` differs from `{}` in {}",
                            r.name,
                            base.name,
                            differs.join(", ")
                        ),
                    )
                    .detail("dcnc would generate it from THT's role, with that role's services"),
                );
            }
        }
        self.report.add(
            Section::Note,
            Item::at(
                r.loc,
                format!(
                    "{stack}: role `{}` is taken as a copy of THT's `{}`",
                    r.name, base.name
                ),
            )
            .detail(format!(
                "dcnc generates it with `roles generate {}:{}`",
                base.name, r.name
            )),
        );
        Some(base.name.to_string())
    }

    /// The files a stack passes besides what dcnc writes: network data, environment files that
    /// are more than parameters, THT files the target does not add itself; and the pass-through
    /// parameters of the others.
    fn files(&mut self, s: &mut Stack, f: &mut MapBuilder) {
        if let Some(n) = &s.last.network_data {
            f.field("network_data", Doc::str(&n.abs, Some(n.loc)));
            if matches!(n.res, Res::Missing) {
                self.report.add(
                    Section::Note,
                    Item::at(
                        n.loc,
                        format!(
                            "{}: network data {} is not in the directory",
                            s.name, n.word.text
                        ),
                    ),
                );
            }
        }
        let target_envs: Vec<&str> = self.target.environments(s.kind, self.external);
        let stand_ins = [
            "environments/podman.yaml",
            "environments/docker.yaml",
            "environments/ceph-ansible/ceph-ansible.yaml",
            "environments/ceph-ansible/ceph-ansible-external.yaml",
            "environments/cephadm/cephadm.yaml",
            "environments/cephadm/cephadm-rbd-only.yaml",
            "environments/external-ceph.yaml",
            "environments/dcn.yaml",
            "environments/dcn-hci.yaml",
            "environments/dcn-storage.yaml",
        ];
        let mut keep: Vec<Doc> = Vec::new();
        let mut params = Vec::new();
        let mut kept_files: Vec<FileId> = Vec::new();
        for e in &s.last.envs {
            match &e.res {
                Res::Tht(rel) => {
                    if target_envs.contains(&rel.as_str()) {
                        continue;
                    }
                    if stand_ins.contains(&rel.as_str()) {
                        self.report.add(
                            Section::Differs,
                            Item::at(e.loc, format!("{}: -e {rel}", s.name)).detail(format!(
                                "dcnc passes target `{}`'s own: {}",
                                self.target.id,
                                target_envs.join(", ")
                            )),
                        );
                        continue;
                    }
                    keep.push(Doc::str(format!("{}/{rel}", s.last.tht_root), Some(e.loc)));
                }
                Res::Export { ceph, op, .. } => {
                    let what = if *ceph {
                        let stacks = (op.and_then(|op| self.read.export(op)))
                            .map(|x| x.stacks.join(","))
                            .unwrap_or_default();
                        format!("the `export ceph` of {stacks}")
                    } else {
                        "the `openstack overcloud export` of the control plane".to_string()
                    };
                    self.report.add(
                        Section::Mapped,
                        Item::at(e.loc, format!("{}: -e {}", s.name, e.word.text))
                            .detail(format!("{what}: dcnc's scripts make and pass it")),
                    );
                }
                Res::Provisioned => {
                    self.report.add(
                        Section::Mapped,
                        Item::at(e.loc, format!("{}: -e {}", s.name, e.word.text)).detail(
                            "made when the scripts run (node provision, ceph deploy, or a script's `>`): dcnc's scripts make their own",
                        ),
                    );
                }
                Res::Missing => {
                    self.report.add(
                        Section::Input,
                        Item::at(
                            e.loc,
                            format!("{}: -e {} is not in the directory", s.name, e.word.text),
                        )
                        .detail("kept as an environment file; import could not read what it sets"),
                    );
                    keep.push(Doc::str(&e.abs, Some(e.loc)));
                }
                Res::File(id) => {
                    let Some(env) = self.read.envs.get(id) else {
                        continue;
                    };
                    let only_multi = !env.params.is_empty()
                        && env
                            .params
                            .iter()
                            .all(|p| p.key == "CephExternalMultiConfig");
                    if only_multi {
                        self.report.add(
                            Section::Mapped,
                            Item::at(e.loc, format!("{}: -e {}", s.name, e.word.text))
                                .detail("CephExternalMultiConfig: dcnc's scripts make it with `openstack overcloud export ceph`"),
                        );
                        continue;
                    }
                    let more = !env.registry.is_empty()
                        || !env.merge.is_empty()
                        || !env.top_params.is_empty()
                        || !env.unknown_sections.is_empty();
                    if more {
                        let why = if !env.registry.is_empty() {
                            "resource_registry"
                        } else if !env.merge.is_empty() {
                            "parameter_merge_strategies"
                        } else if !env.top_params.is_empty() {
                            "parameters"
                        } else {
                            "a section heat does not know"
                        };
                        self.report.add(
                            Section::KeptFile,
                            Item::at(
                                e.loc,
                                format!("{}: {}", s.name, self.read.sources.path(*id)),
                            )
                            .detail(format!(
                                "holds {why}: passed as it is (`environment_files`)"
                            )),
                        );
                        for (name, l) in &env.unknown_sections {
                            self.report.add(
                                Section::Problem,
                                Item::at(*l, format!("{}: section `{name}` of an environment file", s.name))
                                    .detail("heat rejects an environment with a section it does not know (did you mean `parameter_defaults`?)"),
                            );
                        }
                        kept_files.push(*id);
                        keep.push(Doc::str(&e.abs, Some(e.loc)));
                    }
                }
            }
        }
        // Pass-through parameters: the effective ones written in a file of the directory that
        // is not kept whole, and not accounted for.
        let names: Vec<String> = s.eff.keys().cloned().collect();
        for k in names {
            let v = &s.eff[&k];
            let Origin::File { key, value } = v.origin else {
                continue;
            };
            if s.claimed.contains(&k) || kept_files.contains(&key.file) {
                continue;
            }
            // What dcnc writes into map parameters itself: owned hiera of ExtraConfig, owned
            // Glance policies; the rest of the map passes through.
            let mut value_json = v.value.clone();
            if let Some(m) = value_json.as_object_mut() {
                if k.ends_with("ExtraConfig") {
                    for (path, field) in crate::check::OWNED_HIERA {
                        if remove_path(m, path) {
                            self.report.add(
                                Section::Mapped,
                                Item::at(value, format!("{}: {k} {}", s.name, path.join(" / ")))
                                    .detail(format!("dcnc sets it from {field}")),
                            );
                        }
                    }
                }
                if k == "GlanceApiPolicies" {
                    m.retain(|_, e| {
                        let owned = e
                            .get("key")
                            .and_then(Json::as_str)
                            .is_some_and(|p| crate::check::OWNED_POLICIES.contains(&p));
                        !owned
                    });
                }
                if m.is_empty() && !v.value.as_object().is_some_and(|o| o.is_empty()) {
                    s.claimed.insert(k.clone());
                    continue;
                }
            }
            if let Some(reason) = secret_parameter(&k) {
                self.report.add(
                    Section::Secret,
                    Item::at(key, format!("{}: {k}", s.name)).detail(reason),
                );
                s.claimed.insert(k.clone());
                continue;
            }
            if let Some(why) = self.unmappable(&k) {
                self.report.add(
                    Section::Refused,
                    Item::at(key, format!("{}: {k}: {}", s.name, v.value)).detail(why),
                );
                s.claimed.insert(k.clone());
                continue;
            }
            self.report.add(
                Section::PassThrough,
                Item::at(key, format!("{}: {k}", s.name)),
            );
            params.push(Field {
                key: k.clone(),
                value: Doc::Raw(value_json, Some(value)),
                comment: None,
                key_origin: Some(key),
            });
            s.claimed.insert(k);
        }
        if !keep.is_empty() {
            f.field("environment_files", Doc::Seq(keep));
        }
        if !params.is_empty() {
            f.field("parameters", Doc::Map(params));
        }
    }

    /// Why an owned parameter that import did not map cannot be a pass-through one.
    fn unmappable(&self, key: &str) -> Option<String> {
        let field = crate::check::owned_parameter(key)?;
        Some(format!(
            "dcnc sets it from {field}, and import could not map this value"
        ))
    }

    /// Parameters nobody accounted for (only THT's remain): nothing to do, but a stack whose
    /// parameters come only from THT says so in the report.
    fn leftovers(&mut self, s: &Stack) {
        for (k, v) in &s.eff {
            if s.claimed.contains(k) {
                continue;
            }
            if let Origin::Cli(l) = v.origin {
                self.report.add(
                    Section::Refused,
                    Item::at(l, format!("{}: {k} from the command line", s.name))
                        .detail("dcnc's deploy.sh passes no such option"),
                );
            }
            if let Origin::Export(l) = v.origin {
                self.report.add(
                    Section::Mapped,
                    Item::at(l, format!("{}: {k} from an export", s.name))
                        .detail("dcnc's scripts make the exports"),
                );
            }
            let _ = &v.replaced;
        }
    }
}

/// Parameters two of the deployment's own files set differently: heat keeps the last `-e`
/// file's value (and a repeated key in one file: the last one).
fn conflicts(s: &Stack, report: &mut Report) {
    for (k, v) in &s.eff {
        let Origin::File { key: winner, .. } = v.origin else {
            continue;
        };
        for (o, old) in &v.replaced {
            let Origin::File { key: loser, .. } = o else {
                continue;
            };
            if *old == v.value {
                continue;
            }
            report.add(
                Section::Conflict,
                Item::at(winner, format!("{}: {k} = {}", s.name, v.value))
                    .detail(format!(
                        "wins over {old} set earlier: heat keeps the last -e file's value"
                    ))
                    .also(Some(*loser)),
            );
        }
    }
}

/// NTP servers as a list: heat's comma_delimited_list from a string or a list.
fn ntp_list(v: &Json) -> Vec<Json> {
    match v {
        Json::String(t) => t
            .split(',')
            .map(|x| json!(x.trim()))
            .filter(|x| x != "")
            .collect(),
        Json::Array(a) => a.clone(),
        _ => Vec::new(),
    }
}

/// THT roles that run CephMon (roles/*.yaml of 12.x-18.x), for roles whose file import has not.
const MON_ROLES: &[&str] = &[
    "Controller",
    "ControllerStorageDashboard",
    "ControllerStorageNfs",
    "CephAll",
    "DistributedComputeHCI",
    "DistributedComputeHCIDashboard",
    "HciCephAll",
    "HciCephMon",
    "Standalone",
];

/// The mons of a stack's own cluster from predictable IPs: the storage IPs (`<Role>IPs:
/// {storage: [...]}`) of its roles that run CephMon, which is what `openstack overcloud export
/// ceph` gives as `external_cluster_mon_ips`.
fn mon_ips(s: &Stack) -> Option<(Vec<String>, Loc)> {
    let mut list = Vec::new();
    let mut at = None;
    for r in &s.roles {
        let runs_mon = match &r.services {
            Some(svc) => svc.iter().any(|x| x == "CephMon"),
            None => MON_ROLES.contains(&r.base.as_deref().unwrap_or(&r.name)),
        };
        if !runs_mon {
            continue;
        }
        let Some(ips) = s.get(&format!("{}IPs", r.name)) else {
            continue;
        };
        let Some(storage) = ips.value.get("storage").and_then(Json::as_array) else {
            continue;
        };
        list.extend(storage.iter().filter_map(|v| v.as_str().map(String::from)));
        at = at.or(loc_of(&ips.origin));
    }
    Some((list, at?)).filter(|(l, _)| !l.is_empty())
}

/// The site name of an edge whose stack is named otherwise: dcnc sets CinderVolumeCluster to
/// the site name, so a volume cluster that is a site name of its own, and the site's zone, says it.
fn site_name(s: &Stack) -> Option<(String, Option<Loc>)> {
    let (v, l) = s.own_str("CinderVolumeCluster")?;
    let az = s.own_str("NovaComputeAvailabilityZone").map(|(z, _)| z);
    (v != s.name
        && az.as_deref() == Some(v.as_str())
        && crate::model::SiteName::parse(&v).is_some())
    .then_some((v, l))
}

/// A scheduler hint pattern from the tags of a role's nodes: `0-dcn-hci-0`, `0-dcn-hci-1` ->
/// `0-dcn-hci-%index%`.
fn hint_of(first: &str, tags: &[(String, Loc)]) -> String {
    let prefix = first.trim_end_matches(|c: char| c.is_ascii_digit());
    let numbered = tags
        .iter()
        .enumerate()
        .all(|(i, (t, _))| *t == format!("{prefix}{i}"));
    if numbered && prefix.len() < first.len() {
        format!("{prefix}%index%")
    } else {
        first.to_string()
    }
}

/// A parameter that holds a secret: it never goes into the spec.
fn secret_parameter(key: &str) -> Option<&'static str> {
    match key {
        "CephExtraKeys" => Some("holds cephx keys: dcnc never writes a key into the spec or the tree. dcnc's heat targets give central Glance the `openstack` user's key through `openstack overcloud export ceph`; create extra keys outside the deploy"),
        "CephClientKey" => Some("the key of an external cluster: dcnc reads it at deploy time from where `central.external.key` says (an environment variable or a file), never from the spec"),
        k if k.ends_with("Password") || k.ends_with("Secret") || k.ends_with("Key") && k.starts_with("Ceph") => {
            Some("looks like a secret: dcnc keeps secrets out of the spec; pass it in an environment file of your own (`environment_files`)")
        }
        _ => None,
    }
}

/// A heat boolean (`true`, `'yes'`, 1...).
pub fn heat_bool(v: &Json) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::String(s) => match s.trim().to_lowercase().as_str() {
            "1" | "t" | "true" | "on" | "y" | "yes" => Some(true),
            "0" | "f" | "false" | "off" | "n" | "no" => Some(false),
            _ => None,
        },
        Json::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

fn heat_number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Moves what every edge has alike (roles, parameters, network data, environment files) into
/// `edge_defaults`, when there are two edges or more.
fn factor_edge_defaults(edges: Vec<(String, Doc)>) -> (Vec<Field>, Vec<Doc>) {
    let maps: Vec<Vec<Field>> = edges
        .into_iter()
        .map(|(_, d)| match d {
            Doc::Map(f) => f,
            _ => Vec::new(),
        })
        .collect();
    if maps.len() < 2 {
        return (Vec::new(), maps.into_iter().map(Doc::Map).collect());
    }
    let value_of =
        |m: &Vec<Field>, k: &str| m.iter().find(|f| f.key == k).map(|f| strip_locs(&f.value));
    let mut defaults = Vec::new();
    let mut maps = maps;
    for key in [
        "roles",
        "osd_devices",
        "pool_default_size",
        "network_data",
        "environment_files",
    ] {
        let first = value_of(&maps[0], key);
        if first.is_some() && maps.iter().all(|m| value_of(m, key) == first) {
            let field = maps[0]
                .iter()
                .find(|f| f.key == key)
                .cloned()
                .expect("present");
            defaults.push(field);
            for m in &mut maps {
                m.retain(|f| f.key != key);
            }
        }
    }
    // parameters every edge has with the same value
    let params_of = |m: &Vec<Field>| -> Vec<Field> {
        match m.iter().find(|f| f.key == "parameters").map(|f| &f.value) {
            Some(Doc::Map(p)) => p.clone(),
            _ => Vec::new(),
        }
    };
    let first = params_of(&maps[0]);
    let common: Vec<Field> = first
        .into_iter()
        .filter(|p| {
            maps.iter().all(|m| {
                params_of(m)
                    .iter()
                    .any(|q| q.key == p.key && strip_locs(&q.value) == strip_locs(&p.value))
            })
        })
        .collect();
    if !common.is_empty() {
        let keys: BTreeSet<&str> = common.iter().map(|p| p.key.as_str()).collect();
        for m in &mut maps {
            for f in m.iter_mut() {
                if let (true, Doc::Map(p)) = (f.key == "parameters", &mut f.value) {
                    p.retain(|q| !keys.contains(q.key.as_str()));
                }
            }
            m.retain(|f| {
                !(f.key == "parameters" && matches!(&f.value, Doc::Map(p) if p.is_empty()))
            });
        }
        defaults.push(Field {
            key: "parameters".into(),
            value: Doc::Map(common),
            comment: None,
            key_origin: None,
        });
    }
    (defaults, maps.into_iter().map(Doc::Map).collect())
}

/// A node without its origins, to compare values.
fn strip_locs(d: &Doc) -> Doc {
    match d {
        Doc::Value(j, _) => Doc::Value(j.clone(), None),
        Doc::Flow(v, _) => Doc::Flow(v.clone(), None),
        Doc::Raw(j, _) => Doc::Raw(j.clone(), None),
        Doc::Map(f) => Doc::Map(
            f.iter()
                .map(|x| Field {
                    key: x.key.clone(),
                    value: strip_locs(&x.value),
                    comment: x.comment.clone(),
                    key_origin: None,
                })
                .collect(),
        ),
        Doc::Seq(items) => Doc::Seq(items.iter().map(strip_locs).collect()),
    }
}

/// Removes the key at `path` (nested maps) from `m`, and every map the removal leaves empty;
/// whether it was there.
fn remove_path(m: &mut serde_json::Map<String, Json>, path: &[&str]) -> bool {
    match path {
        [] => false,
        [k] => m.remove(*k).is_some(),
        [k, rest @ ..] => {
            let Some(inner) = m.get_mut(*k).and_then(Json::as_object_mut) else {
                return false;
            };
            let removed = remove_path(inner, rest);
            if removed && inner.is_empty() {
                m.remove(*k);
            }
            removed
        }
    }
}
