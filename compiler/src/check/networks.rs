//! A stack's networks and their subnets (`networks`, with `network_data`), and the os-net-config
//! template its nodes get (`network_config_template`). Owns DCN096 (set without `network_data`),
//! DCN097 (a network none of the stack's roles is on) and DCN098 (a network or subnet name that
//! is not one).

use std::collections::BTreeMap;

use super::fields::check_path;
use super::Checker;
use crate::diag::Code;
use crate::model::{RoleCount, SiteNetwork};
use crate::spec::{defaults, Located};
use crate::target::{name_lower, Target};

/// The spec's fields of one stack.
pub(super) struct NetworkFields<'a> {
    pub networks: Option<&'a BTreeMap<Located<String>, Located<String>>>,
    pub template: Option<&'a Located<String>>,
    pub network_data: bool,
    /// The spec names its own roles file, whose networks dcnc does not know.
    pub roles_file: bool,
}

/// A THT network name: a heat resource name part (`InternalApi`), as THT's roles and
/// network_data name them.
fn network_name(n: &str) -> bool {
    n.len() <= 64
        && n.starts_with(|c: char| c.is_ascii_alphabetic())
        && n.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A Neutron subnet name as network_data's `subnets` keys are written (`internal_api_dcn0`).
fn subnet_name(n: &str) -> bool {
    n.len() <= 64
        && n.starts_with(|c: char| c.is_ascii_alphanumeric())
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The stack's networks (name order) and its os-net-config template; empty and `None` without
/// `network_data`.
pub(super) fn check_networks(
    c: &mut Checker,
    f: &NetworkFields,
    stack: &str,
    roles: &[RoleCount],
    target: &Target,
) -> (Vec<SiteNetwork>, Option<String>) {
    let template = f
        .template
        .map(|t| check_path(c, t, "network_config_template"));
    if !f.network_data {
        if let Some(span) = f
            .networks
            .and_then(|n| n.keys().next().map(|k| k.span))
            .or(f.template.map(|t| t.span))
        {
            c.warning(
                Code::NetworksWithoutData,
                span,
                format!("stack `{stack}` has no `network_data`: its `networks` and `network_config_template` are not used"),
            )
            .help = Some("name the stack's network data file in `network_data`, or remove these fields".into());
        }
        return (Vec::new(), None);
    }
    // Every network a role of the stack is on, as THT's roles files list them.
    let mut role_nets: Vec<&str> = Vec::new();
    for r in roles {
        for n in target.role(r.tht_role()).map_or(&[][..], |i| i.networks) {
            if !role_nets.contains(n) {
                role_nets.push(n);
            }
        }
    }
    let mut out = Vec::new();
    match f.networks {
        Some(given) => {
            for (net, subnet) in given {
                let mut ok = true;
                if !network_name(&net.value) {
                    c.error(Code::BadNetworkName, net.span, format!("invalid network name `{}`", net.value))
                        .help = Some("a network is named as in network_data and the roles file: a letter, then letters and digits (`InternalApi`)".into());
                    ok = false;
                }
                if !subnet_name(&subnet.value) {
                    c.error(Code::BadNetworkName, subnet.span, format!("invalid subnet name `{}`", subnet.value))
                        .help = Some("a subnet is named as network_data's `subnets` keys: letters, digits, `_` and `-`, at most 64 (`internal_api_dcn0`)".into());
                    ok = false;
                }
                if ok && !f.roles_file && !role_nets.contains(&net.value.as_str()) {
                    c.error(
                        Code::NetworkNoRole,
                        net.span,
                        format!("no role of stack `{stack}` is on network `{}`", net.value),
                    )
                    .help = Some(format!(
                        "its roles' networks (THT roles/*.yaml): {}; remove it, or give the stack a role on it",
                        if role_nets.is_empty() { "none".to_string() } else { role_nets.join(", ") }
                    ));
                    ok = false;
                }
                if ok {
                    out.push(SiteNetwork {
                        name: net.value.clone(),
                        name_lower: name_lower(&net.value),
                        subnet: subnet.value.clone(),
                    });
                }
            }
        }
        None => {
            let mut nets = role_nets.clone();
            nets.sort_unstable();
            out = nets
                .into_iter()
                .map(|n| SiteNetwork {
                    name: n.to_string(),
                    name_lower: name_lower(n),
                    subnet: format!("{}_subnet", name_lower(n)),
                })
                .collect();
        }
    }
    let template = template.unwrap_or_else(|| defaults::network_config_template().to_string());
    (out, Some(template))
}
