//! The round trip of an import: for each stack and each of its deploys, the effective
//! `parameter_defaults` of the original (its `-e` files merged in order, THT's own environment
//! files included where dcnc has their data) against those of what `dcnc build` of the imported
//! spec deploys (its generated `deploy.sh` read the same way: its THT files, the files it keeps,
//! its generated env files). Exports (`openstack overcloud export`, `export ceph`) are made when
//! the scripts run, on both sides, and are compared as files, not values.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use super::bash::{self, Var};
use super::deployment::{Origin, Setting, StackDeploy, THT_ROOT};
use super::report::{Change, OnPurpose};
use super::source::{FileId, Kind, SourceFile, Sources};
use super::tripleo::{self, Op};
use super::Imported;
use crate::emit::{owner, StackRef, Tree};
use crate::graph::StepKind;
use crate::kinds::SiteKind;
use crate::params::{self, ParamType};

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

/// Why dcnc gives heat `bv` for parameter `k` of `stack` where the original gives `av`, when it
/// does so on purpose: a change the import recorded (`Report::on_purpose`), dcnc's own hiera in
/// `ExtraConfig`, or (`later`: the original's parameters after its update, in the comparison of
/// a first deploy) a value the original sets only in its update. `None`: a loss.
#[allow(clippy::too_many_arguments)]
fn on_purpose(
    imp: &Imported,
    stack: &str,
    k: &str,
    av: Option<&Json>,
    bv: Option<&Json>,
    ty: Option<ParamType>,
    default: Option<&Json>,
    later: Option<&BTreeMap<String, Setting>>,
) -> Option<String> {
    let recorded: Vec<&OnPurpose> = (imp.report.on_purpose.iter())
        .filter(|o| o.stack == stack && o.param == k)
        .collect();
    for o in &recorded {
        if let Change::Value { original, dcnc } = &o.change {
            if equal(k, av, original.as_ref().or(default), ty) && equal(k, bv, Some(dcnc), ty) {
                return Some(o.mark());
            }
        }
    }
    let renames: Vec<&&OnPurpose> = (recorded.iter())
        .filter(|o| matches!(o.change, Change::Key { .. }))
        .collect();
    if let (false, Some(Json::Object(m))) = (renames.is_empty(), av) {
        let mut renamed = m.clone();
        for o in &renames {
            if let Change::Key { from, to } = &o.change {
                if let Some(v) = renamed.remove(from) {
                    renamed.insert(to.clone(), v);
                }
            }
        }
        if equal(k, Some(&Json::Object(renamed)), bv, ty) {
            let why: Vec<String> = renames.iter().map(|o| o.mark()).collect();
            return Some(why.join("; "));
        }
    }
    if k == "ExtraConfig" {
        // dcnc's own hiera, where the original does not set it
        let mut ours = bv
            .cloned()
            .unwrap_or_else(|| Json::Object(Default::default()));
        let mut added = Vec::new();
        for (path, _) in crate::check::OWNED_HIERA {
            let theirs = av.and_then(|a| path.iter().try_fold(a, |v, p| v.get(*p)));
            if theirs.is_some() {
                continue;
            }
            if remove_path(&mut ours, path) {
                added.push(path.join(" / "));
            }
        }
        let empty =
            |v: Option<&Json>| v.is_none_or(|v| v.as_object().is_some_and(|o| o.is_empty()));
        let same = (empty(av) && empty(Some(&ours))) || equal(k, av, Some(&ours), ty);
        if same && !added.is_empty() {
            return Some(format!(
                "dcnc turns Nova's download guard on ({}) where THT has no parameter for it, so a boot at the edge of an image not yet in its store is refused instead of downloading the image and uploading it flat, not copy-on-write, on every boot, dcnc explain DCN050",
                added.join(", ")
            ));
        }
    }
    if let Some(after) = later {
        let l = after.get(k);
        let lv = l.map(|s| &s.value).or(default);
        if equal(k, bv, lv, ty) && !equal(k, av, lv, ty) {
            let at = match l.map(|s| &s.origin) {
                Some(Origin::File { value, .. }) => format!(" ({})", imp.read.sources.show(*value)),
                _ => String::new(),
            };
            return Some(format!(
                "the original sets it only in its update{at}; dcnc's first deploy already sets what the update leaves, and the update compares the same, dcnc explain DCN095"
            ));
        }
    }
    None
}

/// Removes the leaf at `path` (and the maps it leaves empty); whether there was one.
fn remove_path(v: &mut Json, path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let Some(m) = v.as_object_mut() else {
        return false;
    };
    if rest.is_empty() {
        return m.remove(*first).is_some();
    }
    let Some(child) = m.get_mut(*first) else {
        return false;
    };
    let removed = remove_path(child, rest);
    if removed && child.as_object().is_some_and(|o| o.is_empty()) {
        m.remove(*first);
    }
    removed
}

/// Where the deployment's files name fsid `fsid` of a cluster (a CephExternalMultiConfig entry).
fn known_fsid(imp: &Imported, fsid: &str) -> Option<super::source::Loc> {
    let mut ids: Vec<&FileId> = imp.read.envs.keys().collect();
    ids.sort();
    for id in ids {
        let env = &imp.read.envs[id];
        for p in env
            .params
            .iter()
            .filter(|p| p.key == "CephExternalMultiConfig")
        {
            for item in p.value.items() {
                if let Some(f) = item.get("fsid") {
                    if f.as_str() == Some(fsid) {
                        return Some(super::source::Loc::new(*id, f.span));
                    }
                }
            }
        }
    }
    None
}

/// Whether generated file `path` (`stacks/<stack>/X`) is applied by central's update only.
fn is_update(d: &crate::model::Deployment, sref: StackRef, stack: &str, path: &str) -> bool {
    let file = path
        .strip_prefix(&format!("stacks/{stack}/"))
        .unwrap_or(path);
    owner(d, sref, file) == StepKind::UpdateCentral
}

/// The `-e` files of a generated deploy.sh, read as bash reads them.
fn dcnc_envs(script: &str, home: &str, tht: &str, sources: &Sources) -> Vec<DcncEnv> {
    let mut env = BTreeMap::new();
    env.insert("HOME".to_string(), Var::Str(home.to_string()));
    let s = bash::parse(script, &env);
    let work = match s.vars.get("WORK") {
        Some(Var::Str(w)) => w.clone(),
        _ => String::new(),
    };
    let mut out = Vec::new();
    for c in &s.commands {
        let Some(Op::Deploy(dep)) = tripleo::recognize(c, FileId(0)) else {
            continue;
        };
        for w in &dep.env_files {
            let t = &w.text;
            let e = if let Some(rel) = t.strip_prefix(&format!("{tht}/")) {
                DcncEnv::Tht(rel.to_string())
            } else if !work.is_empty() && t.starts_with(&format!("{work}/")) {
                DcncEnv::Runtime(t.clone())
            } else if let Some(i) = t.find(")/env/") {
                // "$HERE/env/x.yaml": HERE is the script's own directory
                DcncEnv::Generated(format!("env/{}", &t[i + ")/env/".len()..]))
            } else {
                let id = t
                    .strip_prefix(&format!("{home}/"))
                    .and_then(|rel| sources.find(rel));
                DcncEnv::Kept(t.clone(), id)
            };
            out.push(e);
        }
    }
    out
}

/// The effective parameters of dcnc's `-e` files, merged as heat merges them.
fn effective(
    envs: &[DcncEnv],
    tree: &Tree,
    stack: &str,
    imp: &Imported,
    version: &str,
) -> BTreeMap<String, Setting> {
    // Build a small directory of the generated files, then merge like the original's.
    let mut sources = Sources::default();
    let mut out: BTreeMap<String, Setting> = BTreeMap::new();
    let mut put = |out: &mut BTreeMap<String, Setting>, k: &str, v: Json, origin: Origin| {
        if v.is_null() {
            return;
        }
        let old = out.remove(k);
        out.insert(
            k.to_string(),
            Setting {
                value: v,
                origin,
                replaced: old.map(|o| vec![(o.origin, o.value)]).unwrap_or_default(),
            },
        );
    };
    for e in envs {
        match e {
            DcncEnv::Tht(rel) => {
                if let Some(Json::Object(p)) =
                    params::environment(version, rel).and_then(|e| e.get("parameter_defaults"))
                {
                    for (k, v) in p {
                        put(&mut out, k, v.clone(), Origin::Tht(rel.clone()));
                    }
                }
            }
            DcncEnv::Generated(rel) => {
                let path = format!("stacks/{stack}/{rel}");
                let Some(art) = tree.get(&path) else {
                    continue;
                };
                let id = sources.add(SourceFile {
                    path: path.clone(),
                    text: art.content.clone(),
                    kind: Kind::Yaml,
                    written_by: None,
                });
                if let Ok(env) = super::heat::read_env(&sources, id) {
                    for p in &env.params {
                        put(
                            &mut out,
                            &p.key,
                            p.value.to_json(),
                            Origin::Tht(format!("<dcnc>{path}")),
                        );
                    }
                }
            }
            DcncEnv::Kept(_, Some(id)) => {
                if let Some(env) = imp.read.envs.get(id) {
                    for p in &env.params {
                        put(
                            &mut out,
                            &p.key,
                            p.value.to_json(),
                            Origin::File {
                                key: p.key_loc,
                                value: p.value_loc,
                            },
                        );
                    }
                }
            }
            DcncEnv::Runtime(t) if t.ends_with("/deployed-baremetal.yaml") => {
                // What `openstack overcloud node provision` of the generated baremetal.yaml writes:
                // each role's count, its nodes placed by their node:<tag> capability (the
                // hint the classic flow gives heat, expanded per index)
                let path = format!("stacks/{stack}/baremetal.yaml");
                let Some(art) = tree.get(&path) else {
                    continue;
                };
                let id = sources.add(SourceFile {
                    path: path.clone(),
                    text: art.content.clone(),
                    kind: Kind::Yaml,
                    written_by: None,
                });
                let origin = || Origin::Tht(format!("<dcnc>{path} (node provision)"));
                let roles = super::heat::read_baremetal(&sources, id).unwrap_or_default();
                for (k, v, _) in super::heat::provisioned_params(&roles) {
                    put(&mut out, &k, v, origin());
                }
            }
            DcncEnv::Kept(_, None) | DcncEnv::Runtime(_) => {}
        }
    }
    // Values generated by dcnc have the path of the generated file as their origin.
    let _ = &mut put;
    out
}

fn equal(key: &str, a: Option<&Json>, b: Option<&Json>, ty: Option<ParamType>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => normal_param(key, a, ty) == normal_param(key, b, ty),
        _ => false,
    }
}

/// A value as heat's consumers read it: `GlanceMultistoreConfig` entries without a
/// `CephClientUserName` take the global one (puppet-tripleo's glance backend rbd.pp), which is
/// `openstack` unless the stack sets another.
fn normal_param(key: &str, v: &Json, ty: Option<ParamType>) -> Json {
    let mut n = normal(v, ty);
    if key == "GlanceMultistoreConfig" {
        if let Json::Object(stores) = &mut n {
            for e in stores.values_mut() {
                if let Json::Object(e) = e {
                    if e.get("CephClientUserName").and_then(Json::as_str) == Some("openstack") {
                        e.remove("CephClientUserName");
                    }
                }
            }
        }
    }
    n
}

fn normal(v: &Json, ty: Option<ParamType>) -> Json {
    match (ty, v) {
        (Some(ParamType::CommaDelimitedList), Json::String(s)) => Json::Array(
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(|x| Json::String(x.trim().to_string()))
                .collect(),
        ),
        (Some(ParamType::CommaDelimitedList), Json::Array(a)) => Json::Array(
            a.iter()
                .map(|x| {
                    Json::String(
                        x.as_str()
                            .map_or_else(|| x.to_string(), |s| s.trim().to_string()),
                    )
                })
                .collect(),
        ),
        (Some(ParamType::Boolean), _) => super::mapping::heat_bool(v).map_or(v.clone(), Json::Bool),
        (Some(ParamType::Number), Json::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(v.clone(), Json::Number),
        (Some(ParamType::Number), Json::Number(n)) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(v.clone(), Json::Number),
        (Some(ParamType::Json), Json::String(s)) => serde_json::from_str(s).unwrap_or(v.clone()),
        (Some(ParamType::String), Json::Bool(b)) => {
            Json::String(if *b { "True" } else { "False" }.into())
        }
        (Some(ParamType::String), Json::Number(n)) => Json::String(n.to_string()),
        _ => v.clone(),
    }
}

fn show(v: Option<&Json>, default: Option<&Json>) -> String {
    match (v, default) {
        (Some(v), _) => compact(v),
        (None, Some(d)) => format!("{} (THT's default)", compact(d)),
        (None, None) => "not set".into(),
    }
}

fn compact(v: &Json) -> String {
    let s = match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}

fn origin_text(s: Option<&Setting>, sources: &Sources) -> String {
    match s.map(|s| &s.origin) {
        None => String::new(),
        Some(Origin::File { value, .. }) => sources.show(*value),
        Some(Origin::Tht(t)) => match t.strip_prefix("<dcnc>") {
            Some(p) => p.to_string(),
            None => format!("THT {t}"),
        },
        Some(Origin::Cli(l)) => format!("{} (command line)", sources.show(*l)),
        Some(Origin::Export(l)) => format!("{} (an export)", sources.show(*l)),
    }
}
