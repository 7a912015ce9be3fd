//! Roles and node counts of a stack: known to the target, fit for the kind of site, each listed
//! once, with scheduler hints and flavors heat and the scripts can carry; and the default roles
//! (`spec::defaults`). Owns DCN026 (unknown role), DCN012 (duplicate) for roles, DCN003 (wrong
//! type) for hints and flavors, and DCN038 (not in target) for flavors.

use std::collections::HashMap;

use super::{or_default, Checker};
use crate::diag::{did_you_mean, Code, Span};
use crate::model::{RoleCount, SiteKind};
use crate::spec::{self, defaults, Located};
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
        let Some(info) = known_role(c, &r.name, target) else {
            continue;
        };
        check_fits(c, &r.name, info, kind);
        let hint = match &r.hint {
            Some(h) => check_hint(c, h),
            None => format!("{}-{}-%index%", stack, r.name.value.to_lowercase()),
        };
        out.push(RoleCount {
            name: r.name.value.clone(),
            count: r.count.value,
            hint,
            flavor: check_flavor(c, r, target),
        });
    }
    out
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
    if h.value.is_empty() || h.value.contains(['\'', '"', '\n', ',']) {
        c.error(
            Code::WrongType,
            h.span,
            format!(
                "scheduler hint `{}` may not be empty or contain quotes or commas",
                h.value
            ),
        );
    }
    h.value.clone()
}

fn check_flavor(c: &mut Checker, r: &spec::Role, target: &Target) -> String {
    let (flavor, flavor_span) = or_default(&r.flavor, defaults::flavor().to_string());
    if flavor.is_empty() || flavor.contains(['\'', '"', '\n']) {
        c.error(
            Code::WrongType,
            flavor_span,
            format!("invalid flavor `{flavor}`"),
        );
    }
    if let (Some(f), DeployFlow::Provisioned) = (&r.flavor, target.flow) {
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
        count,
        hint: String::new(),
        flavor: defaults::flavor().to_string(),
    });
    with_default_hints(roles.collect(), stack)
}

fn with_default_hints(mut roles: Vec<RoleCount>, stack: &str) -> Vec<RoleCount> {
    for r in &mut roles {
        if r.hint.is_empty() {
            r.hint = format!("{}-{}-%index%", stack, r.name.to_lowercase());
        }
    }
    roles
}
