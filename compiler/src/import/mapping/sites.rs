//! One site of the spec: its name and stack, cluster, fsid and mons, zone (`az`), the Glance API
//! an edge's Nova asks, NTP; the central compute stack (`central.compute`); and `edge_defaults`,
//! what every edge has alike.

use std::collections::BTreeSet;

use serde_json::{json, Value as Json};

use super::{heat_bool, key_loc, loc_of, Mapper, SiteView, Stack};
use crate::import::report::{Item, Section};
use crate::import::source::Loc;
use crate::import::spec_out::{Doc, Field, MapBuilder};
use crate::kinds::SiteKind;

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

/// Moves what every edge has alike (roles, parameters, network data, environment files) into
/// `edge_defaults`, when there are two edges or more.
pub(super) fn factor_edge_defaults(edges: Vec<(String, Doc)>) -> (Vec<Field>, Vec<Doc>) {
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

/// A site's `name` and `stack` fields (an edge's name is its stack's unless the deployment names
/// the site otherwise; central has a stack only); the site name.
fn names(s: &Stack, f: &mut MapBuilder) -> String {
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
    site.map_or_else(|| s.name.clone(), |(n, _)| n)
}

impl Mapper<'_> {
    /// `central.compute`: a stack at the central site whose nodes use central's cluster.
    pub(super) fn compute(&mut self, s: &mut Stack) -> Doc {
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
    pub(super) fn site(&mut self, s: &mut Stack, central: &[SiteView]) -> Doc {
        let mut f = MapBuilder::default();
        let edge = s.kind == SiteKind::Edge;
        let site = names(s, &mut f);
        let cluster = self.cluster(s, &mut f, &site);
        self.fsid(s, &mut f, &cluster);
        self.mons(s, &mut f, &cluster);
        if edge {
            self.edge_glance_api(s, &mut f);
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

    /// `glance_api` of an edge, where the deployment names it; the target whose scripts need it
    /// reports it missing.
    fn edge_glance_api(&mut self, s: &Stack, f: &mut MapBuilder) {
        if let Some((api, l)) = self.glance_api(s) {
            f.field("glance_api", Doc::str(api, l));
        } else if !self.target.edge_services {
            self.report.add(
                Section::Input,
                Item::at(
                    s.loc,
                    format!("{}: the address of the site's Glance API", s.name),
                )
                .detail(format!(
                    "target {}'s configure.sh points Nova at it: add `glance_api`",
                    self.target.id
                )),
            );
        }
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
}
