//! A stack's `networks` (THT network name -> the subnet of this site) and its
//! `network_config_template`, from where a deploy says them: the subnets of its roles file (a
//! `sed` of the file `roles generate` made, as dcnc's deploy.sh writes it, or a roles file of the
//! directory with `InternalApi: {subnet: internal_api_leaf1}`, as upstream's spine-leaf roles
//! have it), and the ports and `network_config` of its baremetal deployment file
//! (`defaults.networks`, an instance's own `networks`). What the spec cannot hold (a network on
//! two subnets in one stack, instances of one role on different networks, per-role templates)
//! is reported.

use std::collections::BTreeMap;

use super::{Mapper, Stack};
use crate::import::deployment::RolesSource;
use crate::import::heat::{self, BaremetalRole, PortNet};
use crate::import::report::{Item, Section};
use crate::import::source::Loc;
use crate::import::spec_out::{Doc, MapBuilder};
use crate::import::tripleo::Op;
use crate::spec::defaults;
use crate::target::name_lower;

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
            let info = self.target.role(r.base.as_deref().unwrap_or(&r.name));
            for n in info.map_or(&[][..], |i| i.networks) {
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
            if self.read.abs_of(*file, &e.file) == rf.abs {
                // the last edit wins, as sed runs them
                out.insert(e.network.clone(), (e.subnet.clone(), Some(e.loc)));
            }
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
}
