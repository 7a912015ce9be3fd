//! A deploy's effective `parameter_defaults`, merged from its `-e` files as heat merges them,
//! and the roles its roles file (or `roles generate`, or THT's default) gives it.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::scripts::script_dir;
use super::{absolute, Origin, PathRef, Read, Res, RoleIn, RolesSource, Setting, StackDeploy};
use crate::diag::Span;
use crate::import::heat::{self, RoleDef};
use crate::import::source::{FileId, Loc};
use crate::import::tripleo::Op;

/// How heat merges parameters of several environment files (heat/engine/environment_util.py,
/// `merge_environments`, server-side as python-tripleoclient 15+ has it do): each file's value
/// replaces the one before (`overwrite`), unless the file's `parameter_merge_strategies` says
/// `merge` (maps: keys added, lists: appended) or `deep_merge` (recursively); a null changes
/// nothing.
fn merge_value(old: &Json, new: &Json, strategy: &str) -> Json {
    match (strategy, old, new) {
        ("merge" | "deep_merge", Json::Object(o), Json::Object(n)) => {
            let mut out = o.clone();
            for (k, v) in n {
                if v.is_null() {
                    continue;
                }
                let merged = match (strategy, out.get(k)) {
                    ("deep_merge", Some(old)) => merge_value(old, v, strategy),
                    _ => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Json::Object(out)
        }
        ("merge" | "deep_merge", Json::Array(o), Json::Array(n)) => {
            Json::Array(o.iter().chain(n).cloned().collect())
        }
        _ => new.clone(),
    }
}

/// One more environment file's `value` of `key`, merged into `out` as heat merges it (a null
/// changes nothing); the value it replaces is kept with its origin.
fn set(
    out: &mut BTreeMap<String, Setting>,
    key: &str,
    value: Json,
    origin: Origin,
    strategy: &str,
) {
    if value.is_null() {
        return;
    }
    match out.get_mut(key) {
        Some(s) => {
            let merged = merge_value(&s.value, &value, strategy);
            let old = std::mem::replace(&mut s.value, merged);
            let old_origin = std::mem::replace(&mut s.origin, origin);
            s.replaced.push((old_origin, old));
        }
        None => {
            out.insert(
                key.to_string(),
                Setting {
                    value,
                    origin,
                    replaced: Vec::new(),
                },
            );
        }
    }
}

/// The `parameter_defaults` of THT environment file `rel`, where dcnc has the release's data.
fn tht_params(out: &mut BTreeMap<String, Setting>, tht_version: &str, rel: &str) {
    let Some(env) = crate::params::environment(tht_version, rel) else {
        return;
    };
    if let Some(Json::Object(p)) = env.get("parameter_defaults") {
        for (k, v) in p {
            set(out, k, v.clone(), Origin::Tht(rel.to_string()), "overwrite");
        }
    }
}

impl Read {
    /// The effective `parameter_defaults` of one deploy: its `-e` files in order (THT files from
    /// the release's data where dcnc has it; `--ntp-server` before every file, as
    /// python-tripleoclient puts its parameters environment first).
    pub fn effective(&self, d: &StackDeploy, tht_version: &str) -> BTreeMap<String, Setting> {
        let mut out: BTreeMap<String, Setting> = BTreeMap::new();
        if let Some(ntp) = &d.ntp_server {
            set(
                &mut out,
                "NtpServer",
                Json::String(ntp.text.clone()),
                Origin::Cli(Loc::new(d.loc.file, ntp.span)),
                "overwrite",
            );
        }
        for e in &d.envs {
            match &e.res {
                Res::Tht(rel) => tht_params(&mut out, tht_version, rel),
                Res::File(id) | Res::Export { file: Some(id), .. } => {
                    self.file_params(&mut out, e, *id)
                }
                Res::Provisioned => self.provisioned_params(&mut out, e),
                Res::Export { file: None, .. } | Res::Missing => {}
            }
        }
        out
    }

    /// The parameters of an environment file of the directory (or an export's copy there), each
    /// merged by the file's `parameter_merge_strategies`.
    fn file_params(&self, out: &mut BTreeMap<String, Setting>, e: &PathRef, id: FileId) {
        let Some(env) = self.envs.get(&id) else {
            return;
        };
        let strategy_of = |key: &str| {
            let find = |k: &str| {
                env.merge
                    .iter()
                    .rev()
                    .find(|m| m.key == k)
                    .and_then(|m| m.value.as_str().map(str::to_string))
            };
            find(key)
                .or_else(|| find("default"))
                .unwrap_or_else(|| "overwrite".into())
        };
        let export = matches!(e.res, Res::Export { .. });
        for p in env.params.iter().chain(&env.top_params) {
            let origin = if export {
                Origin::Export(p.value_loc)
            } else {
                Origin::File {
                    key: p.key_loc,
                    value: p.value_loc,
                }
            };
            set(out, &p.key, p.value.to_json(), origin, &strategy_of(&p.key));
        }
    }

    /// What a file made when the scripts run sets: `node provision -o <this file> BAREMETAL`
    /// the counts and placement of BAREMETAL (read the way the round trip reads dcnc's own
    /// baremetal.yaml), `ceph deploy --cluster X -o <this file>` CephClusterName.
    fn provisioned_params(&self, out: &mut BTreeMap<String, Setting>, e: &PathRef) {
        if let Some(id) = self.node_provision_output(&e.abs) {
            let roles = heat::read_baremetal(&self.sources, id);
            for (k, v, at) in heat::provisioned_params(&roles.unwrap_or_default()) {
                let origin = Origin::File { key: at, value: at };
                set(out, &k, v, origin, "overwrite");
            }
        }
        // `container image prepare default --output-env-file <this file>`: ContainerImagePrepare
        if let Some((loc, push)) = self.container_prepare(&e.abs) {
            let v = super::prepared_images(push);
            set(
                out,
                "ContainerImagePrepare",
                v,
                Origin::Cli(loc),
                "overwrite",
            );
        }
        // `ceph deploy --cluster X -o <this file>`: the file sets CephClusterName
        if let Some((name, loc)) = self.ceph_deploy_output(&e.abs) {
            set(
                out,
                "CephClusterName",
                Json::String(name),
                Origin::Cli(loc),
                "overwrite",
            );
        }
    }

    /// The roles a deploy's roles file gives, and where they come from.
    pub fn roles(&self, d: &StackDeploy) -> (Vec<RoleIn>, RolesSource) {
        let Some(rf) = &d.roles_file else {
            // THT's roles_data.yaml
            let roles = [
                "Controller",
                "Compute",
                "BlockStorage",
                "ObjectStorage",
                "CephStorage",
            ]
            .iter()
            .map(|n| RoleIn {
                name: n.to_string(),
                base: None,
                loc: d.loc,
                services: None,
                count_default: None,
                networks: None,
                default_route: None,
            })
            .collect();
            return (roles, RolesSource::Default);
        };
        // Made by `roles generate -o <this path>`?
        for (file, op) in self.ops.iter().rev() {
            let Op::RolesGenerate(g) = op else { continue };
            let Some(out) = &g.output else { continue };
            let dir = script_dir(&self.sources, *file, &self.options);
            if absolute(&out.text, &dir) != rf.abs {
                continue;
            }
            let roles = g
                .roles
                .iter()
                .map(|w| {
                    let (base, name) = match w.text.split_once(':') {
                        Some((b, n)) => (Some(b.to_string()), n.to_string()),
                        None => (None, w.text.clone()),
                    };
                    RoleIn {
                        name,
                        base,
                        loc: Loc::new(*file, w.span),
                        services: None,
                        count_default: None,
                        networks: None,
                        default_route: None,
                    }
                })
                .collect();
            return (
                roles,
                RolesSource::Generated(g.loc.unwrap_or(Loc::new(*file, Span::default()))),
            );
        }
        match &rf.res {
            Res::File(id) => match heat::read_roles(&self.sources, *id) {
                Ok(defs) => (
                    defs.into_iter().map(role_in).collect(),
                    RolesSource::File(*id),
                ),
                Err(_) => (Vec::new(), RolesSource::Missing(rf.loc)),
            },
            _ => (Vec::new(), RolesSource::Missing(rf.loc)),
        }
    }
}

fn role_in(d: RoleDef) -> RoleIn {
    RoleIn {
        name: d.name,
        base: None,
        loc: d.loc,
        services: Some(d.services),
        count_default: d.count_default,
        networks: d.networks,
        default_route: d.default_route,
    }
}
