//! The nodes a role lists (`roles[].nodes`): one per `count`, each with a host name and a
//! control plane address, no host name or address used twice in the deployment; and, for a target
//! whose data plane is pre-provisioned (rhoso-18), that every compute role lists its nodes. Owns
//! DCN070 (bad node) and DCN071 (nodes needed).

use std::collections::HashMap;
use std::net::IpAddr;

use super::Checker;
use crate::diag::{Code, Span};
use crate::model::{default_hostname, Node, Site};
use crate::spec::{self, Spec};
use crate::target::Target;

/// A host name as DNS and Kubernetes (a node set's node names) take it: lower-case labels of
/// letters, digits and `-`, each at most 63 long and neither starting nor ending with `-`,
/// joined by `.`; at most 253 characters.
pub(super) fn is_hostname(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A DNS-1123 label: 1 to 63 lower-case letters, digits or `-`, starting and ending with a
/// letter or digit (Kubernetes' `IsDNS1123Label`).
pub(super) fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=63).contains(&b.len())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// The nodes of role `r` of `stack`, checked, with TripleO's host name where none is given;
/// empty when the spec lists none.
pub(super) fn check_role_nodes(c: &mut Checker, r: &spec::Role, stack: &str) -> Vec<Node> {
    let Some(nodes) = &r.nodes else {
        return Vec::new();
    };
    if nodes.len() != r.count.value as usize {
        c.error(
            Code::BadNode,
            r.count.span,
            format!(
                "role `{}` has count {} but lists {} node(s)",
                r.name.value,
                r.count.value,
                nodes.len()
            ),
        )
        .help = Some("list one node per count, or make `count` the number of nodes".into());
    }
    let mut out = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let hostname = n.hostname.as_ref().map(|h| {
            if !is_hostname(&h.value) {
                c.error(Code::BadNode, h.span, format!("`{}` is not a host name", h.value))
                    .help = Some("a host name is lower-case letters, digits and `-` (labels of at most 63, not starting or ending with `-`), joined by `.`".into());
            }
            h.value.clone()
        });
        let ip = n.ctlplane_ip.value.trim().parse::<IpAddr>();
        if ip.is_err() {
            c.error(
                Code::BadNode,
                n.ctlplane_ip.span,
                format!("`{}` is not an IP address", n.ctlplane_ip.value),
            )
            .help = Some(
                "write the node's address on the control plane network, e.g. `192.168.133.100`"
                    .into(),
            );
        }
        if let Ok(ctlplane_ip) = ip {
            out.push(Node {
                hostname: hostname
                    .unwrap_or_else(|| default_hostname(stack, &r.name.value, i as u32)),
                ctlplane_ip,
            });
        }
    }
    out
}

/// Every role list of the spec with the stack it belongs to, for located cross-site checks:
/// central's, the central compute stack's, each edge's own or `edge_defaults`'.
fn role_lists(spec: &Spec) -> Vec<(String, &[spec::Role])> {
    let mut lists: Vec<(String, &[spec::Role])> = Vec::new();
    let central = spec.central.stack.as_ref().map_or_else(
        || crate::spec::defaults::central_stack().to_string(),
        |s| s.value.clone(),
    );
    if let Some(r) = &spec.central.roles {
        lists.push((central, r));
    }
    if let Some(r) = spec
        .central
        .compute
        .as_ref()
        .and_then(|c| c.value.roles.as_ref())
    {
        let stack = spec
            .central
            .compute
            .as_ref()
            .map(|c| c.value.stack.value.clone());
        lists.push((stack.unwrap_or_default(), r));
    }
    for e in &spec.edges {
        if let Some(r) = e.roles.as_ref().or(spec.edge_defaults.roles.as_ref()) {
            let stack = e.stack.as_ref().unwrap_or(&e.name).value.clone();
            lists.push((stack, r));
        }
    }
    lists
}

/// No host name (given, or TripleO's default for a node without one) and no control plane
/// address is used by two nodes of the deployment.
pub(super) fn check_unique_nodes(c: &mut Checker, spec: &Spec) {
    let mut names: HashMap<String, Span> = HashMap::new();
    let mut ips: HashMap<IpAddr, Span> = HashMap::new();
    for (stack, roles) in role_lists(spec) {
        for r in roles {
            for (i, n) in r.nodes.iter().flatten().enumerate() {
                let name = n.hostname.as_ref().map_or_else(
                    || default_hostname(&stack, &r.name.value, i as u32),
                    |h| h.value.clone(),
                );
                let span = n.hostname.as_ref().map_or(n.ctlplane_ip.span, |h| h.span);
                if let Some(first) = names.get(&name) {
                    c.error(Code::Duplicate, span, format!("host name `{name}` is used twice"))
                        .help = Some(format!("first used at line {}; every node needs its own (a role listed in `edge_defaults` with nodes gives every edge the same ones: list them per edge)", first.line));
                } else {
                    names.insert(name, span);
                }
                if let Ok(ip) = n.ctlplane_ip.value.trim().parse::<IpAddr>() {
                    if let Some(first) = ips.get(&ip) {
                        c.error(
                            Code::Duplicate,
                            n.ctlplane_ip.span,
                            format!("control plane address `{ip}` is used twice"),
                        )
                        .help = Some(format!(
                            "first used at line {}; every node needs its own",
                            first.line
                        ));
                    } else {
                        ips.insert(ip, n.ctlplane_ip.span);
                    }
                }
            }
        }
    }
}

/// DCN071: a target whose data plane nodes are pre-provisioned (rhoso-18) reaches each node of a
/// compute role at its listed address; the host names it uses must be DNS names.
pub(super) fn check_nodes_needed(c: &mut Checker, spec: &Spec, target: &Target, sites: &[Site]) {
    if target.operators.is_none() {
        return;
    }
    for site in sites {
        let listed: Vec<&spec::Role> = role_lists(spec)
            .into_iter()
            .filter(|(stack, _)| stack == site.stack.as_str())
            .flat_map(|(_, roles)| roles.iter())
            .collect();
        for r in &site.roles {
            let compute = target.role(r.tht_role()).is_some_and(|i| i.compute);
            if !compute || r.count == 0 {
                continue;
            }
            let spec_role = listed.iter().find(|l| l.name.value == r.name);
            if r.nodes.is_empty() {
                let span = spec_role.map(|l| l.name.span);
                let span = span.or_else(|| site_span(spec, site));
                c.error(Code::NodesNeeded, span, format!("target `{}` needs the nodes of role `{}` at site `{}`", target.id, r.name, site.name))
                    .help = Some(format!("its data plane node set is pre-provisioned: list the {} node(s) under the role, each with `ctlplane_ip` (and `hostname`, default `{}`)", r.count, default_hostname(site.stack.as_str(), &r.name, 0)));
                continue;
            }
            let Some(spec_role) = spec_role else { continue };
            for (i, n) in spec_role.nodes.iter().flatten().enumerate() {
                if n.hostname.is_some() {
                    continue; // checked where it is written
                }
                let name = default_hostname(site.stack.as_str(), &r.name, i as u32);
                if !is_hostname(&name) {
                    c.error(
                        Code::BadNode,
                        n.ctlplane_ip.span,
                        format!("the default host name `{name}` of this node is not a DNS name"),
                    )
                    .help = Some(
                        "give the node a `hostname` of lower-case letters, digits and `-`".into(),
                    );
                }
            }
        }
    }
}

/// Where site `site` is named in the spec: an edge's `name`, central's `stack` (if written).
fn site_span(spec: &Spec, site: &Site) -> Option<Span> {
    match spec
        .edges
        .iter()
        .find(|e| e.name.value == site.name.as_str())
    {
        Some(e) => Some(e.name.span),
        None => Some(
            spec.central
                .stack
                .as_ref()
                .map_or(spec.central.fsid.span, |s| s.span),
        ),
    }
}
