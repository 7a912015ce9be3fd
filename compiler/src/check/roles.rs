//! Roles and node counts of a stack: known to the target, fit for the kind of site, each listed
//! once, with scheduler hints and flavors heat and the scripts can carry; and the default roles
//! (`spec::defaults`). A role may be a renamed copy of a THT role (`base`), as `openstack
//! overcloud roles generate Base:Name` makes it. Owns DCN026 (unknown role, and a base the name
//! does not start with), DCN012 (duplicate) for roles, DCN038 (not in target) for flavors and
//! DCN081 (too large) for node counts; `text` checks the characters of hints and flavors. A
//! role's `nodes` are checked by `nodes`.

use std::collections::HashMap;

use super::nodes::check_role_nodes;
use super::text::{check_text, Kind};
use super::{or_default, Checker};
use crate::diag::{did_you_mean, Code, Span};
use crate::model::{RoleCount, SiteKind};
use crate::spec::{self, bounds, defaults, Located};
use crate::target::{DeployFlow, RoleInfo, Target};

pub(super) fn check_roles(
    c: &mut Checker,
    roles: &[spec::Role],
    stack: &str,
    kind: SiteKind,
    target: &Target,
) -> Vec<RoleCount> {
    let mut out = Vec::new();
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for r in roles {
        if let Some(first) = seen.insert(&r.name.value, r.name.span) {
            c.error(
                Code::Duplicate,
                r.name.span,
                format!("role `{}` listed twice", r.name.value),
            )
            .help = Some(format!(
                "first listed at line {}; merge the counts",
                first.line
            ));
        }
        let Some(info) = known_role(c, r.base.as_ref().unwrap_or(&r.name), target) else {
            continue;
        };
        if let Some(base) = &r.base {
            check_renamed(c, &r.name, base);
        }
        check_fits(c, &r.name, info, kind);
        let hint = match &r.hint {
            Some(h) if h.value.is_empty() => None,
            Some(h) => Some(check_hint(c, h)),
            None => Some(default_hint(stack, &r.name.value)),
        };
        if r.count.value > bounds::ROLE_NODES {
            c.error(Code::TooLarge, r.count.span, format!("{} nodes of role `{}`; dcnc deploys at most {} per role", r.count.value, r.name.value, bounds::ROLE_NODES))
                .help = Some("a DCN site has some hundreds of nodes at most; split a larger site into several edges".into());
        }
        out.push(RoleCount {
            name: r.name.value.clone(),
            base: r.base.as_ref().map(|b| b.value.clone()),
            count: r.count.value,
            hint,
            flavor: check_flavor(c, r, target),
            nodes: check_role_nodes(c, r, stack),
        });
    }
    check_stack_nodes(c, roles, &out);
    out
}

/// A stack's nodes, all roles together, within bounds (the sum cannot overflow: u64).
fn check_stack_nodes(c: &mut Checker, roles: &[spec::Role], counts: &[RoleCount]) {
    let total: u64 = counts.iter().map(|r| u64::from(r.count)).sum();
    let each_fits = counts.iter().all(|r| r.count <= bounds::ROLE_NODES);
    if total > bounds::STACK_NODES && each_fits {
        let span = roles.first().map(|r| r.count.span);
        c.error(
            Code::TooLarge,
            span,
            format!(
                "{total} nodes in one stack; dcnc deploys at most {}",
                bounds::STACK_NODES
            ),
        )
        .help = Some("split the site into several edges".into());
    }
}

/// The target's facts about role `name`, or an error with the closest known role.
fn known_role(
    c: &mut Checker,
    name: &Located<String>,
    target: &Target,
) -> Option<&'static RoleInfo> {
    let info = target.role(&name.value);
    if info.is_none() {
        let d = c.error(
            Code::UnknownRole,
            name.span,
            format!("unknown role `{}`", name.value),
        );
        let known = || target.roles.iter().map(|r| r.name);
        d.help = Some(match did_you_mean(&name.value, known()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "target `{}` knows {}",
                target.id,
                known().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    info
}

/// A renamed copy of a THT role: tripleo-common's `roles generate Base:Name` wants `Name` to
/// start with `Base` and to differ from it (tripleo_common/utils/roles.py,
/// generate_role_with_colon_format); heat wants letters and digits in a role name.
fn check_renamed(c: &mut Checker, name: &Located<String>, base: &Located<String>) {
    let n = &name.value;
    if n == &base.value || !n.starts_with(base.value.as_str()) {
        c.error(
            Code::UnknownRole,
            name.span,
            format!("role `{n}` cannot be made from `{}`", base.value),
        )
        .help = Some(format!(
            "`openstack overcloud roles generate {0}:NAME` needs NAME to start with `{0}` and differ from it, e.g. `{0}Edge`",
            base.value
        ));
    } else if !n.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        c.error(
            Code::UnknownRole,
            name.span,
            format!("role name `{n}` may hold only letters and digits"),
        );
    }
}

/// The scheduler hint of a role without one in the spec: `<stack>-<role>-%index%`.
fn default_hint(stack: &str, role: &str) -> String {
    format!("{}-{}-%index%", stack, role.to_lowercase())
}

/// A warning for a role meant for the other kind of site.
fn check_fits(c: &mut Checker, name: &Located<String>, info: &RoleInfo, kind: SiteKind) {
    let fits = match kind {
        SiteKind::Central => info.central,
        SiteKind::Edge | SiteKind::Compute => info.edge,
    };
    if !fits {
        c.warning(
            Code::UnknownRole,
            name.span,
            format!(
                "role `{}` is not meant for {} sites",
                name.value,
                match kind {
                    SiteKind::Central => "central",
                    SiteKind::Edge | SiteKind::Compute => "edge",
                }
            ),
        );
    }
}

fn check_hint(c: &mut Checker, h: &Located<String>) -> String {
    check_text(c, &h.value, Some(h.span), "hint", Kind::Hint);
    h.value.clone()
}

fn check_flavor(c: &mut Checker, r: &spec::Role, target: &Target) -> String {
    let (flavor, flavor_span) = or_default(&r.flavor, defaults::flavor().to_string());
    check_text(c, &flavor, flavor_span, "flavor", Kind::Flavor);
    if let (Some(f), DeployFlow::Provisioned, true) = (&r.flavor, target.flow, target.heat) {
        c.warning(Code::NotInTarget, f.span, format!("`flavor` has no effect in target `{}`", target.id))
            .help = Some("`openstack overcloud node provision` places nodes by their node:<tag> capability (`hint`); remove `flavor`".into());
    }
    flavor
}

/// The roles of a stack of `kind` without `roles` (`spec::defaults`), with default hints.
pub(super) fn default_roles(kind: SiteKind, stack: &str) -> Vec<RoleCount> {
    let table = match kind {
        SiteKind::Central => defaults::CENTRAL_ROLES,
        SiteKind::Edge => defaults::EDGE_ROLES,
        SiteKind::Compute => defaults::COMPUTE_ROLES,
    };
    let roles = table.iter().map(|&(name, count)| RoleCount {
        name: name.to_string(),
        base: None,
        count,
        hint: Some(default_hint(stack, name)),
        flavor: defaults::flavor().to_string(),
        nodes: Vec::new(),
    });
    roles.collect()
}
