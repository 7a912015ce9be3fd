//! A stack's roles: where they come from (a roles file, THT's default, the counts), each role's
//! count, scheduler hint and flavor, and the THT role a role of one's own is a copy of.

use serde_json::{json, Value as Json};

use super::{heat_number, key_loc, loc_of, Mapper, Stack};
use crate::import::deployment::{Origin, RoleIn, RolesSource};
use crate::import::heat::{self, BaremetalRole};
use crate::import::report::{Item, Section};
use crate::import::source::Loc;
use crate::import::spec_out::{Doc, MapBuilder};
use crate::spec::defaults;
use crate::target::DeployFlow;

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

impl Mapper<'_> {
    /// Roles, counts, hints and flavors.
    pub(super) fn roles(&mut self, s: &mut Stack, f: &mut MapBuilder) {
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
        let mut names: Vec<RoleIn> = s.roles.clone();
        self.dropped_counts(s, &names);
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
        let mut list = Vec::new();
        for r in names {
            list.push(self.role(s, r, baremetal.as_deref()));
        }
        if !list.is_empty() {
            f.field("roles", Doc::Seq(list));
        }
    }

    /// A count of a role the roles file does not have: heat has no such parameter, so it does
    /// nothing (reported dropped).
    fn dropped_counts(&mut self, s: &mut Stack, names: &[RoleIn]) {
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
    }

    /// One role: its name, base, count, hint and flavor.
    fn role(&mut self, s: &mut Stack, mut r: RoleIn, baremetal: Option<&[BaremetalRole]>) -> Doc {
        if r.base.is_none() && self.target.role(&r.name).is_none() {
            r.base = self.base_of(&s.name, &r);
        }
        let mut role = MapBuilder::default();
        role.field("name", Doc::str(&r.name, Some(r.loc)));
        if let Some(b) = &r.base {
            role.field("base", Doc::str(b, Some(r.loc)));
        }
        let bm = baremetal.and_then(|b| b.iter().find(|x| x.name == r.name));
        self.role_count(s, &r, bm, &mut role);
        self.role_hint(s, &r, bm, &mut role);
        // the nodes with a fixed ctlplane address (baremetal.yaml's instances)
        let nodes: Vec<Doc> = (bm.map_or(&[][..], |b| &b.nodes).iter())
            .map(|(host, ip, l)| {
                let mut n = MapBuilder::default();
                if let Some(h) = host {
                    n.field("hostname", Doc::str(h, Some(*l)));
                }
                n.field("ctlplane_ip", Doc::str(ip, Some(*l)));
                n.build()
            })
            .collect();
        if !nodes.is_empty() {
            role.field("nodes", Doc::Seq(nodes));
        }
        // flavor
        let flavor_key = format!("Overcloud{}Flavor", r.name);
        if let Some((fl, l)) = s.own_str(&flavor_key) {
            if fl != defaults::flavor() && self.target.flow == DeployFlow::Classic {
                role.field("flavor", Doc::str(fl, l));
            }
        }
        s.claimed.insert(flavor_key);
        role.build()
    }

    /// A role's `count`: its node file's, else its `<Role>Count`, else the roles file's
    /// CountDefault (reported).
    fn role_count(
        &mut self,
        s: &mut Stack,
        r: &RoleIn,
        bm: Option<&BaremetalRole>,
        role: &mut MapBuilder,
    ) {
        let count_key = format!("{}Count", r.name);
        let count = s
            .eff
            .get(&count_key)
            .map(|v| (heat_number(&v.value), loc_of(&v.origin)));
        let count = match (count, bm) {
            (_, Some(b)) if b.count.is_some() => b.count.map(|(n, l)| (Some(n as f64), Some(l))),
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
                    Item::at(r.loc, format!("{}: {count_key} is not set", s.name)).detail(format!(
                        "the roles file's CountDefault ({n}) counts; the spec writes it"
                    )),
                );
                role.field("count", Doc::Value(json!(n), Some(r.loc)));
            }
        }
        s.claimed.insert(count_key);
    }

    /// A role's `hint`: the original's own scheduler hint where it set one (a classic deploy),
    /// whatever the target's flow (the provisioned flow turns them into the nodes'
    /// capabilities, baremetal.yaml); else from its nodes' tags.
    fn role_hint(
        &mut self,
        s: &mut Stack,
        r: &RoleIn,
        bm: Option<&BaremetalRole>,
        role: &mut MapBuilder,
    ) {
        let flow = self.target.flow;
        let hint_key = format!("{}SchedulerHints", r.name);
        let default_hint = format!("{}-{}-%index%", s.name, r.name.to_lowercase());
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
}
