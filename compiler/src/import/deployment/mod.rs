//! The deployment as its scripts run it: every TripleO command of every script, each stack's
//! `openstack overcloud deploy` commands with their `-e` files resolved (a file of the
//! directory, a THT file, the output of an export, or missing), and a stack's effective
//! `parameter_defaults` merged in `-e` order, as heat merges them.
//!
//! Paths: the directory imported stands for the stack user's home (`Options::home`, default
//! `/home/stack`), so `~/dcn0/glance.yaml` and `/home/stack/dcn0/glance.yaml` are its
//! `dcn0/glance.yaml`; a relative path is taken from the script's own directory; any other
//! absolute path matches the one file of the directory that ends the same way, if there is one.
//!
//! This file holds what a read deployment is (`Read`, its deploys, paths and settings) and
//! `read`; `scripts.rs` runs the scripts (here-documents, TripleO commands, scripts called with
//! arguments), `paths.rs` resolves the paths a deploy names, `effective.rs` merges a deploy's
//! parameters as heat does and finds its roles.

mod effective;
mod paths;
mod scripts;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde_json::Value as Json;

use super::bash::Word;
use super::heat::{self, Env};
use super::source::{FileId, ImportError, Kind, Loc, Sources};
use super::tripleo::{self, Op};
pub use paths::absolute;
use paths::{find_file, resolve_deploy};
use scripts::{run_script, script_dir};

/// Where THT is installed on an undercloud, unless `--templates` says otherwise.
pub const THT_ROOT: &str = "/usr/share/openstack-tripleo-heat-templates";

/// What heat gets as `ContainerImagePrepare` from a file `openstack tripleo container image
/// prepare default` wrote (the release's defaults: import does not run it), with and without
/// `--local-push-destination`; both sides of the round trip give heat the same stand-in.
pub fn prepared_images(local_push: bool) -> Json {
    Json::String(if local_push {
        "<the release's defaults, push_destination: true (openstack tripleo container image prepare default --local-push-destination)>".into()
    } else {
        "<the release's defaults (openstack tripleo container image prepare default)>".into()
    })
}

/// What an import reads a directory as.
#[derive(Clone, Debug)]
pub struct Options {
    /// The stack user's home on the undercloud, which the directory stands for.
    pub home: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            home: "/home/stack".into(),
        }
    }
}

/// What a path of a command is.
#[derive(Clone, Debug, PartialEq)]
pub enum Res {
    /// A file of tripleo-heat-templates, relative to its root.
    Tht(String),
    /// A file of the directory.
    File(FileId),
    /// The output of `openstack overcloud export` (`ceph: false`) or `export ceph`: made when
    /// the scripts run. `op`: the export command (none: the export `overcloud deploy` of
    /// python-tripleoclient 16 and later writes itself, `~/overcloud-deploy/<stack>/<stack>-export.yaml`).
    /// `file`: the directory holds a copy.
    Export {
        ceph: bool,
        op: Option<usize>,
        file: Option<FileId>,
    },
    /// Made when the scripts run: the output of `node provision`, `ceph deploy` (a
    /// `deployed-*.yaml`), or a file a script of the directory writes with `>`.
    Provisioned,
    /// Nothing import can read.
    Missing,
}

/// A path a command names, as written and as resolved.
#[derive(Clone, Debug)]
pub struct PathRef {
    pub word: Word,
    pub loc: Loc,
    /// The absolute path on the undercloud.
    pub abs: String,
    pub res: Res,
}

/// One `openstack overcloud deploy` of a stack.
#[derive(Clone, Debug)]
pub struct StackDeploy {
    /// Index into [`Read::ops`].
    pub op: usize,
    pub loc: Loc,
    pub stack: String,
    pub stack_loc: Loc,
    pub tht_root: String,
    pub envs: Vec<PathRef>,
    pub roles_file: Option<PathRef>,
    pub network_data: Option<PathRef>,
    pub ntp_server: Option<Word>,
    pub baremetal: Option<PathRef>,
    /// The command of another script that ran this deploy's script with arguments.
    pub via: Option<Loc>,
}

/// The roles a deploy's roles file gives it, and where that came from.
#[derive(Clone, Debug)]
pub struct RoleIn {
    pub name: String,
    /// `roles generate Base:Name`.
    pub base: Option<String>,
    pub loc: Loc,
    /// Its services, when a roles file of the directory lists them.
    pub services: Option<Vec<String>>,
    pub count_default: Option<u32>,
    /// Its networks, when a roles file of the directory lists them.
    pub networks: Option<Vec<heat::RoleNet>>,
    /// Its `default_route_networks`, when a roles file of the directory gives them.
    pub default_route: Option<(Vec<String>, Loc)>,
}

/// Where the roles of a stack come from.
#[derive(Clone, Debug)]
pub enum RolesSource {
    /// `openstack overcloud roles generate` at this place.
    Generated(Loc),
    /// A roles file of the directory.
    File(FileId),
    /// No `-r`: THT's `roles_data.yaml`.
    Default,
    /// A roles file import cannot read.
    Missing(Loc),
}

/// Every file and command of the directory.
pub struct Read {
    pub sources: Sources,
    pub options: Options,
    /// Every recognized TripleO command, in script order (scripts by path).
    pub ops: Vec<(FileId, Op)>,
    /// For each operation, the command of another script that ran its script with arguments.
    pub via: Vec<Option<Loc>>,
    /// Variables that scripts use without setting, and command substitutions.
    pub unresolved: Vec<(Loc, String)>,
    pub deploys: Vec<StackDeploy>,
    /// Environment files read (referenced by a deploy).
    pub envs: HashMap<FileId, Env>,
    /// Broken files a deploy reads: import stops on them.
    pub errors: Vec<ImportError>,
    /// Heredocs written to files: their file ids.
    pub heredocs: Vec<FileId>,
    /// Absolute paths that scripts write with `>` (outputs of the scripts, made when they run).
    pub written: Vec<String>,
    /// `cp SRC DST` of the scripts: absolute (source, destination), in script order.
    pub copies: Vec<(String, String)>,
}

/// The value of an effective parameter and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// `key: value` of an environment file of the directory.
    File { key: Loc, value: Loc },
    /// A THT environment file.
    Tht(String),
    /// A command-line option (`--ntp-server`).
    Cli(Loc),
    /// The output of an export.
    Export(Loc),
}

/// A parameter as heat ends up with it for one deploy.
#[derive(Clone, Debug)]
pub struct Setting {
    pub value: Json,
    pub origin: Origin,
    /// Values of earlier `-e` files that this one replaced, in order.
    pub replaced: Vec<(Origin, Json)>,
}

impl Read {
    pub fn deploys_of<'a>(&'a self, stack: &'a str) -> impl Iterator<Item = &'a StackDeploy> {
        self.deploys.iter().filter(move |d| d.stack == stack)
    }

    /// The stack names, in the order of their first deploy.
    pub fn stacks(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for d in &self.deploys {
            if !out.contains(&d.stack) {
                out.push(d.stack.clone());
            }
        }
        out
    }

    /// The file of the directory a path word of a script names.
    pub fn file_of(&self, script: FileId, w: &Word) -> Option<FileId> {
        let dir = script_dir(&self.sources, script, &self.options);
        find_file(&self.sources, &absolute(&w.text, &dir), &self.options.home)
    }

    /// The `openstack tripleo container image prepare default` that wrote `abs` (its
    /// `--output-env-file`, or a file a script moved or copied it to): where, and whether it
    /// pushes into the undercloud's registry.
    pub fn container_prepare(&self, abs: &str) -> Option<(Loc, bool)> {
        self.ops.iter().find_map(|(file, op)| match op {
            Op::ContainerPrepare(c) => {
                let out = self.abs_of(*file, c.output.as_ref()?);
                let moved = self
                    .copies
                    .iter()
                    .any(|(src, dst)| *src == out && dst == abs);
                (out == abs || moved).then_some((c.loc, c.local_push))
            }
            _ => None,
        })
    }

    /// The absolute path a path word of a script names.
    pub fn abs_of(&self, script: FileId, w: &Word) -> String {
        absolute(&w.text, &script_dir(&self.sources, script, &self.options))
    }

    /// The baremetal deployment file of a stack: its deploy's `--baremetal-deployment`, or the
    /// input of its `openstack overcloud node provision`.
    pub fn baremetal_file(&self, d: &StackDeploy) -> Option<FileId> {
        if let Some(PathRef {
            res: Res::File(id), ..
        }) = &d.baremetal
        {
            return Some(*id);
        }
        self.ops.iter().find_map(|(file, op)| match op {
            Op::Provision(p) if !p.ceph && p.stack.as_ref().is_some_and(|s| s.text == d.stack) => {
                self.file_of(*file, p.input.as_ref()?)
            }
            _ => None,
        })
    }

    /// The command that provisions a stack's nodes from its baremetal file, and whether it
    /// passes `--network-config`: the deploy itself with `--baremetal-deployment`, or its
    /// `openstack overcloud node provision`.
    pub fn node_provision(&self, d: &StackDeploy) -> Option<(Loc, bool)> {
        if d.baremetal.is_some() {
            let Op::Deploy(dep) = &self.ops.get(d.op)?.1 else {
                return None;
            };
            return Some((
                d.loc,
                dep.other.iter().any(|w| w.text == "--network-config"),
            ));
        }
        self.ops.iter().find_map(|(_, op)| match op {
            Op::Provision(p) if !p.ceph && p.stack.as_ref().is_some_and(|s| s.text == d.stack) => {
                Some((p.loc?, p.network_config))
            }
            _ => None,
        })
    }

    /// The files the `openstack overcloud ceph deploy` of `stack` reads besides the deployed
    /// metal: its `--osd-spec` and its `--config`, when the directory holds them.
    pub fn ceph_deploy_files(&self, stack: &str) -> (Option<FileId>, Option<FileId>) {
        (self.ops.iter())
            .find_map(|(file, op)| match op {
                Op::Provision(p) if p.ceph && p.stack.as_ref().is_some_and(|s| s.text == stack) => {
                    let of = |w: &Option<Word>| w.as_ref().and_then(|w| self.file_of(*file, w));
                    Some((of(&p.osd_spec), of(&p.config)))
                }
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The cluster of the `openstack overcloud ceph deploy` whose output is `abs`, and where its
    /// `--cluster` is written: the deployed-ceph file it writes sets CephClusterName.
    /// The baremetal deployment file of the `openstack overcloud node provision` whose `-o` is
    /// `abs`, when the directory holds it.
    fn node_provision_output(&self, abs: &str) -> Option<FileId> {
        self.ops.iter().find_map(|(file, op)| match op {
            Op::Provision(p) if !p.ceph => {
                let dir = script_dir(&self.sources, *file, &self.options);
                let out = p.output.as_ref()?;
                (absolute(&out.text, &dir) == abs).then_some(())?;
                self.file_of(*file, p.input.as_ref()?)
            }
            _ => None,
        })
    }

    fn ceph_deploy_output(&self, abs: &str) -> Option<(String, Loc)> {
        self.ops.iter().find_map(|(file, op)| match op {
            Op::Provision(p) if p.ceph => {
                let dir = script_dir(&self.sources, *file, &self.options);
                let out = p.output.as_ref()?;
                (absolute(&out.text, &dir) == abs).then_some(())?;
                let c = p.cluster.as_ref()?;
                Some((c.text.clone(), Loc::new(*file, c.span)))
            }
            _ => None,
        })
    }

    /// The export operation with index `i`.
    pub fn export(&self, i: usize) -> Option<&tripleo::Export> {
        match &self.ops.get(i)?.1 {
            Op::Export(e) => Some(e),
            _ => None,
        }
    }
}

/// Reads every script of the directory and resolves what its deploys read.
pub fn read(sources: Sources, options: Options) -> Result<Read, Vec<ImportError>> {
    let mut r = Read {
        sources,
        options,
        ops: Vec::new(),
        via: Vec::new(),
        unresolved: Vec::new(),
        deploys: Vec::new(),
        envs: HashMap::new(),
        errors: Vec::new(),
        heredocs: Vec::new(),
        written: Vec::new(),
        copies: Vec::new(),
    };
    let scripts: Vec<FileId> = (r.sources.ids())
        .filter(|&id| r.sources.get(id).kind == Kind::Script)
        .collect();
    if scripts.is_empty() {
        return Err(vec![ImportError::new(
            ".",
            "holds no deploy script (no *.sh file, nor a file starting with #!/bin/bash)",
        )
        .help(
            "import the directory with the scripts that run `openstack overcloud deploy`",
        )]);
    }
    let mut heredoc_targets: Vec<(String, FileId)> = Vec::new();
    for id in scripts {
        run_script(&mut r, id, None, 0, &mut heredoc_targets);
    }
    let mut deploys = Vec::new();
    for (i, (file, op)) in r.ops.iter().enumerate() {
        if let Op::Deploy(d) = op {
            let mut sd = resolve_deploy(&r, i, *file, d, &heredoc_targets);
            sd.via = r.via[i];
            deploys.push(sd);
        }
    }
    if deploys.is_empty() {
        let read: Vec<&str> = (r.sources.ids())
            .filter(|&id| r.sources.get(id).kind == Kind::Script)
            .map(|id| r.sources.path(id))
            .collect();
        r.errors.push(ImportError::new(
            ".",
            "no `openstack overcloud deploy` command found in its scripts",
        )
        .help(format!(
            "read {} without one: import the directory whose scripts deploy the stacks (`openstack overcloud deploy --stack ...`)",
            read.join(", ")
        )));
        return Err(r.errors);
    }
    r.deploys = deploys;
    read_envs(&mut r);
    if r.errors.is_empty() {
        Ok(r)
    } else {
        Err(r.errors)
    }
}

/// Reads every environment file a deploy passes (or the copy of an export it passes); a broken
/// one is an error that stops the import.
fn read_envs(r: &mut Read) {
    let mut ids: Vec<FileId> = Vec::new();
    for d in &r.deploys {
        for e in &d.envs {
            if let Res::File(id) | Res::Export { file: Some(id), .. } = e.res {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    for id in ids {
        match heat::read_env(&r.sources, id) {
            Ok(env) => {
                r.envs.insert(id, env);
            }
            Err(e) => r.errors.push(e),
        }
    }
}
