//! The Ceph cluster each site deploys: the disks its OSDs use, and enough OSD hosts for the pool
//! size. Owns DCN060 (too few OSD hosts), DCN061 (OSD devices, and `CephAnsibleDisksConfig`
//! passed as a parameter) and DCN003 (wrong type) for `pool_default_size`.
//!
//! Ceph keeps each copy of an object on another host (the default CRUSH rule's failure domain):
//! with fewer OSD hosts than the pool size, placement groups stay undersized and inactive and
//! every write blocks, so an image copy, a boot or a volume hangs instead of failing.

use std::collections::HashMap;

use super::Checker;
use crate::diag::name_list;
use crate::diag::{Code, Span};
use crate::model::{DevicePath, Site, SiteKind};
use crate::spec::{self, Located, Spec};
use crate::target::{CephTool, Target};

/// Ceph's default `osd_pool_default_size`.
const CEPH_POOL_SIZE: u32 = 3;

type Devices = Located<Vec<Located<String>>>;

/// A `pool_default_size`: a replica count Ceph takes (1 to 10).
fn check_pool_size(c: &mut Checker, size: Option<&Located<u32>>) -> Option<u32> {
    let size = size?;
    if !(1..=10).contains(&size.value) {
        c.error(
            Code::WrongType,
            size.span,
            format!("`pool_default_size` {} is not a replica count", size.value),
        )
        .help = Some("give the number of copies Ceph keeps, 1 to 10 (Ceph's default is 3)".into());
        return None;
    }
    Some(size.value)
}

/// The OSD disks a site names (its own, else the defaults in order), validated.
fn check_devices(c: &mut Checker, list: Option<&Devices>) -> Vec<DevicePath> {
    let Some(list) = list else {
        return Vec::new();
    };
    if list.value.is_empty() {
        c.error(Code::OsdDevices, list.span, "`osd_devices` names no disk".into())
            .help = Some("name the data disks of the OSD nodes, e.g. `[/dev/sdb]`, or remove `osd_devices` for the target's default".into());
    }
    let mut out: Vec<DevicePath> = Vec::new();
    for d in &list.value {
        match DevicePath::parse(&d.value) {
            Some(p) if out.contains(&p) => {
                c.error(
                    Code::OsdDevices,
                    d.span,
                    format!("disk `{}` is listed twice", d.value),
                );
            }
            Some(p) => out.push(p),
            None => {
                c.error(
                    Code::OsdDevices,
                    d.span,
                    format!("`{}` is not a device path", d.value),
                )
                .help = Some(format!("an OSD disk is {}", DevicePath::RULE));
            }
        }
    }
    out
}

/// The roles list that gives `site` its roles, as written (none: the default roles); `edge` is
/// the site's entry in `edges` when it is an edge.
fn role_list<'a>(
    spec: &'a Spec,
    site: &Site,
    edge: Option<&'a spec::Edge>,
) -> Option<&'a [spec::Role]> {
    match site.kind {
        SiteKind::Central => spec.central.roles.as_deref(),
        SiteKind::Edge => edge
            .and_then(|e| e.roles.as_deref())
            .or(spec.edge_defaults.roles.as_deref()),
        SiteKind::Compute => None,
    }
}

/// Each edge's entry in the spec by its name (the first, if a name is given twice: that is an
/// error of its own), so that a site finds its entry without a scan of every edge.
fn edge_entries(spec: &Spec) -> HashMap<&str, &spec::Edge> {
    let mut by_name = HashMap::with_capacity(spec.edges.len());
    for e in &spec.edges {
        by_name.entry(e.name.value.as_str()).or_insert(e);
    }
    by_name
}

/// A site's own setting, else the edges' default (edges only), else the deployment's.
fn resolve<'a, T>(
    own: Option<&'a T>,
    edge_default: Option<&'a T>,
    kind: SiteKind,
    global: Option<&'a T>,
) -> (Option<&'a T>, bool) {
    let site = own.or(if kind == SiteKind::Edge {
        edge_default
    } else {
        None
    });
    (site.or(global), site.is_some())
}

/// Sets each site's OSD disks and pool size from the spec, and checks that every cluster TripleO
/// deploys has as many OSD hosts as its pool size and disks its OSDs can use.
pub(super) fn check_ceph(c: &mut Checker, spec: &Spec, target: &Target, sites: &mut [Site]) {
    let external = spec.central.external.is_some();
    let mut without_disks: Vec<(String, Option<Span>)> = Vec::new();
    let edges = edge_entries(spec);
    for site in sites.iter_mut() {
        let edge = match site.kind {
            SiteKind::Edge => edges.get(site.name.as_str()).copied(),
            _ => None,
        };
        let own = match site.kind {
            SiteKind::Central => !external,
            SiteKind::Edge => true,
            SiteKind::Compute => false,
        };
        let (own_devices, own_size) = match site.kind {
            SiteKind::Central => (
                spec.central.osd_devices.as_ref(),
                spec.central.pool_default_size.as_ref(),
            ),
            _ => match edge {
                Some(e) => (e.osd_devices.as_ref(), e.pool_default_size.as_ref()),
                None => (None, None),
            },
        };
        let d = &spec.edge_defaults;
        let (devices, devices_by_site) = resolve(
            own_devices,
            d.osd_devices.as_ref(),
            site.kind,
            spec.ceph.osd_devices.as_ref(),
        );
        let (size, size_by_site) = resolve(
            own_size,
            d.pool_default_size.as_ref(),
            site.kind,
            spec.ceph.pool_default_size.as_ref(),
        );
        site.osd_devices = check_devices(c, devices);
        site.pool_size = check_pool_size(c, size);
        if !own {
            for (span, set, what) in [
                (devices.map(|l| l.span), devices_by_site, "osd_devices"),
                (size.map(|l| l.span), size_by_site, "pool_default_size"),
            ] {
                if set {
                    c.warning(Code::OsdDevices, span, format!("`{what}` of `{}` does nothing: its cluster is deployed outside TripleO", site.name))
                        .help = Some("remove it; the external cluster's own tooling places its OSDs and pools".into());
                }
            }
            site.osd_devices.clear();
            site.pool_size = None;
            continue;
        }
        let hosts = site.osd_hosts(target);
        if size.is_none_or(|_| site.pool_size.is_some()) {
            check_hosts(c, spec, target, (site, edge), hosts, size.map(|l| l.span));
        }
        let disks_config = site.parameters.contains_key("CephAnsibleDisksConfig");
        if disks_config && !site.osd_devices.is_empty() {
            let span = devices.map(|l| l.span);
            c.error(Code::OsdDevices, span, format!("`{}` gets its OSD disks from both `osd_devices` and a `CephAnsibleDisksConfig` parameter", site.name))
                .help = Some("keep one: `osd_devices` for plain disks, `CephAnsibleDisksConfig` (parameters) for lvm_volumes or other ceph-ansible settings".into());
        }
        // A list that names no valid disk is already an error at the list.
        if hosts > 0 && devices.is_none() && !disks_config {
            let at = match site.kind {
                SiteKind::Central => spec.central.stack.as_ref().map(|s| s.span),
                _ => edge.map(|e| e.name.span),
            };
            without_disks.push((site.name.to_string(), at.or(Some(spec.central.fsid.span))));
        }
    }
    if !without_disks.is_empty() && target.ceph_tool == CephTool::CephAnsible {
        no_disks(c, target, &without_disks);
    }
}

/// DCN060: a site's cluster has fewer OSD hosts than copies to keep.
fn check_hosts(
    c: &mut Checker,
    spec: &Spec,
    target: &Target,
    (site, edge): (&Site, Option<&spec::Edge>),
    hosts: u32,
    size_span: Option<Span>,
) {
    let pool_size = site.pool_size;
    let size = pool_size.unwrap_or(CEPH_POOL_SIZE);
    if hosts >= size {
        return;
    }
    let listed = role_list(spec, site, edge);
    // A role the target does not know is already an error (DCN026); its nodes are not counted.
    if listed.is_some_and(|l| l.iter().any(|r| target.role(r.tht_role()).is_none())) {
        return;
    }
    let is_osd = |r: &&spec::Role| target.role(r.tht_role()).is_some_and(|i| i.ceph_osd);
    let span: Option<Span> = listed
        .and_then(|l| l.iter().find(is_osd).or(l.first()))
        .map(|r| r.name.span)
        .or_else(|| edge.map(|e| e.name.span));
    let osd_roles: Vec<String> = (site.roles.iter())
        .filter(|r| target.role(r.tht_role()).is_some_and(|i| i.ceph_osd))
        .map(|r| format!("{}: {}", r.name, r.count))
        .collect();
    let kind = match site.kind {
        SiteKind::Central => "central",
        _ => "edge",
    };
    let whose = match size_span {
        Some(at) => format!("its pool size {size} (line {})", at.line),
        None => format!("Ceph's default pool size {size}"),
    };
    let msg = if osd_roles.is_empty() {
        format!(
            "{kind} `{}` deploys Ceph cluster `{}` but no node of it runs Ceph OSDs",
            site.name, site.cluster
        )
    } else {
        format!(
            "{kind} `{}` has {hosts} Ceph OSD host{} ({}), fewer than {whose}",
            site.name,
            if hosts == 1 { "" } else { "s" },
            osd_roles.join(", ")
        )
    };
    let lab = if pool_size.is_none() || size > 1 {
        format!(", or, for a lab, set `pool_default_size: {}` (`ceph.`, `edge_defaults.` or the site's; {})", hosts.max(1), if hosts <= 1 { "one copy: no redundancy" } else { "fewer copies, less redundancy" })
    } else {
        String::new()
    };
    let osd_capable: Vec<&str> = (target.roles.iter())
        .filter(|r| {
            r.ceph_osd
                && if site.kind == SiteKind::Central {
                    r.central
                } else {
                    r.edge
                }
        })
        .map(|r| r.name)
        .collect();
    c.error(Code::TooFewOsdHosts, span, msg).help = Some(format!(
        "Ceph keeps each of the {size} copies on another host: with fewer, its placement groups never become active and every image copy, boot and volume write at `{}` hangs. Give its OSD roles ({}) at least {size} nodes{lab}",
        site.name,
        osd_capable.join(", ")
    ));
}

/// DCN061: ceph-ansible sites that name no disks get THT's default `CephAnsibleDisksConfig`.
/// One diagnostic for all of them, at the first one's name.
fn no_disks(c: &mut Checker, target: &Target, sites: &[(String, Option<Span>)]) {
    let span = sites[0].1;
    let list = name_list(
        &sites
            .iter()
            .map(|(s, _)| format!("`{s}`"))
            .collect::<Vec<_>>(),
    );
    let fix = "name the data disks of the OSD nodes: `ceph.osd_devices: [/dev/sdb]` for every site, or `osd_devices` of a site";
    let (run, name) = if sites.len() == 1 {
        ("runs", "names")
    } else {
        ("run", "name")
    };
    match target.ceph_ansible_default_devices {
        [] => {
            c.error(Code::OsdDevices, span, format!("{list} {run} Ceph OSDs but {name} no OSD disk: ceph-ansible of tripleo-heat-templates {} gets `devices: []` and makes no OSD", target.tht_version))
                .help = Some(format!("{fix}; a cluster without OSDs stores nothing, and every write hangs"));
        }
        default => {
            c.warning(Code::OsdDevices, span, format!("{list} {name} no OSD disk: ceph-ansible of tripleo-heat-templates {} uses {} on every OSD node", target.tht_version, default.join(", ")))
                .help = Some(format!("{fix}, so the tree says which disks Ceph takes"));
        }
    }
}

/// A `CephAnsibleDisksConfig` passed as a parameter, as ceph-ansible's own checks read it
/// (roles/ceph-validate/tasks/main.yml): `osd_objectstore` is bluestore or filestore, and the
/// OSDs come from `devices`, `lvm_volumes` or `osd_auto_discovery`. heat takes any JSON map, and
/// `devices: []` passes ceph-ansible's check yet makes no OSD. Returns whether it fits.
pub(super) fn check_disks_config(c: &mut Checker, v: &Located<serde_json::Value>) -> bool {
    let serde_json::Value::Object(m) = &v.value else {
        c.error(
            Code::OsdDevices,
            v.span,
            "`CephAnsibleDisksConfig` is not a map".into(),
        )
        .help = Some("e.g. `{devices: [/dev/sdb], osd_scenario: lvm, osd_objectstore: bluestore}`; or use `osd_devices`".into());
        return false;
    };
    let mut ok = true;
    if let Some(store) = m.get("osd_objectstore") {
        if !matches!(store.as_str(), Some("bluestore" | "filestore")) {
            c.error(Code::OsdDevices, v.span, format!("`CephAnsibleDisksConfig`: osd_objectstore {store} is neither bluestore nor filestore"));
            ok = false;
        }
    }
    let non_empty = |k: &str| {
        m.get(k)
            .and_then(|x| x.as_array())
            .is_some_and(|a| !a.is_empty())
    };
    let auto = m.get("osd_auto_discovery") == Some(&serde_json::Value::Bool(true));
    if !(non_empty("devices") || non_empty("lvm_volumes") || auto) {
        c.error(Code::OsdDevices, v.span, "`CephAnsibleDisksConfig` gives ceph-ansible no OSD: no `devices`, `lvm_volumes` or `osd_auto_discovery: true`".into())
            .help = Some("name the disks (`devices: [/dev/sdb]`, or `osd_devices` in the spec instead of the parameter)".into());
        ok = false;
    }
    ok
}
