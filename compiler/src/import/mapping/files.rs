//! What a stack passes besides what dcnc writes: network data, environment files kept whole or
//! replaced by the target's own, the pass-through parameters (without the hiera and policies dcnc
//! owns; never a secret, never an owned parameter import could not map), options set outside
//! TripleO (crudini edits, INI files), and what is left of every stack's parameters.

use serde_json::{Map, Value as Json};

use super::{Mapper, Stack};
use crate::import::deployment::{Origin, PathRef, Res};
use crate::import::heat;
use crate::import::report::{Item, Section};
use crate::import::source::{self, FileId, Loc};
use crate::import::spec_out::{Doc, Field, MapBuilder};
use crate::import::tripleo::Op;

/// A parameter that holds a secret: it never goes into the spec.
fn secret_parameter(key: &str) -> Option<&'static str> {
    match key {
        "CephExtraKeys" => Some("holds cephx keys: dcnc never writes a key into the spec or the tree. for central Glance's own user (`glance.client_user` other than `openstack`) dcnc makes the extra key itself, its key at deploy time; create other extra keys outside the deploy"),
        "CephClientKey" => Some("the key of an external cluster: dcnc reads it at deploy time from where `central.external.key` says (an environment variable or a file), never from the spec"),
        k if k.ends_with("Password") || k.ends_with("Secret") || k.ends_with("Key") && k.starts_with("Ceph") => {
            Some("looks like a secret: dcnc keeps secrets out of the spec; pass it in an environment file of your own (`environment_files`)")
        }
        _ => None,
    }
}

/// Removes the key at `path` (nested maps) from `m`, and every map the removal leaves empty;
/// whether it was there.
fn remove_path(m: &mut serde_json::Map<String, Json>, path: &[&str]) -> bool {
    match path {
        [] => false,
        [k] => m.remove(*k).is_some(),
        [k, rest @ ..] => {
            let Some(inner) = m.get_mut(*k).and_then(Json::as_object_mut) else {
                return false;
            };
            let removed = remove_path(inner, rest);
            if removed && inner.is_empty() {
                m.remove(*k);
            }
            removed
        }
    }
}

/// THT environment files whose work the target's own environment files do: a `-e` of one is
/// replaced (reported).
const STAND_INS: &[&str] = &[
    "environments/podman.yaml",
    "environments/docker.yaml",
    "environments/ceph-ansible/ceph-ansible.yaml",
    "environments/ceph-ansible/ceph-ansible-external.yaml",
    "environments/cephadm/cephadm.yaml",
    "environments/cephadm/cephadm-rbd-only.yaml",
    "environments/external-ceph.yaml",
    "environments/dcn.yaml",
    "environments/dcn-hci.yaml",
    "environments/dcn-storage.yaml",
];

impl Mapper<'_> {
    /// An option a stack's service gets outside TripleO: a `crudini --set` of one of the stack's
    /// scripts (or of a file naming the stack), else an INI file of the directory under a
    /// directory named like the stack (`ansible/dcn0/nova.conf`). The last edit wins.
    pub(super) fn out_of_band(
        &mut self,
        stack: &str,
        section: &str,
        keys: &[&str],
    ) -> Option<(String, Loc)> {
        let in_stack = |path: &str| path.split('/').any(|p| p == stack);
        let mut found = None;
        for (file, op) in &self.read.ops {
            if let Op::Crudini(c) = op {
                let for_stack =
                    in_stack(self.read.sources.path(*file)) || c.file.text.contains(stack);
                if for_stack && c.section == section && keys.contains(&c.key.as_str()) {
                    if let Some(v) = &c.value {
                        found = Some((v.text.clone(), Loc::new(c.loc.file, v.span)));
                    }
                }
            }
        }
        if found.is_some() {
            return found;
        }
        for id in self.read.sources.ids() {
            let f = self.read.sources.get(id);
            let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
            if f.kind != source::Kind::Ini || !in_stack(dir) {
                continue;
            }
            match heat::read_ini(&self.read.sources, id) {
                Ok(opts) => {
                    if let Some(o) = opts
                        .iter()
                        .rev()
                        .find(|o| o.section == section && keys.contains(&o.key.as_str()))
                    {
                        found = Some((o.value.clone(), o.loc));
                    }
                }
                Err(e) => self.report.add(
                    Section::Note,
                    Item::opt(
                        e.span.map(|sp| Loc::new(id, sp)),
                        format!("{} {}", f.path, e.message),
                    ),
                ),
            }
        }
        found
    }

    /// The files a stack passes besides what dcnc writes: network data, environment files that
    /// are more than parameters, THT files the target does not add itself; and the pass-through
    /// parameters of the others.
    pub(super) fn files(&mut self, s: &mut Stack, f: &mut MapBuilder) {
        if let Some(n) = &s.last.network_data {
            // A relative path the directory does not hold is relative to where the script runs
            // (as dcnc's deploy.sh passes a spec's relative `network_data`): kept as written.
            let relative = !n.word.text.starts_with(['/', '~', '$']);
            let path = if relative && matches!(n.res, Res::Missing) {
                &n.word.text
            } else {
                &n.abs
            };
            f.field("network_data", Doc::str(path, Some(n.loc)));
            if matches!(n.res, Res::Missing) {
                self.report.add(
                    Section::Note,
                    Item::at(
                        n.loc,
                        format!(
                            "{}: network data {} is not in the directory",
                            s.name, n.word.text
                        ),
                    ),
                );
            }
        }
        self.networks(s, f);
        let mut keep: Vec<Doc> = Vec::new();
        let mut kept_files: Vec<FileId> = Vec::new();
        let mut target_envs: Vec<&str> = self.target.environments(s.kind, self.external);
        // deploy.sh passes it itself where the client does not (or the client adds it)
        if self
            .target
            .client
            .is_some_and(|c| c.deployed_server_environment)
        {
            target_envs.push(crate::import::diff::DEPLOYED_SERVER_ENVIRONMENT);
        }
        for e in &s.last.envs {
            if let Some((doc, id)) = self.env_file(s, e, &target_envs) {
                kept_files.extend(id);
                keep.push(doc);
            }
        }
        let params = self.pass_through(s, &kept_files);
        if !keep.is_empty() {
            f.field("environment_files", Doc::Seq(keep));
        }
        if !params.is_empty() {
            f.field("parameters", Doc::Map(params));
        }
    }

    /// What becomes of one `-e` file: dropped for the target's own, made by dcnc's scripts, or
    /// kept (`environment_files`: with its file when it is kept whole, its parameters then not
    /// passed through).
    fn env_file(
        &mut self,
        s: &Stack,
        e: &PathRef,
        target_envs: &[&str],
    ) -> Option<(Doc, Option<FileId>)> {
        match &e.res {
            Res::Tht(rel) => {
                if target_envs.contains(&rel.as_str()) {
                    return None;
                }
                if STAND_INS.contains(&rel.as_str()) {
                    self.report.add(
                        Section::Differs,
                        Item::at(e.loc, format!("{}: -e {rel}", s.name)).detail(format!(
                            "dcnc passes target `{}`'s own: {}",
                            self.target.id,
                            target_envs.join(", ")
                        )),
                    );
                    return None;
                }
                Some((
                    Doc::str(format!("{}/{rel}", s.last.tht_root), Some(e.loc)),
                    None,
                ))
            }
            Res::Export { ceph, op, .. } => {
                let what = if *ceph {
                    let stacks = (op.and_then(|op| self.read.export(op)))
                        .map(|x| x.stacks.join(","))
                        .unwrap_or_default();
                    format!("the `export ceph` of {stacks}")
                } else {
                    "the `openstack overcloud export` of the control plane".to_string()
                };
                self.report.add(
                    Section::Mapped,
                    Item::at(e.loc, format!("{}: -e {}", s.name, e.word.text))
                        .detail(format!("{what}: dcnc's scripts make and pass it")),
                );
                None
            }
            Res::Provisioned => {
                self.report.add(
                    Section::Mapped,
                    Item::at(e.loc, format!("{}: -e {}", s.name, e.word.text)).detail(
                        "made when the scripts run (node provision, ceph deploy, or a script's `>`): dcnc's scripts make their own",
                    ),
                );
                None
            }
            Res::Missing => {
                self.report.add(
                    Section::Input,
                    Item::at(
                        e.loc,
                        format!("{}: -e {} is not in the directory", s.name, e.word.text),
                    )
                    .detail("kept as an environment file; import could not read what it sets"),
                );
                Some((Doc::str(&e.abs, Some(e.loc)), None))
            }
            Res::File(id) => self
                .kept_whole(s, e, *id)
                .then(|| (Doc::str(&e.abs, Some(e.loc)), Some(*id))),
        }
    }

    /// Whether an environment file of the directory is kept whole: it holds more than
    /// parameters (reported, and a section heat does not know a problem). One that holds only
    /// CephExternalMultiConfig is made by dcnc's scripts.
    fn kept_whole(&mut self, s: &Stack, e: &PathRef, id: FileId) -> bool {
        let Some(env) = self.read.envs.get(&id) else {
            return false;
        };
        let only_multi = !env.params.is_empty()
            && env
                .params
                .iter()
                .all(|p| p.key == "CephExternalMultiConfig");
        if only_multi {
            self.report.add(
                        Section::Mapped,
                        Item::at(e.loc, format!("{}: -e {}", s.name, e.word.text))
                            .detail("CephExternalMultiConfig: dcnc's scripts make it with `openstack overcloud export ceph`"),
                    );
            return false;
        }
        let more = !env.registry.is_empty()
            || !env.merge.is_empty()
            || !env.top_params.is_empty()
            || !env.unknown_sections.is_empty();
        if !more {
            return false;
        }
        let why = if !env.registry.is_empty() {
            "resource_registry"
        } else if !env.merge.is_empty() {
            "parameter_merge_strategies"
        } else if !env.top_params.is_empty() {
            "parameters"
        } else {
            "a section heat does not know"
        };
        self.report.add(
            Section::KeptFile,
            Item::at(e.loc, format!("{}: {}", s.name, self.read.sources.path(id))).detail(format!(
                "holds {why}: passed as it is (`environment_files`)"
            )),
        );
        for (name, l) in &env.unknown_sections {
            self.report.add(
                            Section::Problem,
                            Item::at(*l, format!("{}: section `{name}` of an environment file", s.name))
                                .detail("heat rejects an environment with a section it does not know (did you mean `parameter_defaults`?)"),
                        );
        }
        true
    }

    /// Pass-through parameters: the effective ones written in a file of the directory that is
    /// not kept whole, and not accounted for; never a secret, never an owned parameter import
    /// could not map.
    fn pass_through(&mut self, s: &mut Stack, kept_files: &[FileId]) -> Vec<Field> {
        let mut params = Vec::new();
        let names: Vec<String> = s.eff.keys().cloned().collect();
        for k in names {
            let v = &s.eff[&k];
            let Origin::File { key, value } = v.origin else {
                continue;
            };
            if s.claimed.contains(&k) || kept_files.contains(&key.file) {
                continue;
            }
            // What dcnc writes into map parameters itself: owned hiera of ExtraConfig, owned
            // Glance policies; the rest of the map passes through.
            let mut value_json = v.value.clone();
            if let Some(m) = value_json.as_object_mut() {
                self.drop_owned(s, &k, value, m);
                if m.is_empty() && !v.value.as_object().is_some_and(|o| o.is_empty()) {
                    s.claimed.insert(k.clone());
                    continue;
                }
            }
            if let Some(reason) = secret_parameter(&k) {
                self.report.add(
                    Section::Secret,
                    Item::at(key, format!("{}: {k}", s.name)).detail(reason),
                );
                s.claimed.insert(k.clone());
                continue;
            }
            if let Some(why) = self.unmappable(&k) {
                self.report.add(
                    Section::Refused,
                    Item::at(key, format!("{}: {k}: {}", s.name, v.value)).detail(why),
                );
                s.claimed.insert(k.clone());
                continue;
            }
            self.report.add(
                Section::PassThrough,
                Item::at(key, format!("{}: {k}", s.name)),
            );
            params.push(Field {
                key: k.clone(),
                value: Doc::Raw(value_json, Some(value)),
                comment: None,
                key_origin: Some(key),
            });
            s.claimed.insert(k);
        }
        params
    }

    /// What dcnc writes into map parameters itself, removed from `m`: owned hiera of
    /// ExtraConfig (reported mapped), owned Glance policies; the rest of the map passes through.
    fn drop_owned(&mut self, s: &Stack, k: &str, value: Loc, m: &mut Map<String, Json>) {
        if k.ends_with("ExtraConfig") {
            for (path, field) in crate::check::OWNED_HIERA {
                if remove_path(m, path) {
                    self.report.add(
                        Section::Mapped,
                        Item::at(value, format!("{}: {k} {}", s.name, path.join(" / ")))
                            .detail(format!("dcnc sets it from {field}")),
                    );
                }
            }
        }
        if k == "GlanceApiPolicies" {
            m.retain(|_, e| {
                let owned = e
                    .get("key")
                    .and_then(Json::as_str)
                    .is_some_and(|p| crate::check::OWNED_POLICIES.contains(&p));
                !owned
            });
        }
    }

    /// Why an owned parameter that import did not map cannot be a pass-through one.
    fn unmappable(&self, key: &str) -> Option<String> {
        let field = crate::check::owned_parameter(key)?;
        Some(format!(
            "dcnc sets it from {field}, and import could not map this value"
        ))
    }

    /// Parameters nobody accounted for (only THT's remain): nothing to do, but a stack whose
    /// parameters come only from THT says so in the report.
    pub(super) fn leftovers(&mut self, s: &Stack) {
        for (k, v) in &s.eff {
            if s.claimed.contains(k) {
                continue;
            }
            if let Origin::Cli(l) = v.origin {
                self.report.add(
                    Section::Refused,
                    Item::at(l, format!("{}: {k} from the command line", s.name))
                        .detail("dcnc's deploy.sh passes no such option"),
                );
            }
            if let Origin::Export(l) = v.origin {
                self.report.add(
                    Section::Mapped,
                    Item::at(l, format!("{}: {k} from an export", s.name))
                        .detail("dcnc's scripts make the exports"),
                );
            }
            let _ = &v.replaced;
        }
    }
}
