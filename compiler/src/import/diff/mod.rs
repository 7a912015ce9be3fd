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

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use super::deployment::{Origin, Setting, StackDeploy, THT_ROOT};
use super::source::{FileId, Sources};
use super::Imported;
use crate::emit::{StackRef, Tree};
use crate::model::{Deployment, Site};
use crate::params::{self, ParamType};
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
    let compiled = match crate::pipeline::compile(&imp.spec, None) {
        Ok(c) => c,
        Err(diags) => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "The imported spec does not compile yet ({} errors; see the report's findings): no round trip to show.",
                diags.iter().filter(|d| d.severity == crate::diag::Severity::Error).count()
            );
            return RoundTrip {
                text: out,
                differences: Vec::new(),
                compiled: false,
            };
        }
    };
    let tree = compiled.emit();
    let d = &compiled.deployment;
    let version = d.target.tht_version;
    let build = Build {
        imp,
        d,
        tree: &tree,
        version,
        index: params::index(version),
    };
    let stacks: Vec<(StackRef, &Site)> = (d.sites.iter().enumerate())
        .map(|(i, s)| (StackRef::Site(i), s))
        .chain(d.central_compute.iter().map(|s| (StackRef::Compute, s)))
        .collect();
    let mut t = Tally::default();
    for (sref, site) in stacks {
        build.stack(sref, site, &mut t);
    }
    let (total, deliberate) = (t.total, t.deliberate);
    let out = &mut t.out;
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
        text: t.out,
        differences: t.differences,
        compiled: true,
    }
}

/// What the comparison needs of the imported spec's build.
struct Build<'a> {
    imp: &'a Imported,
    d: &'a Deployment,
    tree: &'a Tree,
    version: &'static str,
    index: Option<&'static params::Index>,
}

/// THT's environment that makes every server a deployed server, which `deploy.sh` passes itself
/// where the client does not (`Client::deployed_server_environment`).
pub(crate) const DEPLOYED_SERVER_ENVIRONMENT: &str =
    "environments/deployed-server-environment.yaml";

/// Why a dcnc tree passes it where the original does not (DCN095's "the nodes").
const DEPLOYED_SERVER_WHY: &str = "dcnc passes it, the original does not: dcnc provisions the nodes with `openstack overcloud node provision` and deploys them as deployed servers, as the default undercloud of python-tripleoclient 13.7.0 has no Nova; heat replaces a server deployed through Nova, so do not switch a deployed stack, dcnc explain DCN095";

/// The round trip so far: its text, its differences, and how many are losses and how many on
/// purpose.
#[derive(Default)]
struct Tally {
    out: String,
    differences: Vec<Difference>,
    total: usize,
    deliberate: usize,
}

impl Tally {
    /// One difference of parameter (or `-e` file) `param`: on purpose (`why`) or a loss.
    fn note(&mut self, p: &Phase, param: &str, why: Option<String>) {
        if why.is_some() {
            self.deliberate += 1;
        } else {
            self.total += 1;
        }
        self.differences.push(Difference {
            stack: p.name.to_string(),
            phase: p.label.to_string(),
            param: param.to_string(),
            on_purpose: why,
        });
    }
}

/// One deploy of a stack compared: the original's `orig` against dcnc's deploy.sh, with or
/// without the files of central's update.
struct Phase<'a> {
    name: &'a str,
    sref: StackRef,
    /// `""`, `" (first deploy)"` or `" (update)"`.
    label: &'static str,
    orig: &'a StackDeploy,
    /// dcnc's side includes the files central's update applies.
    update: bool,
    /// dcnc's deploy.sh has an update.
    has_update: bool,
    roles: &'a [&'a str],
    /// The original's parameters after its update, in the comparison of a first deploy.
    later: Option<&'a BTreeMap<String, Setting>>,
}

impl Build<'_> {
    /// One stack: its last deploy against dcnc's deploy.sh, or, where dcnc's deploy.sh has an
    /// update, its first deploy and its update each against that phase of dcnc's.
    fn stack(&self, sref: StackRef, site: &Site, t: &mut Tally) {
        let imp = self.imp;
        let home = imp.read.options.home.clone();
        let name = site.stack.as_str();
        let Some(script) = self.tree.get(&format!("stacks/{name}/deploy.sh")) else {
            return;
        };
        let envs = dcnc_envs(
            &script.content,
            &home,
            self.d.tht.as_str(),
            &imp.read.sources,
        );
        let roles: Vec<&str> = site.roles.iter().map(|r| r.name.as_str()).collect();
        let originals: Vec<&StackDeploy> = imp.read.deploys_of(name).collect();
        if originals.is_empty() {
            return;
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
            .any(|e| matches!(e, DcncEnv::Generated(p) if is_update(self.d, sref, name, p)));
        if has_update && first.op != last.op {
            phases = vec![(" (first deploy)", first, false), (" (update)", last, true)];
        } else if has_update {
            phases = vec![(" (update)", last, true)];
        }
        let two_phases = phases.len() == 2;
        let after_update = imp.read.effective(last, self.version);
        for (label, orig, update) in phases {
            let p = Phase {
                name,
                sref,
                label,
                orig,
                update,
                has_update,
                roles: &roles,
                later: (two_phases && !update).then_some(&after_update),
            };
            self.phase(&p, &envs, t);
        }
    }

    /// One phase: the `-e` files of THT either side passes alone, then every parameter heat
    /// gets differently; its section of the text.
    fn phase(&self, p: &Phase, envs: &[DcncEnv], t: &mut Tally) {
        let imp = self.imp;
        let ours: Vec<DcncEnv> = envs
            .iter()
            .filter(|e| {
                p.update
                    || !matches!(e, DcncEnv::Generated(x) if is_update(self.d, p.sref, p.name, x))
            })
            .cloned()
            .collect();
        let theirs = imp.read.effective(p.orig, self.version);
        let mine = effective(&ours, self.tree, p.name, imp, self.version);
        let mut lines = String::new();
        self.tht_files(p, &ours, &mut lines, t);
        let same = self.parameters(p, &theirs, &mine, &mut lines, t);
        let (name, label) = (p.name, p.label);
        let out = &mut t.out;
        let _ = writeln!(
            out,
            "{name}{label}: {} vs dcnc's stacks/{name}/deploy.sh{}",
            imp.read.sources.show(p.orig.loc),
            if p.update && p.has_update {
                " update"
            } else {
                ""
            }
        );
        if lines.is_empty() {
            let _ = writeln!(out, "  no difference ({same} parameters the same)");
        } else {
            out.push_str(&lines);
            let _ = writeln!(out, "  ({same} parameters the same)");
        }
        out.push('\n');
    }

    /// THT's `-e` files (and runtime exports) as sets: those only one side passes, except two
    /// names of one file (the same parameter_defaults and resource_registry).
    fn tht_files(&self, p: &Phase, ours: &[DcncEnv], lines: &mut String, t: &mut Tally) {
        let (d, version) = (self.d, self.version);
        let their_tht: Vec<String> = p
            .orig
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
        for f in only_theirs {
            let _ = writeln!(lines, "  -e {f}: the original passes it, dcnc does not");
            t.note(p, &format!("-e {f}"), None);
        }
        for f in only_mine {
            if f == DEPLOYED_SERVER_ENVIRONMENT
                && d.target
                    .client
                    .is_some_and(|c| c.deployed_server_environment)
            {
                let _ = writeln!(
                    lines,
                    "  -e {f}\n      dcnc differs on purpose: {DEPLOYED_SERVER_WHY}"
                );
                t.note(p, &format!("-e {f}"), Some(DEPLOYED_SERVER_WHY.to_string()));
                continue;
            }
            let _ = writeln!(lines, "  -e {f}: dcnc passes it, the original does not");
            t.note(p, &format!("-e {f}"), None);
        }
    }

    /// Every parameter either side gives heat (with THT's default for one not set), compared
    /// by its type; each difference written with both sides and, if on purpose, why. How many
    /// are the same.
    fn parameters(
        &self,
        p: &Phase,
        theirs: &BTreeMap<String, Setting>,
        mine: &BTreeMap<String, Setting>,
        lines: &mut String,
        t: &mut Tally,
    ) -> usize {
        let imp = self.imp;
        let index = self.index;
        let mut same = 0;
        let mut keys: Vec<&String> = theirs.keys().chain(mine.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let a = theirs.get(k);
            let b = mine.get(k);
            if a.is_some_and(|s| matches!(s.origin, Origin::Export(_))) {
                continue; // made by the export, on both sides
            }
            let ty = index.and_then(|i| i.lookup(k, p.roles)).map(|d| d[0].ty);
            let default = index.and_then(|i| i.default_of(k, p.roles));
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
            let why = on_purpose(imp, p.name, k, av, bv, ty, default, p.later);
            let _ = writeln!(lines, "  {k}");
            if let Some(w) = &why {
                let _ = writeln!(lines, "      dcnc differs on purpose: {w}");
            }
            let sides = Sides {
                key: k,
                settings: (a, b),
                values: (av, bv),
                ty,
                default,
            };
            sides.write(lines, &imp.read.sources);
            t.note(p, k, why);
        }
        same
    }
}

/// Both sides of one parameter that differs: as set (with where) and as heat gets them.
struct Sides<'a> {
    key: &'a str,
    settings: (Option<&'a Setting>, Option<&'a Setting>),
    values: (Option<&'a Json>, Option<&'a Json>),
    ty: Option<ParamType>,
    default: Option<&'a Json>,
}

impl Sides<'_> {
    /// The lines of the difference: for two maps the keys that differ, each with both sides;
    /// else both values with where they were set.
    fn write(&self, lines: &mut String, sources: &Sources) {
        let (k, ty, default) = (self.key, self.ty, self.default);
        let (a, b) = self.settings;
        let at = |x: Option<&Setting>| match x {
            Some(_) => origin_text(x, sources),
            None => "not set".to_string(),
        };
        let (oa, ob) = (at(a), at(b));
        match self.values {
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
                        &origin_text(a, sources)
                    )
                );
                let _ = writeln!(
                    lines,
                    "{}",
                    row(
                        "dcnc:",
                        show(b.map(|s| &s.value), default),
                        &origin_text(b, sources)
                    )
                );
            }
        }
    }
}
