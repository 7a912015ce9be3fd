//! What a deployment becomes in a spec: which stack is central and which are edges, each
//! stack's cluster, fsid, mons, store, zone, roles and counts, the Glance settings, the key
//! handling and the target; every effective parameter either mapped to a spec field, kept as a
//! pass-through `parameters:` entry, kept with its environment file, or reported (dropped when it
//! does nothing, refused when the spec cannot hold it). Nothing is left out silently.
//!
//! This file owns the walk (`map`: the stacks in order, then `glance:`, `ceph:`, `central:`, the
//! edges, what is left) and what every concern shares (`Stack`, `Mapper`, `loc_of`, heat's
//! booleans and numbers). One file per concern, each a part of `impl Mapper`: `stacks.rs` (the
//! target, which stack is central, the order, conflicting files), `glance.rs` (`glance:` and the
//! edge image cache), `ceph.rs` (clusters, fsids, mons, OSDs, the Ceph client confs, the
//! external key), `sites.rs` (a site's names and zone, its Glance API and NTP, the central
//! compute stack, `edge_defaults`), `stores.rs` (store ids, descriptions, the stores an edge
//! Glance has), `roles.rs` (roles, counts, hints, flavors), `networks.rs` (a stack's
//! `networks` and `network_config_template`: its roles file's subnets, its nodes' ports),
//! `containers.rs` (`container_images`: a ContainerImagePrepare file, or dcnc's `prepare`),
//! `files.rs` (environment files,
//! pass-through parameters, secrets, edits outside TripleO, what is left).

mod ceph;
mod containers;
mod files;
mod glance;
mod networks;
mod roles;
mod sites;
mod stacks;
mod stores;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::deployment::{Origin, Read, RoleIn, RolesSource, Setting, StackDeploy};
use super::report::{Item, Report, Section};
use super::source::Loc;
use super::spec_out::{Doc, Field, MapBuilder};
use crate::kinds::{SiteKind, TargetName};
use crate::target::Target;
use sites::factor_edge_defaults;
use stacks::{central_stack, conflicts, infer_target, natural};

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

/// Maps the deployment. Every parameter ends in the spec or in the report.
pub fn map(read: &Read, target: Option<TargetName>, report: &mut Report) -> Result<Mapped, String> {
    let target = infer_target(read, target, report);
    let names = read.stacks();
    let Some(central_name) = central_stack(read, &names) else {
        return Err("no stack runs the control plane (no role named Controller..., and no `openstack overcloud export` of a stack the others read)".into());
    };
    let mut stacks = stacks_of(read, &names, &central_name, target, report);
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
    m.container_images(&mut stacks, &mut top);
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
    let central_view = m.central(central, rest, &mut top);
    m.edges(rest, &central_view, &mut top);
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

/// Every stack with the parameters of its last deploy (reported with its deploys), its
/// conflicting files reported; central first, then the edges in natural order.
fn stacks_of<'a>(
    read: &'a Read,
    names: &'a [String],
    central_name: &str,
    target: &Target,
    report: &mut Report,
) -> Vec<Stack<'a>> {
    let mut stacks: Vec<Stack> = Vec::new();
    for n in names {
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
    stacks
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
    /// `central:`: the central stack's site, the key of its external cluster and the compute
    /// stack on that cluster; central's view, which the edges' settings refer to.
    fn central(
        &mut self,
        central: &mut Stack,
        rest: &mut [Stack],
        top: &mut MapBuilder,
    ) -> SiteView {
        let mut central_doc = self.site(central, &[]);
        let central_view = SiteView::of(central);
        if let Doc::Map(fields) = &mut central_doc {
            if self.external {
                fields.push(self.external_key(central));
            }
            fields.extend(self.central_compute(rest));
        }
        top.commented(
            "central",
            central_doc,
            format!(
                "Stack {}: the control plane and Ceph cluster `{}`.",
                central.name, central_view.cluster
            ),
        );
        central_view
    }

    /// `central.compute`: the compute stack on central's cluster (dcnc has one; a second is
    /// refused).
    fn central_compute(&mut self, rest: &mut [Stack]) -> Option<Field> {
        let computes: Vec<&mut Stack> = rest
            .iter_mut()
            .filter(|s| s.kind == SiteKind::Compute)
            .collect();
        if computes.len() > 1 {
            self.report.add(
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
        let c = computes.into_iter().next()?;
        let doc = self.compute(c);
        Some(Field {
            key: "compute".into(),
            value: doc,
            comment: Some(format!(
                "Stack {}: compute at the central site, on its cluster.",
                c.name
            )),
            key_origin: None,
        })
    }

    /// `edges:`, each edge given central's view, and `edge_defaults`, what they have alike.
    fn edges(&mut self, rest: &mut [Stack], central: &SiteView, top: &mut MapBuilder) {
        let mut edges = Vec::new();
        for e in rest.iter_mut().filter(|s| s.kind == SiteKind::Edge) {
            edges.push((e.name.clone(), self.site(e, std::slice::from_ref(central))));
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
