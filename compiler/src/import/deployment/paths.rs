//! The paths a deploy names, as the undercloud sees them: made absolute from the script's
//! directory, then resolved to a THT file, a file of the directory, an export's output, a file
//! made when the scripts run, or nothing import can read.

use super::scripts::script_dir;
use super::{PathRef, Read, Res, StackDeploy, THT_ROOT};
use crate::diag::Span;
use crate::import::bash::Word;
use crate::import::source::{FileId, Loc, Sources};
use crate::import::tripleo::{self, Deploy, Op};

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

/// One deploy command with its paths resolved.
pub(super) fn resolve_deploy(
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
pub(super) fn find_file(sources: &Sources, abs: &str, home: &str) -> Option<FileId> {
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
