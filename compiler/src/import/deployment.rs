//! The deployment as its scripts run it: every TripleO command of every script, each stack's
//! `openstack overcloud deploy` commands with their `-e` files resolved (a file of the
//! directory, a THT file, the output of an export, or missing), and a stack's effective
//! `parameter_defaults` merged in `-e` order, as heat merges them.
//!
//! Paths: the directory imported stands for the stack user's home (`Options::home`, default
//! `/home/stack`), so `~/dcn0/glance.yaml` and `/home/stack/dcn0/glance.yaml` are its
//! `dcn0/glance.yaml`; a relative path is taken from the script's own directory; any other
//! absolute path matches the one file of the directory that ends the same way, if there is one.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;

use super::bash::{self, Var, Word};
use super::heat::{self, Env, RoleDef};
use super::source::{FileId, ImportError, Kind, Loc, SourceFile, Sources};
use super::tripleo::{self, Deploy, Op};
use crate::diag::Span;

/// Where THT is installed on an undercloud, unless `--templates` says otherwise.
pub const THT_ROOT: &str = "/usr/share/openstack-tripleo-heat-templates";

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
    // Read every environment file a deploy passes; a broken one stops the import.
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
    if r.errors.is_empty() {
        Ok(r)
    } else {
        Err(r.errors)
    }
}

/// How deep scripts that run scripts are followed.
const MAX_CALL_DEPTH: usize = 3;

/// Reads one script: its here-documents become files, its TripleO commands operations, and the
/// scripts of the directory it runs with arguments (`bash ~/hub/deploy.sh -e x.yaml`) are read
/// again with those arguments as `$@` and `$1`... (without arguments, `$@` is empty).
fn run_script(
    r: &mut Read,
    id: FileId,
    call: Option<(Vec<String>, Loc)>,
    depth: usize,
    heredoc_targets: &mut Vec<(String, FileId)>,
) {
    let mut env = BTreeMap::new();
    env.insert("HOME".to_string(), Var::Str(r.options.home.clone()));
    let args = call.as_ref().map(|(a, _)| a.clone()).unwrap_or_default();
    for (i, a) in args.iter().enumerate() {
        env.insert((i + 1).to_string(), Var::Str(a.clone()));
    }
    env.insert("@".to_string(), Var::Array(args));
    let dir = script_dir(&r.sources, id, &r.options);
    env.insert(bash::SCRIPT_DIR.to_string(), Var::Str(dir.clone()));
    let text = r.sources.get(id).text.clone();
    let script = bash::parse(&text, &env);
    if script.truncated {
        r.errors.push(
            ImportError::new(
                r.sources.path(id),
                format!("runs more than {} commands when its loops are unrolled", bash::MAX_COMMANDS),
            )
            .help("import reads deploy scripts, not programs: import the scripts that deploy the stacks"),
        );
    }
    if call.is_none() {
        for u in &script.unresolved {
            r.unresolved.push((Loc::new(id, u.span), u.what.clone()));
        }
    }
    for w in &script.writes {
        let abs = absolute(&w.text, &dir);
        if !r.written.contains(&abs) {
            r.written.push(abs);
        }
    }
    for h in &script.heredocs {
        let abs = absolute(&h.target.text, &dir);
        let path = match abs.strip_prefix(&format!("{}/", r.options.home)) {
            Some(rel) => rel.to_string(),
            None => format!("{}#{}", r.sources.path(id), abs),
        };
        let kind = if path.ends_with(".yaml") || path.ends_with(".yml") {
            Kind::Yaml
        } else {
            Kind::Ini
        };
        // The body's lines start at `first_line`: pad so locations are the script's lines.
        let text = "\n".repeat(h.first_line.saturating_sub(1) as usize) + &h.body;
        let fid = r.sources.add(SourceFile {
            path,
            text,
            kind,
            written_by: Some(Loc::new(id, h.target.span)),
        });
        if !r.heredocs.contains(&fid) {
            r.heredocs.push(fid);
        }
        heredoc_targets.push((abs, fid));
    }
    for c in &script.commands {
        if let Some(op) = tripleo::recognize(c, id) {
            r.ops.push((id, op));
            r.via.push(call.as_ref().map(|(_, l)| *l));
            continue;
        }
        let words = c.texts();
        // `cp [-OPTS] SRC DST`: DST holds what SRC holds (e.g. the export a deploy wrote)
        if let ["cp", rest @ ..] = words.as_slice() {
            let paths: Vec<&&str> = rest.iter().filter(|w| !w.starts_with('-')).collect();
            if let [src, dst] = paths.as_slice() {
                let (src, dst) = (absolute(src, &dir), absolute(dst, &dir));
                r.copies.push((src, dst.clone()));
                if !r.written.contains(&dst) {
                    r.written.push(dst);
                }
            }
            continue;
        }
        // `bash x.sh args`, `./x.sh args`: another script of the directory, run with arguments
        let (path, rest) = match words.as_slice() {
            ["bash" | "sh", p, rest @ ..] => (*p, rest),
            [p, rest @ ..] if p.ends_with(".sh") => (*p, rest),
            _ => continue,
        };
        if rest.is_empty() || depth >= MAX_CALL_DEPTH {
            continue;
        }
        let abs = absolute(path, &dir);
        let Some(callee) = find_file(&r.sources, &abs, &r.options.home) else {
            continue;
        };
        if callee == id || r.sources.get(callee).kind != Kind::Script {
            continue;
        }
        let args = rest.iter().map(|s| s.to_string()).collect();
        run_script(
            r,
            callee,
            Some((args, Loc::new(id, c.span()))),
            depth + 1,
            heredoc_targets,
        );
    }
}

/// The directory a script runs in, as an absolute path on the undercloud.
fn script_dir(sources: &Sources, id: FileId, options: &Options) -> String {
    let path = sources.path(id);
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("{}/{dir}", options.home),
        None => options.home.clone(),
    }
}

/// `path` made absolute from `dir`, with `.` and `..` resolved and no trailing slash.
pub fn absolute(path: &str, dir: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{dir}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

fn resolve_deploy(
    r: &Read,
    op: usize,
    file: FileId,
    d: &Deploy,
    heredocs: &[(String, FileId)],
) -> StackDeploy {
    let dir = script_dir(&r.sources, file, &r.options);
    let tht_root = match &d.templates {
        Some(w) if w.text != "--templates" && w.exact => absolute(&w.text, &dir),
        _ => THT_ROOT.to_string(),
    };
    let path = |w: &Word| -> PathRef {
        let loc = Loc::new(file, w.span);
        let abs = absolute(&w.text, &dir);
        let res = resolve(r, &abs, w, &tht_root, heredocs);
        PathRef {
            word: w.clone(),
            loc,
            abs,
            res,
        }
    };
    let (stack, stack_loc) = match &d.stack {
        Some(w) => (w.text.clone(), Loc::new(file, w.span)),
        None => (
            "overcloud".to_string(),
            d.loc.unwrap_or(Loc::new(file, Span::default())),
        ),
    };
    StackDeploy {
        op,
        loc: d.loc.unwrap_or(Loc::new(file, Span::default())),
        stack,
        stack_loc,
        envs: d.env_files.iter().map(path).collect(),
        roles_file: d.roles_file.as_ref().map(path),
        network_data: d.networks_file.as_ref().map(path),
        ntp_server: d.ntp_server.clone(),
        baremetal: d.baremetal_deployment.as_ref().map(path),
        tht_root,
        via: None,
    }
}

/// What the absolute path `abs` (written as `w`) is.
fn resolve(r: &Read, abs: &str, w: &Word, tht_root: &str, heredocs: &[(String, FileId)]) -> Res {
    for prefix in ["${THT}/", "$THT/"] {
        if let Some(rel) = w.text.strip_prefix(prefix) {
            return Res::Tht(rel.trim_start_matches('/').to_string());
        }
    }
    for root in [tht_root, THT_ROOT] {
        if let Some(rel) = abs.strip_prefix(&format!("{root}/")) {
            return Res::Tht(rel.to_string());
        }
    }
    let file = heredocs
        .iter()
        .rev()
        .find(|(p, _)| p == abs)
        .map(|(_, id)| *id)
        .or_else(|| find_file(&r.sources, abs, &r.options.home));
    // An export's output (the directory may hold a copy of it).
    for (i, (sfile, op)) in r.ops.iter().enumerate() {
        if let Op::Export(e) = op {
            let dir = script_dir(&r.sources, *sfile, &r.options);
            let out = match &e.output {
                Some(o) => absolute(&o.text, &dir),
                None => default_export_output(e, &dir),
            };
            if out == abs {
                return Res::Export {
                    ceph: e.ceph,
                    op: Some(i),
                    file,
                };
            }
        }
    }
    // ~/overcloud-deploy/<stack>/<stack>-export.yaml, written by `overcloud deploy` itself, or a
    // copy of it
    let copied = r
        .copies
        .iter()
        .rev()
        .find(|(_, d)| d == abs)
        .map(|(s, _)| s.as_str());
    if [Some(abs), copied].into_iter().flatten().any(deploy_export) {
        return Res::Export {
            ceph: false,
            op: None,
            file,
        };
    }
    if let Some(id) = file {
        return Res::File(id);
    }
    let name = abs.rsplit('/').next().unwrap_or_default();
    if name.starts_with("deployed-")
        || name.ends_with("-deployed.yaml")
        || r.written.iter().any(|w| w == abs)
    {
        return Res::Provisioned;
    }
    Res::Missing
}

/// `~/overcloud-deploy/<stack>/<stack>-export.yaml`: the export `overcloud deploy` of
/// python-tripleoclient 16 and later writes itself.
fn deploy_export(abs: &str) -> bool {
    let parts: Vec<&str> = abs.rsplit('/').take(3).collect();
    matches!(parts.as_slice(), [name, stack, "overcloud-deploy"] if *name == format!("{stack}-export.yaml"))
}

/// Where an export writes without `--output-file` (python-tripleoclient 13.x-16.x: the current
/// directory, `<stack>-export.yaml` or `ceph-export-<stack>.yaml`).
fn default_export_output(e: &tripleo::Export, dir: &str) -> String {
    let stacks = if e.stacks.is_empty() {
        vec!["overcloud".to_string()]
    } else {
        e.stacks.clone()
    };
    if e.ceph {
        if stacks.len() == 1 {
            format!("{dir}/ceph-export-{}.yaml", stacks[0])
        } else {
            format!("{dir}/ceph-export-{}-stacks.yaml", stacks.len())
        }
    } else {
        format!("{dir}/{}-export.yaml", stacks[0])
    }
}

/// The file of the directory at absolute path `abs`: under `home`, or the one file whose path
/// ends like it.
fn find_file(sources: &Sources, abs: &str, home: &str) -> Option<FileId> {
    if let Some(rel) = abs.strip_prefix(&format!("{home}/")) {
        if let Some(id) = sources.find(rel) {
            return Some(id);
        }
    }
    let parts: Vec<&str> = abs.trim_start_matches('/').split('/').collect();
    for start in 0..parts.len() {
        let suffix = parts[start..].join("/");
        let hits: Vec<FileId> = sources
            .ids()
            .filter(|&id| {
                let p = sources.path(id);
                p == suffix || p.ends_with(&format!("/{suffix}"))
            })
            .collect();
        match hits.as_slice() {
            [one] => return Some(*one),
            [] => continue,
            _ => return None,
        }
    }
    None
}

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

impl Read {
    /// The effective `parameter_defaults` of one deploy: its `-e` files in order (THT files from
    /// the release's data where dcnc has it; `--ntp-server` before every file, as
    /// python-tripleoclient puts its parameters environment first).
    pub fn effective(&self, d: &StackDeploy, tht_version: &str) -> BTreeMap<String, Setting> {
        let mut out: BTreeMap<String, Setting> = BTreeMap::new();
        let set = |out: &mut BTreeMap<String, Setting>,
                   key: &str,
                   value: Json,
                   origin: Origin,
                   strategy: &str| {
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
        };
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
                Res::Tht(rel) => {
                    let Some(env) = crate::params::environment(tht_version, rel) else {
                        continue;
                    };
                    if let Some(Json::Object(p)) = env.get("parameter_defaults") {
                        for (k, v) in p {
                            set(
                                &mut out,
                                k,
                                v.clone(),
                                Origin::Tht(rel.clone()),
                                "overwrite",
                            );
                        }
                    }
                }
                Res::File(id) | Res::Export { file: Some(id), .. } => {
                    let Some(env) = self.envs.get(id) else {
                        continue;
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
                        set(
                            &mut out,
                            &p.key,
                            p.value.to_json(),
                            origin,
                            &strategy_of(&p.key),
                        );
                    }
                }
                Res::Provisioned => {
                    // `node provision -o <this file> BAREMETAL`: the counts and placement of
                    // BAREMETAL, read the way the round trip reads dcnc's own baremetal.yaml
                    if let Some(id) = self.node_provision_output(&e.abs) {
                        let roles = super::heat::read_baremetal(&self.sources, id);
                        for (k, v, at) in
                            super::heat::provisioned_params(&roles.unwrap_or_default())
                        {
                            let origin = Origin::File { key: at, value: at };
                            set(&mut out, &k, v, origin, "overwrite");
                        }
                    }
                    // `ceph deploy --cluster X -o <this file>`: the file sets CephClusterName
                    if let Some((name, loc)) = self.ceph_deploy_output(&e.abs) {
                        set(
                            &mut out,
                            "CephClusterName",
                            Json::String(name),
                            Origin::Cli(loc),
                            "overwrite",
                        );
                    }
                }
                Res::Export { file: None, .. } | Res::Missing => {}
            }
        }
        out
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(files: &[(&str, &str)]) -> Sources {
        let mut s = Sources::default();
        for (p, t) in files {
            let kind = if p.ends_with(".sh") {
                Kind::Script
            } else {
                Kind::Yaml
            };
            s.add(SourceFile {
                path: p.to_string(),
                text: t.to_string(),
                kind,
                written_by: None,
            });
        }
        s
    }

    #[test]
    fn paths_resolve_as_the_undercloud_sees_them() {
        assert_eq!(absolute("~/x", "/h"), "/h/~/x");
        assert_eq!(
            absolute("../a/./b.yaml", "/home/stack/dcn0"),
            "/home/stack/a/b.yaml"
        );
        let s = dir(&[
            ("dcn0/deploy.sh", "openstack overcloud deploy --stack dcn0 --templates \\\n -e /usr/share/openstack-tripleo-heat-templates/environments/dcn-hci.yaml \\\n -e ~/dcn0/glance.yaml -e az.yaml -e /opt/templates/dcn0/ceph.yaml -e ~/control-plane-export.yaml -e ~/nope.yaml\nopenstack overcloud export --stack control-plane --output-file ~/control-plane-export.yaml\n"),
            ("dcn0/glance.yaml", "parameter_defaults:\n  GlanceBackend: rbd\n"),
            ("dcn0/az.yaml", "parameter_defaults: {NovaComputeAvailabilityZone: dcn0}\n"),
            ("dcn0/ceph.yaml", "parameter_defaults: {CephClusterName: dcn0}\n"),
        ]);
        let r = read(s, Options::default()).unwrap();
        let d = &r.deploys[0];
        assert_eq!(d.stack, "dcn0");
        let res: Vec<&Res> = d.envs.iter().map(|e| &e.res).collect();
        assert_eq!(res[0], &Res::Tht("environments/dcn-hci.yaml".into()));
        assert!(matches!(res[1], Res::File(_)));
        assert!(matches!(res[2], Res::File(_)));
        assert!(matches!(res[3], Res::File(_)), "suffix match");
        assert!(matches!(res[4], Res::Export { ceph: false, .. }));
        assert_eq!(res[5], &Res::Missing);
    }

    #[test]
    fn effective_parameters_follow_the_e_order() {
        let s = dir(&[
            ("deploy.sh", "openstack overcloud deploy --stack dcn0 --ntp-server a.ntp -e ${THT}/environments/dcn-hci.yaml -e one.yaml -e two.yaml\n"),
            ("one.yaml", "parameter_defaults:\n  CinderVolumeCluster: dcn0\n  NtpServer: b.ntp\n  M: {a: 1}\n"),
            ("two.yaml", "parameter_merge_strategies:\n  M: merge\nparameter_defaults:\n  CinderVolumeCluster: dcn1\n  M: {b: 2}\n  X: null\n"),
        ]);
        let r = read(s, Options::default()).unwrap();
        let eff = r.effective(&r.deploys[0], "12.7.0");
        let c = &eff["CinderVolumeCluster"];
        assert_eq!(c.value, Json::String("dcn1".into()));
        assert_eq!(c.replaced.len(), 2, "THT's dcn-hci.yaml, then one.yaml");
        assert_eq!(
            c.replaced[0].0,
            Origin::Tht("environments/dcn-hci.yaml".into())
        );
        assert_eq!(eff["NtpServer"].value, Json::String("b.ntp".into()));
        assert!(matches!(eff["NtpServer"].replaced[0].0, Origin::Cli(_)));
        assert_eq!(eff["M"].value, serde_json::json!({"a": 1, "b": 2}));
        assert!(!eff.contains_key("X"));
        assert_eq!(eff["NovaCrossAZAttach"].value, Json::Bool(false));
    }

    #[test]
    fn roles_from_generate_lines_and_files() {
        let s = dir(&[
            ("dcn0/deploy.sh", "openstack overcloud roles generate DistributedComputeHCI DistributedCompute:DistributedComputeEdge -o ~/dcn0/roles.yaml\nopenstack overcloud deploy --stack dcn0 -r ~/dcn0/roles.yaml\nopenstack overcloud deploy --stack dcn1 -r ~/dcn1/roles_data.yaml\n"),
            ("dcn1/roles_data.yaml", "- name: EdgeCompute\n  ServicesDefault: [OS::TripleO::Services::GlanceApiEdge]\n"),
        ]);
        let r = read(s, Options::default()).unwrap();
        let (roles, src) = r.roles(&r.deploys[0]);
        assert!(matches!(src, RolesSource::Generated(_)));
        assert_eq!(roles[1].name, "DistributedComputeEdge");
        assert_eq!(roles[1].base.as_deref(), Some("DistributedCompute"));
        let (roles, src) = r.roles(&r.deploys[1]);
        assert!(matches!(src, RolesSource::File(_)));
        assert_eq!(roles[0].services.as_ref().unwrap()[0], "GlanceApiEdge");
    }

    #[test]
    fn heredocs_are_files_and_yaml_errors_stop() {
        let s = dir(&[(
            "deploy.sh",
            "cat > ~/az.yaml <<EOF\nparameter_defaults:\n  NovaComputeAvailabilityZone: dcn0\nEOF\nopenstack overcloud deploy --stack dcn0 -e ~/az.yaml\n",
        )]);
        let r = read(s, Options::default()).unwrap();
        let eff = r.effective(&r.deploys[0], "14.3.0");
        let Origin::File { value, .. } = eff["NovaComputeAvailabilityZone"].origin else {
            panic!()
        };
        assert_eq!(value.span.line, 3, "located at the script's line");
        let s = dir(&[
            (
                "deploy.sh",
                "openstack overcloud deploy --stack x -e a.yaml\n",
            ),
            ("a.yaml", "parameter_defaults:\n  A: [1\n"),
        ]);
        let e = read(s, Options::default()).err().unwrap();
        assert_eq!(e[0].path, "a.yaml");
        assert!(e[0].span.is_some());
    }

    #[test]
    fn no_deploy_is_an_error() {
        let s = dir(&[("x.sh", "echo hi\n")]);
        let e = read(s, Options::default()).err().unwrap();
        assert!(e[0].message.contains("no `openstack overcloud deploy`"));
        let e = read(dir(&[("a.yaml", "x: 1\n")]), Options::default())
            .err()
            .unwrap();
        assert!(e[0].message.contains("no deploy script"));
    }
}
