//! The deployment's stacks before any is mapped: the target they were written for (and the
//! evidence), which stack is central, the order of the edges, and the parameters two of the
//! deployment's own files set differently.

use super::Stack;
use crate::import::deployment::{Origin, Read, Res};
use crate::import::report::{Item, Report, Section};
use crate::import::source::Loc;
use crate::import::tripleo::Op;
use crate::kinds::TargetName;
use crate::target::Target;

/// The target a deployment was written for, and the evidence.
pub(super) fn infer_target(
    read: &Read,
    given: Option<TargetName>,
    report: &mut Report,
) -> &'static Target {
    if let Some(t) = given {
        let t = Target::get(t);
        report.target = (t.id.to_string(), "given with --target".into(), None);
        return t;
    }
    let mut tht_files: Vec<(&str, Loc)> = Vec::new();
    for d in &read.deploys {
        for e in &d.envs {
            if let Res::Tht(rel) = &e.res {
                tht_files.push((rel, e.loc));
            }
        }
    }
    let find =
        |pred: &dyn Fn(&str) -> bool| tht_files.iter().find(|(r, _)| pred(r)).map(|(_, l)| *l);
    let provisioned = read.ops.iter().find_map(|(_, op)| match op {
        Op::Provision(p) => p.loc,
        _ => None,
    });
    let (name, why, loc) = if let Some(l) =
        provisioned.or(find(&|r| r.starts_with("environments/cephadm/")))
    {
        (
            TargetName::Tht18,
            "nodes provisioned or Ceph deployed before the stack (cephadm)",
            Some(l),
        )
    } else if let Some(l) = find(&|r| r == "environments/dcn-storage.yaml") {
        (
            TargetName::Wallaby,
            "environments/dcn-storage.yaml (wallaby and later)",
            Some(l),
        )
    } else if let Some(l) =
        find(&|r| r == "environments/dcn-hci.yaml" || r == "environments/dcn.yaml")
    {
        let heat_multistore = read
            .envs
            .values()
            .any(|e| e.params.iter().any(|p| p.key == "GlanceMultistoreConfig"));
        if heat_multistore {
            (TargetName::Ussuri, "environments/dcn-hci.yaml (ussuri and victoria; wallaby still has it) with GlanceMultistoreConfig", Some(l))
        } else {
            (TargetName::UssuriPoc, "environments/dcn-hci.yaml without GlanceMultistoreConfig: Glance's stores are configured outside heat", Some(l))
        }
    } else {
        (
            TargetName::Wallaby,
            "nothing release-specific found; the default",
            None,
        )
    };
    let t = Target::get(name);
    report.target = (t.id.to_string(), why.into(), loc);
    t
}

/// Which stack is central: the one whose roles run a Controller, else the one whose export the
/// others read.
pub(super) fn central_stack(read: &Read, names: &[String]) -> Option<String> {
    let controller = names.iter().find(|n| {
        read.deploys_of(n).any(|d| {
            let (roles, _) = read.roles(d);
            roles.iter().any(|r| {
                r.base
                    .as_deref()
                    .unwrap_or(&r.name)
                    .starts_with("Controller")
                    || r.services
                        .as_ref()
                        .is_some_and(|s| s.iter().any(|x| x == "Keystone"))
            })
        })
    });
    if let Some(c) = controller {
        return Some(c.clone());
    }
    for (_, op) in &read.ops {
        if let Op::Export(e) = op {
            if !e.ceph {
                if let Some(s) = e.stacks.first().filter(|s| names.contains(s)) {
                    return Some(s.clone());
                }
            }
        }
    }
    None
}

/// Numeric-aware order: dcn2 before dcn10.
pub(super) fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |s: &str| {
        let d = s.trim_end_matches(|c: char| c.is_ascii_digit());
        (d.to_string(), s[d.len()..].parse::<u64>().unwrap_or(0))
    };
    split(a).cmp(&split(b)).then(a.cmp(b))
}

/// Parameters two of the deployment's own files set differently: heat keeps the last `-e`
/// file's value (and a repeated key in one file: the last one).
pub(super) fn conflicts(s: &Stack, report: &mut Report) {
    for (k, v) in &s.eff {
        let Origin::File { key: winner, .. } = v.origin else {
            continue;
        };
        for (o, old) in &v.replaced {
            let Origin::File { key: loser, .. } = o else {
                continue;
            };
            if *old == v.value {
                continue;
            }
            report.add(
                Section::Conflict,
                Item::at(winner, format!("{}: {k} = {}", s.name, v.value))
                    .detail(format!(
                        "wins over {old} set earlier: heat keeps the last -e file's value"
                    ))
                    .also(Some(*loser)),
            );
        }
    }
}
