//! Rules between sites: names that must be unique, mons no two sites share, clusters named after
//! another site's stack; and which stores each site's Glance uses. Owns DCN012 (duplicate),
//! DCN015 (shared cluster), DCN011 (cluster is a stack), DCN016 (unknown store) and DCN021
//! (an edge would receive another edge's key).

use std::collections::{HashMap, HashSet};

use super::{Checker, SiteSpans};
use crate::diag::{did_you_mean, Code, Span};
use crate::model::*;
use crate::spec::Spec;
use crate::target::Target;

/// Names that must be unique across sites, and clusters that must differ from every stack.
pub(super) fn check_across_sites(c: &mut Checker, sites: &[Site], spans: &[SiteSpans]) {
    check_unique_names(c, sites, spans);
    check_shared_mons(c, sites, spans);
    check_cluster_vs_stack(c, sites, spans);
}

fn check_unique_names(c: &mut Checker, sites: &[Site], spans: &[SiteSpans]) {
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
}

/// Two mons are the same when their IPs match and their ports match or one has none.
///
/// Per IP, the first two sites that own it (with any port, with no port, with each port) are
/// enough to find another site's clash, so a site listing one mon 100,000 times stays linear.
fn check_shared_mons(c: &mut Checker, sites: &[Site], spans: &[SiteSpans]) {
    #[derive(Default)]
    struct Owners {
        any: Vec<usize>,
        portless: Vec<usize>,
        by_port: HashMap<u16, Vec<usize>>,
    }
    fn add(v: &mut Vec<usize>, i: usize) {
        if v.len() < 2 && !v.contains(&i) {
            v.push(i);
        }
    }
    fn other(v: &[usize], i: usize) -> Option<usize> {
        v.iter().copied().find(|&j| j != i)
    }
    let mut owners: HashMap<std::net::IpAddr, Owners> = HashMap::new();
    for (i, (s, sp)) in sites.iter().zip(spans).enumerate() {
        for (m, span) in s.mons.iter().zip(&sp.mons) {
            let o = owners.entry(m.ip).or_default();
            let clash = match m.port {
                None => other(&o.any, i),
                Some(p) => {
                    let same = o.by_port.get(&p).and_then(|v| other(v, i));
                    match (same, other(&o.portless, i)) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    }
                }
            };
            if let Some(j) = clash {
                let msg = format!(
                    "mon `{m}` of site `{}` is also a mon of site `{}`",
                    s.name, sites[j].name
                );
                c.error(Code::SharedCluster, *span, msg).help = Some(
                    "each site has its own ceph cluster; a shared mon address is a copy-paste mistake".into(),
                );
            } else {
                add(&mut o.any, i);
                match m.port {
                    None => add(&mut o.portless, i),
                    Some(p) => add(o.by_port.entry(p).or_default(), i),
                }
            }
        }
    }
}

/// A site's cluster may share its own stack's name (the seed's `dcn0`), never another site's.
fn check_cluster_vs_stack(c: &mut Checker, sites: &[Site], spans: &[SiteSpans]) {
    let stack_owner: HashMap<&str, &str> = sites
        .iter()
        .map(|s| (s.stack.as_str(), s.name.as_str()))
        .collect();
    for (s, sp) in sites.iter().zip(spans) {
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
pub(super) fn resolve_stores(c: &mut Checker, spec: &Spec, target: &Target, sites: &mut [Site]) {
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
