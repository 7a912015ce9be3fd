//! A stack's `networks` (THT network name -> the subnet of this site) and its
//! `network_config_template`, from where a deploy says them: the subnets of its roles file (a
//! `sed` of the file `roles generate` made, as dcnc's deploy.sh writes it, or a roles file of the
//! directory with `InternalApi: {subnet: internal_api_leaf1}`, as upstream's spine-leaf roles
//! have it), and the ports and `network_config` of its baremetal deployment file
//! (`defaults.networks`, an instance's own `networks`). What the spec cannot hold (a network on
//! two subnets in one stack, instances of one role on different networks, per-role templates, a
//! default route of a role's own) is reported, and so is what dcnc writes differently: a role's
//! default route where the baremetal file leaves tripleo-ansible's, a hand-written roles file's
//! networks and `default_route_networks` where they are not THT's role's (dcnc generates the
//! role from THT's), `node provision` without `--network-config`.

use std::collections::BTreeMap;

use super::{Mapper, Stack};
use crate::import::deployment::{Res, RoleIn, RolesSource};
use crate::import::heat::{self, BaremetalRole, PortNet};
use crate::import::report::{Item, Section};
use crate::import::source::Loc;
use crate::import::spec_out::{Doc, MapBuilder};
use crate::import::tripleo::Op;
use crate::spec::defaults;
use crate::target::{name_lower, RoleInfo};

/// tripleo-ansible's own template when a baremetal file names none (6.0.0
/// tripleo_generate_inventory_network_config.py:67-71): the ctlplane only.
const TRIPLEO_ANSIBLE_TEMPLATE: &str = "templates/net_config_bridge.j2";

/// A network's subnet as one place of the deployment gives it.
type Subnets = BTreeMap<String, (String, Option<Loc>)>;

impl Mapper<'_> {
    /// `networks` and `network_config_template` of a stack (only with `network_data`, as the spec
    /// has them; without, what the deployment says of them is reported).
    pub(super) fn networks(&mut self, s: &Stack, f: &mut MapBuilder) {
        // Every THT network a role of the stack is on (THT roles/<Role>.yaml), in role order.
        let mut role_nets: Vec<&'static str> = Vec::new();
        for r in &s.roles {
            for n in self.tht_role(r).map_or(&[][..], |i| i.networks) {
                if !role_nets.contains(n) {
                    role_nets.push(n);
                }
            }
        }
        let subnets = self.roles_file_subnets(s);
        let baremetal = (self.read.baremetal_file(s.last))
            .and_then(|id| heat::read_baremetal(&self.read.sources, id).ok())
            .unwrap_or_default();
        let ports = self.ports(s, &baremetal, &role_nets);
        let template = self.template(s, &baremetal);
        if s.last.network_data.is_none() {
            let at = (subnets.values().find_map(|(_, l)| *l)).or(ports
                .as_ref()
                .and_then(|p| p.values().find_map(|(_, l)| *l)));
            if let Some(at) = at {
                self.report.add(
                    Section::Refused,
                    Item::at(at, format!("{}: subnets and ports without network data (-n)", s.name))
                        .detail("the spec's `networks` hold only with `network_data`: pass the network data file the deploy needs for them"),
                );
            }
            return;
        }
        self.roles_file_networks(s);
        let chosen: Subnets = match &ports {
            Some(p) => {
                for (net, (sub, l)) in &subnets {
                    if p.get(net).is_some_and(|(ps, _)| ps != sub) {
                        self.report.add(
                            Section::Problem,
                            Item::opt(*l, format!("{}: the roles file puts {net} on subnet {sub}, the nodes' ports on {}", s.name, p[net].0))
                                .detail("heat reads a role's subnet from the roles file, node provision makes the ports on the baremetal file's; the spec has one subnet per network, the ports' (dcnc writes both)"),
                        );
                    }
                }
                p.clone()
            }
            None => (role_nets.iter())
                .map(|n| {
                    let v = (subnets.get(*n).cloned())
                        .unwrap_or_else(|| (format!("{}_subnet", name_lower(n)), None));
                    (n.to_string(), v)
                })
                .collect(),
        };
        let default: Vec<(String, String)> = (role_nets.iter())
            .map(|n| (n.to_string(), format!("{}_subnet", name_lower(n))))
            .collect();
        let mut default = default;
        default.sort();
        let same: Vec<(String, String)> = (chosen.iter())
            .map(|(n, (sub, _))| (n.clone(), sub.clone()))
            .collect();
        if same != default {
            let mut m = MapBuilder::default();
            for (n, (sub, l)) in &chosen {
                m.field(n, Doc::str(sub, *l));
            }
            f.field("networks", m.build());
        }
        let with_ports = ports.as_ref().is_some_and(|p| !p.is_empty());
        self.default_routes(s, &baremetal, &chosen);
        if with_ports && self.target.client.is_some_and(|c| c.network_commands) {
            self.network_config_flag(s, template.as_ref());
        }
        match template {
            Some((t, l)) if t != defaults::network_config_template() => {
                f.field("network_config_template", Doc::str(t, Some(l)));
            }
            None if with_ports => {
                self.report.add(
                    Section::Note,
                    Item::at(s.loc, format!("{}: the baremetal file names no network_config template", s.name))
                        .detail(format!("tripleo-ansible then applies {TRIPLEO_ANSIBLE_TEMPLATE} (the ctlplane only, 6.0.0 tripleo_generate_inventory_network_config.py:67-71); the spec keeps it")),
                );
                f.field(
                    "network_config_template",
                    Doc::str(TRIPLEO_ANSIBLE_TEMPLATE, None),
                );
            }
            _ => {}
        }
        if ports.is_none() && self.target.client.is_some_and(|c| c.network_commands) {
            if let Some(id) = self.read.baremetal_file(s.last) {
                self.report.add(
                    Section::Differs,
                    Item::at(s.loc, format!("{}: the nodes of {} have no ports but ctlplane", s.name, self.read.sources.path(id)))
                        .detail("a role network without a port falls back to THT's noop.yaml, the ctlplane address (THT 14.3.0 overcloud-resource-registry-puppet.j2.yaml:21): dcnc's baremetal.yaml gives every node a port on each network of its role"),
                );
            }
        }
    }

    /// The subnets the stack's roles file gives its networks: `sed` edits of the file (dcnc's
    /// deploy.sh, after `roles generate`), or a roles file of the directory that names them.
    /// A network on two subnets (two roles, in one stack) is reported; the first counts.
    fn roles_file_subnets(&mut self, s: &Stack) -> Subnets {
        let mut out = Subnets::new();
        if let RolesSource::File(_) = s.roles_source {
            for r in &s.roles {
                for n in r.networks.iter().flatten() {
                    let Some(sub) = &n.subnet else { continue };
                    self.put(s, &mut out, &n.name, sub, Some(n.loc));
                }
            }
        }
        let Some(rf) = &s.last.roles_file else {
            return out;
        };
        for (file, op) in &self.read.ops {
            let Op::SubnetEdit(e) = op else { continue };
            if self.read.abs_of(*file, &e.file) != rf.abs {
                continue;
            }
            // sed changes the line after `    <Network>:`, which only a role on it has
            let on = |r: &RoleIn| match (&s.roles_source, &r.networks) {
                (RolesSource::File(_), nets) => nets.iter().flatten().any(|n| n.name == e.network),
                _ => (self.tht_role(r)).is_some_and(|i| i.networks.contains(&e.network.as_str())),
            };
            if !s.roles.iter().any(on) {
                let file = match &rf.res {
                    Res::File(id) => self.read.sources.path(*id).to_string(),
                    _ => rf.abs.clone(),
                };
                self.report.add(
                    Section::Dropped,
                    Item::at(e.loc, format!("{}: the subnet {} of {} in {file}", s.name, e.subnet, e.network))
                        .detail(format!("no role of the roles file is on {} (THT's roles/ of the release, or the file's own `networks`), so the sed edits nothing", e.network)),
                );
                continue;
            }
            // the last edit wins, as sed runs them
            out.insert(e.network.clone(), (e.subnet.clone(), Some(e.loc)));
        }
        out
    }

    /// Adds network `net` on `sub` to `out`, reporting a second subnet of the same network.
    fn put(&mut self, s: &Stack, out: &mut Subnets, net: &str, sub: &str, l: Option<Loc>) {
        match out.get(net) {
            Some((first, _)) if first != sub => {
                self.report.add(
                    Section::Refused,
                    Item::opt(l, format!("{}: {net} on subnet {sub}", s.name)).detail(format!(
                        "another role of the stack has it on {first}: the spec gives a stack one subnet per network (`networks`)"
                    )),
                );
            }
            Some(_) => {}
            None => {
                out.insert(net.to_string(), (sub.to_string(), l));
            }
        }
    }

    /// The networks and subnets the baremetal file gives the stack's nodes ports on, by THT
    /// network name; `None` when no role's nodes have ports besides ctlplane.
    fn ports(
        &mut self,
        s: &Stack,
        baremetal: &[BaremetalRole],
        role_nets: &[&str],
    ) -> Option<Subnets> {
        let mut out = Subnets::new();
        let mut any = false;
        for r in baremetal {
            let mut sets: Vec<(&[PortNet], Loc)> = Vec::new();
            if let Some((p, l)) = &r.networks {
                sets.push((p, *l));
            }
            for (p, l) in &r.instance_networks {
                sets.push((p, *l));
            }
            let Some(&(first, _)) = sets.first() else {
                continue;
            };
            any = true;
            let key = |p: &[PortNet]| {
                let mut v: Vec<(String, Option<String>)> = (p.iter())
                    .map(|x| (x.network.clone(), x.subnet.clone()))
                    .collect();
                v.sort();
                v
            };
            // tripleo-ansible merges an instance's networks over the defaults by network
            // (baremetal_deploy.py:369-385): any instance of its own differs from the role's
            // (the first instance's, where the role has no defaults)
            let base = key(first);
            let own = (r.instance_networks.iter())
                .find(|(p, _)| key(p).iter().any(|x| !base.contains(x)));
            if let Some((_, l)) = own {
                self.report.add(
                    Section::Refused,
                    Item::at(*l, format!("{}: an instance of role {} with networks of its own", s.name, r.name))
                        .detail("the spec gives every node of a stack the same networks (`networks`): the role's `defaults.networks` (or its first instance's) are imported"),
                );
            }
            for p in first {
                let Some(net) = role_nets.iter().find(|n| name_lower(n) == p.network) else {
                    self.report.add(
                        Section::Refused,
                        Item::at(p.loc, format!("{}: role {}'s port on {}", s.name, r.name, p.network))
                            .detail(format!("no role of the stack is on it in THT's roles ({}): dcnc gives a node ports on its role's networks only", role_nets.join(", "))),
                    );
                    continue;
                };
                let sub = (p.subnet.clone()).unwrap_or_else(|| format!("{}_subnet", p.network));
                self.put(s, &mut out, net, &sub, Some(p.loc));
            }
        }
        any.then_some(out)
    }

    /// The `network_config.template` of the stack's nodes; per-role or per-instance templates
    /// that differ are reported (the first counts).
    fn template(&mut self, s: &Stack, baremetal: &[BaremetalRole]) -> Option<(String, Loc)> {
        let mut all = baremetal.iter().flat_map(|r| r.templates.iter());
        let first = all.next()?.clone();
        if let Some((t, l)) = all.find(|(t, _)| *t != first.0) {
            self.report.add(
                Section::Refused,
                Item::at(*l, format!("{}: network_config template {t}", s.name)).detail(format!(
                    "the spec has one template per stack (`network_config_template`): {} is imported",
                    first.0
                )),
            );
        }
        Some(first)
    }

    /// The THT role a role of the stack is made from (dcnc generates it from that one): its
    /// `roles generate` base, itself, or the longest THT role its name starts with (the copy
    /// `roles.rs` takes it as).
    fn tht_role(&self, r: &RoleIn) -> Option<&'static RoleInfo> {
        if let Some(b) = &r.base {
            return self.target.role(b);
        }
        self.target.role(&r.name).or_else(|| {
            (self.target.roles.iter())
                .filter(|t| r.name.starts_with(t.name))
                .max_by_key(|t| t.name.len())
        })
    }

    /// The networks and `default_route_networks` a roles file of the directory gives each role,
    /// against THT's role dcnc generates it from (`roles generate`): heat puts a role on its
    /// roles file's networks, and dcnc's baremetal.yaml gives its nodes a port on each of THT's.
    fn roles_file_networks(&mut self, s: &Stack) {
        let RolesSource::File(file) = s.roles_source else {
            return;
        };
        let path = self.read.sources.path(file).to_string();
        for r in &s.roles {
            let Some(info) = self.tht_role(r) else {
                continue;
            };
            let nets = r.networks.as_deref().unwrap_or_default();
            let added: Vec<&crate::import::heat::RoleNet> = (nets.iter())
                .filter(|n| !info.networks.contains(&n.name.as_str()))
                .collect();
            let dropped: Vec<&str> = (info.networks.iter())
                .filter(|t| !nets.iter().any(|n| n.name == **t))
                .copied()
                .collect();
            if !added.is_empty() || !dropped.is_empty() {
                let mut what = Vec::new();
                if !added.is_empty() {
                    let a: Vec<&str> = added.iter().map(|n| n.name.as_str()).collect();
                    what.push(format!("adds {}", a.join(", ")));
                }
                if !dropped.is_empty() {
                    what.push(format!("drops {}", dropped.join(", ")));
                }
                self.report.add(
                    Section::Differs,
                    Item::at(added.first().map_or(r.loc, |n| n.loc), format!(
                        "{}: role {} of {path} {} (THT's {} is on {})",
                        s.name, r.name, what.join(" and "), info.name, info.networks.join(", ")
                    ))
                    .detail(format!("dcnc generates the role from THT's roles/{}.yaml (`roles generate`): heat puts it on THT's networks and baremetal.yaml gives its nodes a port on each; the spec has no networks of a role's own", info.name)),
                );
            }
            let own: Vec<&str> = (r.default_route.iter())
                .flat_map(|(d, _)| d.iter().map(String::as_str))
                .collect();
            if own != info.default_route_networks {
                let at = r.default_route.as_ref().map_or(r.loc, |(_, l)| *l);
                let says = |d: &[&str]| {
                    if d.is_empty() {
                        "none (the ctlplane)".to_string()
                    } else {
                        d.join(", ")
                    }
                };
                self.report.add(
                    Section::Differs,
                    Item::at(at, format!(
                        "{}: role {} of {path} has default_route_networks {}, THT's {} {}",
                        s.name, r.name, says(&own), info.name, says(info.default_route_networks)
                    ))
                    .detail("heat puts the default route of a role's nodes in the host routes of its roles file's default_route_networks, the ctlplane's without them (THT 14.3.0 overcloud.j2.yaml:964-985, 18.0.0 :920-941); dcnc generates the role from THT's"),
                );
            }
        }
    }

    /// The network each role's nodes have their default route on (`network_config.
    /// default_route_network` of the baremetal file: the defaults', an instance's own, else
    /// tripleo-ansible's `['ctlplane']`), against dcnc's: the THT role's
    /// `default_route_networks` the stack is on, else the ctlplane (emit/tripleo/stack.rs). The
    /// port it names is tagged `tripleo_default_route` (tripleo-ansible 6.0.0
    /// tripleo_overcloud_network_ports.py:288-305) and gets the default route (tripleo-common
    /// 18.0.0 inventory.py:175-179). The spec has no default route of its own: an explicit one
    /// that differs is refused, tripleo-ansible's default that differs reported.
    fn default_routes(&mut self, s: &Stack, baremetal: &[BaremetalRole], chosen: &Subnets) {
        for b in baremetal {
            let Some(r) = s.roles.iter().find(|r| r.name == b.name) else {
                continue;
            };
            // dcnc writes no network_config where it provisions no ports
            let info = (self.tht_role(r))
                .filter(|_| self.target.client.is_some_and(|c| c.network_commands));
            let mut dcnc: Vec<String> = (info.map_or(&[][..], |i| i.default_route_networks))
                .iter()
                .filter(|n| chosen.contains_key(**n))
                .map(|n| name_lower(n))
                .collect();
            if dcnc.is_empty() {
                dcnc.push("ctlplane".into());
            }
            let set = |v: &[String]| {
                let mut v = v.to_vec();
                v.sort();
                v.dedup();
                v
            };
            let theirs = set(&dcnc);
            let from = match info {
                None => "it writes no network_config: tripleo-ansible's default".to_string(),
                Some(i) if i.default_route_networks.is_empty() => {
                    format!(
                        "THT's roles/{}.yaml names no default_route_networks",
                        i.name
                    )
                }
                Some(i) if theirs == ["ctlplane"] => format!(
                    "the stack is on none of THT's roles/{}.yaml default_route_networks, {}",
                    i.name,
                    i.default_route_networks.join(", ")
                ),
                Some(i) => format!(
                    "THT's roles/{}.yaml default_route_networks, {}",
                    i.name,
                    i.default_route_networks.join(", ")
                ),
            };
            let explicit = (b.default_route.iter()).chain(&b.instance_default_routes);
            if let Some((d, l)) = explicit.clone().find(|(d, _)| set(d) != theirs) {
                self.report.add(
                    Section::Refused,
                    Item::at(*l, format!("{}: role {}'s default route on {}", s.name, b.name, d.join(", ")))
                        .detail(format!("dcnc's baremetal.yaml puts it on {} ({from}); the spec has no default route of a role's own", dcnc.join(", "))),
                );
                continue;
            }
            let has_ports = b.networks.as_ref().is_some_and(|(p, _)| !p.is_empty())
                || !b.instance_networks.is_empty();
            if b.default_route.is_none() && has_ports && theirs != ["ctlplane"] {
                self.report.add(
                    Section::Differs,
                    Item::at(b.loc, format!("{}: role {}'s nodes have their default route on ctlplane, dcnc's on {}", s.name, b.name, dcnc.join(", ")))
                        .detail(format!("the baremetal file names no default_route_network, so tripleo-ansible tags the ctlplane port (6.0.0 tripleo_overcloud_network_ports.py:288-291); dcnc's baremetal.yaml names {} ({from})", dcnc.join(", "))),
                );
            }
        }
    }

    /// A stack whose nodes have ports provisioned without `--network-config`: node provision
    /// then neither writes nor applies the baremetal file's `network_config` (tripleo-ansible
    /// 6.0.0 cli-overcloud-node-provision.yaml:199-212; python-tripleoclient 16.5.0
    /// v2/overcloud_node.py:322,336-337 and utils.py:2868-2871). dcnc always passes it.
    fn network_config_flag(&mut self, s: &Stack, template: Option<&(String, Loc)>) {
        let Some((at, false)) = self.read.node_provision(s.last) else {
            return;
        };
        let t = template.map_or(TRIPLEO_ANSIBLE_TEMPLATE, |(t, _)| t.as_str());
        self.report.add(
            Section::Differs,
            Item::at(at, format!("{}: nodes provisioned without --network-config", s.name))
                .detail(format!("without it node provision applies no network config (tripleo-ansible 6.0.0 cli-overcloud-node-provision.yaml:199-212; python-tripleoclient 16.5.0 utils.py:2868-2871, 20.0.0 :3021-3024): the baremetal file's network_config ({t}) is not used. dcnc's deploy.sh passes --network-config: its nodes get {t} when they are provisioned")),
        );
    }
}
