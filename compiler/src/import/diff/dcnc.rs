//! dcnc's side of the round trip: the `-e` files of a generated deploy.sh, read as bash reads
//! them, which of them central's update applies, and the parameters they set, merged as heat
//! merges them.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::DcncEnv;
use crate::emit::{owner, StackRef, Tree};
use crate::graph::StepKind;
use crate::import::bash::{self, Var};
use crate::import::deployment::{Origin, Setting};
use crate::import::heat;
use crate::import::source::{FileId, Kind, SourceFile, Sources};
use crate::import::tripleo::{self, Op};
use crate::import::Imported;
use crate::params;

/// Whether generated file `path` (`stacks/<stack>/X`) is applied by central's update only.
pub(super) fn is_update(
    d: &crate::model::Deployment,
    sref: StackRef,
    stack: &str,
    path: &str,
) -> bool {
    let file = path
        .strip_prefix(&format!("stacks/{stack}/"))
        .unwrap_or(path);
    owner(d, sref, file) == StepKind::UpdateCentral
}

/// The `-e` files of a generated deploy.sh, read as bash reads them.
pub(super) fn dcnc_envs(script: &str, home: &str, tht: &str, sources: &Sources) -> Vec<DcncEnv> {
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

/// Heat's value of `k` after one more of dcnc's files sets it to `v` (a null changes nothing).
fn put(out: &mut BTreeMap<String, Setting>, k: &str, v: Json, origin: Origin) {
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
}

/// File `path` of the generated tree added to `sources` (as YAML, where heat's reader takes
/// it); `None` when the tree has no such file.
fn add_tree_file(sources: &mut Sources, tree: &Tree, path: &str) -> Option<FileId> {
    let art = tree.get(path)?;
    Some(sources.add(SourceFile {
        path: path.to_string(),
        text: art.content.clone(),
        kind: Kind::Yaml,
        written_by: None,
    }))
}

/// The effective parameters of dcnc's `-e` files, merged as heat merges them. Values of
/// generated files have the path of the generated file as their origin.
pub(super) fn effective(
    envs: &[DcncEnv],
    tree: &Tree,
    stack: &str,
    imp: &Imported,
    version: &str,
) -> BTreeMap<String, Setting> {
    // Build a small directory of the generated files, then merge like the original's.
    let mut sources = Sources::default();
    let mut out: BTreeMap<String, Setting> = BTreeMap::new();
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
                let Some(id) = add_tree_file(&mut sources, tree, &path) else {
                    continue;
                };
                if let Ok(env) = heat::read_env(&sources, id) {
                    for p in &env.params {
                        let origin = Origin::Tht(format!("<dcnc>{path}"));
                        put(&mut out, &p.key, p.value.to_json(), origin);
                    }
                }
            }
            DcncEnv::Kept(_, Some(id)) => {
                if let Some(env) = imp.read.envs.get(id) {
                    for p in &env.params {
                        let origin = Origin::File {
                            key: p.key_loc,
                            value: p.value_loc,
                        };
                        put(&mut out, &p.key, p.value.to_json(), origin);
                    }
                }
            }
            DcncEnv::Runtime(t) if t.ends_with("/deployed-baremetal.yaml") => {
                // What `openstack overcloud node provision` of the generated baremetal.yaml writes:
                // each role's count, its nodes placed by their node:<tag> capability (the
                // hint the classic flow gives heat, expanded per index)
                let path = format!("stacks/{stack}/baremetal.yaml");
                let Some(id) = add_tree_file(&mut sources, tree, &path) else {
                    continue;
                };
                let origin = || Origin::Tht(format!("<dcnc>{path} (node provision)"));
                let roles = heat::read_baremetal(&sources, id).unwrap_or_default();
                for (k, v, _) in heat::provisioned_params(&roles) {
                    put(&mut out, &k, v, origin());
                }
            }
            DcncEnv::Runtime(t) if t.ends_with("/containers-prepare-parameter.yaml") => {
                // what deploy.sh's `openstack tripleo container image prepare default
                // --local-push-destination` writes there (`container_images: prepare`)
                let origin = Origin::Tht(format!(
                    "<dcnc>stacks/{stack}/deploy.sh (container image prepare)"
                ));
                let v = crate::import::deployment::prepared_images(true);
                put(&mut out, "ContainerImagePrepare", v, origin);
            }
            DcncEnv::Kept(_, None) | DcncEnv::Runtime(_) => {}
        }
    }
    out
}
