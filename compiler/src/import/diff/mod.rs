//! The round trip of an import: for each stack and each of its deploys, the effective
//! `parameter_defaults` of the original (its `-e` files merged in order, THT's own environment
//! files included where dcnc has their data) against those of what `dcnc build` of the imported
//! spec deploys (its generated `deploy.sh` read the same way: its THT files, the files it keeps,
//! its generated env files). Exports (`openstack overcloud export`, `export ceph`) are made when
//! the scripts run, on both sides, and are compared as files, not values.
//!
//! This file walks the stacks and their deploys and writes the text; `dcnc.rs` reads dcnc's
//! side (the `-e` files of a generated deploy.sh and what they set), `values.rs` compares and
//! shows values as heat's consumers read them, `on_purpose.rs` says why a difference is one
//! dcnc makes on purpose.

mod dcnc;
mod on_purpose;
mod values;

use std::fmt::Write as _;

use serde_json::Value as Json;

use super::deployment::{Origin, Setting, StackDeploy, THT_ROOT};
use super::source::FileId;
use super::Imported;
use crate::emit::StackRef;
use crate::kinds::SiteKind;
use crate::params;
use dcnc::{dcnc_envs, effective, is_update};
use on_purpose::{known_fsid, on_purpose};
use values::{equal, normal_param, origin_text, show};

/// One `-e` file of dcnc's deploy.sh.
#[derive(Debug, Clone, PartialEq)]
enum DcncEnv {
    Tht(String),
    /// A file of the generated tree, `stacks/<stack>/...`.
    Generated(String),
    /// Made when the scripts run (`$WORK/...`).
    Runtime(String),
    /// A path the spec passes (`environment_files`): the original's file, if it is one.
    Kept(String, Option<FileId>),
}

/// One difference of the round trip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub stack: String,
    /// `""`, `" (first deploy)"` or `" (update)"`.
    pub phase: String,
    /// The parameter, or `-e <file>` for a THT environment file only one side passes.
    pub param: String,
    /// Why dcnc differs here on purpose (with its `dcnc explain` code); `None`: a loss.
    pub on_purpose: Option<String>,
}

/// The round trip: the text `--diff` prints and every difference in it.
#[derive(Clone, Debug, Default)]
pub struct RoundTrip {
    pub text: String,
    pub differences: Vec<Difference>,
    /// Whether the imported spec compiled (no round trip otherwise).
    pub compiled: bool,
}

impl RoundTrip {
    /// The differences import does not explain: what the spec loses of the original.
    pub fn losses(&self) -> Vec<&Difference> {
        self.differences
            .iter()
            .filter(|d| d.on_purpose.is_none())
            .collect()
    }
}

/// The round trip, as text.
pub fn diff(imp: &Imported) -> String {
    round_trip(imp).text
}

/// The round trip: the text and the differences.
pub fn round_trip(imp: &Imported) -> RoundTrip {
    let mut out = String::new();
    let mut differences = Vec::new();
    let compiled = match crate::pipeline::compile(&imp.spec, None) {
        Ok(c) => c,
        Err(diags) => {
            let _ = writeln!(
                out,
                "The imported spec does not compile yet ({} errors; see the report's findings): no round trip to show.",
                diags.iter().filter(|d| d.severity == crate::diag::Severity::Error).count()
            );
            return RoundTrip {
                text: out,
                differences,
                compiled: false,
            };
        }
    };
    let tree = compiled.emit();
    let d = &compiled.deployment;
    let version = d.target.tht_version;
    let index = params::index(version);
    let home = imp.read.options.home.clone();
    let stacks: Vec<(StackRef, &crate::model::Site)> = (d.sites.iter().enumerate())
        .map(|(i, s)| (StackRef::Site(i), s))
        .chain(d.central_compute.iter().map(|s| (StackRef::Compute, s)))
        .collect();
    let mut total = 0;
    let mut deliberate = 0;
    for (sref, site) in stacks {
        let name = site.stack.as_str();
        let Some(script) = tree.get(&format!("stacks/{name}/deploy.sh")) else {
            continue;
        };
        let envs = dcnc_envs(&script.content, &home, d.tht.as_str(), &imp.read.sources);
        let roles: Vec<&str> = site.roles.iter().map(|r| r.name.as_str()).collect();
        let originals: Vec<&StackDeploy> = imp.read.deploys_of(name).collect();
        if originals.is_empty() {
            continue;
        }
        let last = originals
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|(i, d)| (d.envs.len(), *i))
            .map(|(_, d)| d)
            .expect("not empty");
        let first = originals[0];
        let mut phases = vec![("", last, true)];
        let has_update = envs
            .iter()
            .any(|e| matches!(e, DcncEnv::Generated(p) if is_update(d, sref, name, p)));
        if has_update && first.op != last.op {
            phases = vec![(" (first deploy)", first, false), (" (update)", last, true)];
        } else if has_update {
            phases = vec![(" (update)", last, true)];
        }
        let two_phases = phases.len() == 2;
        let after_update = imp.read.effective(last, version);
        for (label, orig, update) in phases {
            let mut note = |param: &str, why: Option<String>| {
                if why.is_some() {
                    deliberate += 1;
                } else {
                    total += 1;
                }
                differences.push(Difference {
                    stack: name.to_string(),
                    phase: label.to_string(),
                    param: param.to_string(),
                    on_purpose: why,
                });
            };
            let ours: Vec<DcncEnv> = envs
                .iter()
                .filter(|e| {
                    update || !matches!(e, DcncEnv::Generated(p) if is_update(d, sref, name, p))
                })
                .cloned()
                .collect();
            let theirs = imp.read.effective(orig, version);
            let mine = effective(&ours, &tree, name, imp, version);
            let mut lines = String::new();
            let mut same = 0;
            // -e files: THT's and runtime exports, as sets
            let their_tht: Vec<String> = orig
                .envs
                .iter()
                .filter_map(|e| match &e.res {
                    super::deployment::Res::Tht(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            let my_tht: Vec<String> = ours
                .iter()
                .filter_map(|e| match e {
                    DcncEnv::Tht(r) => Some(r.clone()),
                    DcncEnv::Kept(p, None) => p
                        .strip_prefix(&format!("{}/", d.tht))
                        .or_else(|| p.strip_prefix(&format!("{THT_ROOT}/")))
                        .map(String::from),
                    _ => None,
                })
                .collect();
            let mut only_theirs: Vec<&String> =
                their_tht.iter().filter(|t| !my_tht.contains(t)).collect();
            let mut only_mine: Vec<&String> =
                my_tht.iter().filter(|t| !their_tht.contains(t)).collect();
            // Two names of one file: the same parameter_defaults and resource_registry.
            only_theirs.retain(|t| {
                let same = params::environment(version, t).and_then(|e| {
                    let i = only_mine
                        .iter()
                        .position(|m| params::environment(version, m) == Some(e))?;
                    Some(only_mine.remove(i))
                });
                if let Some(m) = same {
                    let _ = writeln!(
                        lines,
                        "  note: -e {t} (original) and -e {m} (dcnc) hold the same parameter_defaults and resource_registry in THT {version}"
                    );
                }
                same.is_none()
            });
            for t in only_theirs {
                let _ = writeln!(lines, "  -e {t}: the original passes it, dcnc does not");
                note(&format!("-e {t}"), None);
            }
            for t in only_mine {
                let _ = writeln!(lines, "  -e {t}: dcnc passes it, the original does not");
                note(&format!("-e {t}"), None);
            }
            let mut keys: Vec<&String> = theirs.keys().chain(mine.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let a = theirs.get(k);
                let b = mine.get(k);
                if a.is_some_and(|s| matches!(s.origin, Origin::Export(_))) {
                    continue; // made by the export, on both sides
                }
                let ty = index.and_then(|i| i.lookup(k, &roles)).map(|d| d[0].ty);
                let default = index.and_then(|i| i.default_of(k, &roles));
                let av = a.map(|s| &s.value).or(default);
                let bv = b.map(|s| &s.value).or(default);
                if equal(k, av, bv, ty) {
                    same += 1;
                    continue;
                }
                // An fsid dcnc pins to what the cluster already has: no change for heat's Ceph.
                if let (None, Some(Json::String(f)), "CephClusterFSID") = (a, bv, k.as_str()) {
                    if let Some(l) = known_fsid(imp, f) {
                        let _ = writeln!(
                            lines,
                            "  note: CephClusterFSID is pinned to {f}, the cluster's fsid ({})",
                            imp.read.sources.show(l)
                        );
                        same += 1;
                        continue;
                    }
                }
                let later = (two_phases && !update).then_some(&after_update);
                let why = on_purpose(imp, name, k, av, bv, ty, default, later);
                let _ = writeln!(lines, "  {k}");
                if let Some(w) = &why {
                    let _ = writeln!(lines, "      dcnc differs on purpose: {w}");
                }
                let at = |x: Option<&Setting>| match x {
                    Some(_) => origin_text(x, &imp.read.sources),
                    None => "not set".to_string(),
                };
                let (oa, ob) = (at(a), at(b));
                match (av, bv) {
                    (Some(Json::Object(x)), Some(Json::Object(y))) => {
                        // a map: the keys that differ, each with both sides
                        let _ = writeln!(lines, "      original: {oa}");
                        let _ = writeln!(lines, "      dcnc:     {ob}");
                        let mut sub: Vec<&String> = x.keys().chain(y.keys()).collect();
                        sub.sort();
                        sub.dedup();
                        for s in sub {
                            let (p, q) = (x.get(s), y.get(s));
                            if normal_param(k, &Json::Object(x.clone()), ty).get(s)
                                == normal_param(k, &Json::Object(y.clone()), ty).get(s)
                            {
                                continue;
                            }
                            let _ = writeln!(lines, "    {k}.{s}");
                            let _ = writeln!(lines, "      original: {}", show(p, None));
                            let _ = writeln!(lines, "      dcnc:     {}", show(q, None));
                        }
                    }
                    _ => {
                        let row = |who: &str, v: String, o: &str| {
                            format!("      {who:<9} {v:<32} {o}").trim_end().to_string()
                        };
                        let _ = writeln!(
                            lines,
                            "{}",
                            row(
                                "original:",
                                show(a.map(|s| &s.value), default),
                                &origin_text(a, &imp.read.sources)
                            )
                        );
                        let _ = writeln!(
                            lines,
                            "{}",
                            row(
                                "dcnc:",
                                show(b.map(|s| &s.value), default),
                                &origin_text(b, &imp.read.sources)
                            )
                        );
                    }
                }
                note(k, why);
            }
            let _ = writeln!(
                out,
                "{name}{label}: {} vs dcnc's stacks/{name}/deploy.sh{}",
                imp.read.sources.show(orig.loc),
                if update && has_update { " update" } else { "" }
            );
            if lines.is_empty() {
                let _ = writeln!(out, "  no difference ({same} parameters the same)");
            } else {
                out.push_str(&lines);
                let _ = writeln!(out, "  ({same} parameters the same)");
            }
            out.push('\n');
        }
        let _ = site.kind == SiteKind::Central;
    }
    let _ = write!(
        out,
        "{total} difference{} in the parameters heat gets",
        if total == 1 { "" } else { "s" }
    );
    if deliberate > 0 {
        let _ = write!(
            out,
            ", and {deliberate} that dcnc makes on purpose (marked)"
        );
    }
    out.push_str(".\n");
    RoundTrip {
        text: out,
        differences,
        compiled: true,
    }
}
