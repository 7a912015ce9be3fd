//! The scripts of a deployment as bash would run them: each script's variables, its
//! here-documents (files of the directory from then on), the paths it writes and copies, its
//! TripleO commands, and the scripts of the directory it runs with arguments.

use std::collections::BTreeMap;

use super::{paths::absolute, paths::find_file, Options, Read};
use crate::import::bash::{self, Var};
use crate::import::source::{FileId, ImportError, Kind, Loc, SourceFile, Sources};
use crate::import::tripleo;

/// How deep scripts that run scripts are followed.
const MAX_CALL_DEPTH: usize = 3;

/// Reads one script: its here-documents become files, its TripleO commands operations, and the
/// scripts of the directory it runs with arguments (`bash ~/hub/deploy.sh -e x.yaml`) are read
/// again with those arguments as `$@` and `$1`... (without arguments, `$@` is empty).
pub(super) fn run_script(
    r: &mut Read,
    id: FileId,
    call: Option<(Vec<String>, Loc)>,
    depth: usize,
    heredoc_targets: &mut Vec<(String, FileId)>,
) {
    let dir = script_dir(&r.sources, id, &r.options);
    let env = script_env(r, call.as_ref(), &dir);
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
    add_heredocs(r, id, &script.heredocs, &dir, heredoc_targets);
    for c in &script.commands {
        run_command(r, id, c, &dir, call.as_ref(), depth, heredoc_targets);
    }
}

/// The variables a script starts with: `HOME`, its arguments (`$1`..., `$@`) and its own
/// directory.
fn script_env(r: &Read, call: Option<&(Vec<String>, Loc)>, dir: &str) -> BTreeMap<String, Var> {
    let mut env = BTreeMap::new();
    env.insert("HOME".to_string(), Var::Str(r.options.home.clone()));
    let args = call.map(|(a, _)| a.clone()).unwrap_or_default();
    for (i, a) in args.iter().enumerate() {
        env.insert((i + 1).to_string(), Var::Str(a.clone()));
    }
    env.insert("@".to_string(), Var::Array(args));
    env.insert(bash::SCRIPT_DIR.to_string(), Var::Str(dir.to_string()));
    env
}

/// A script's here-documents, each a file of the directory from then on (located at the
/// script's lines), with the absolute path it is written to.
fn add_heredocs(
    r: &mut Read,
    id: FileId,
    heredocs: &[bash::Heredoc],
    dir: &str,
    heredoc_targets: &mut Vec<(String, FileId)>,
) {
    for h in heredocs {
        let abs = absolute(&h.target.text, dir);
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
}

/// One command of a script: a TripleO operation, a `cp` (the destination holds what the source
/// holds), or another script of the directory run with arguments (read again, to
/// `MAX_CALL_DEPTH`).
fn run_command(
    r: &mut Read,
    id: FileId,
    c: &bash::Command,
    dir: &str,
    call: Option<&(Vec<String>, Loc)>,
    depth: usize,
    heredoc_targets: &mut Vec<(String, FileId)>,
) {
    if let Some(op) = tripleo::recognize(c, id) {
        r.ops.push((id, op));
        r.via.push(call.map(|(_, l)| *l));
        return;
    }
    let words = c.texts();
    // `cp [-OPTS] SRC DST`, `mv [-OPTS] SRC DST`: DST holds what SRC holds (e.g. the export a
    // deploy wrote, the containers-prepare file deploy.sh writes beside it and moves in place)
    if let ["cp" | "mv", rest @ ..] = words.as_slice() {
        let paths: Vec<&&str> = rest.iter().filter(|w| !w.starts_with('-')).collect();
        if let [src, dst] = paths.as_slice() {
            let (src, dst) = (absolute(src, dir), absolute(dst, dir));
            r.copies.push((src, dst.clone()));
            if !r.written.contains(&dst) {
                r.written.push(dst);
            }
        }
        return;
    }
    // `bash x.sh args`, `./x.sh args`: another script of the directory, run with arguments
    let (path, rest) = match words.as_slice() {
        ["bash" | "sh", p, rest @ ..] => (*p, rest),
        [p, rest @ ..] if p.ends_with(".sh") => (*p, rest),
        _ => return,
    };
    if rest.is_empty() || depth >= MAX_CALL_DEPTH {
        return;
    }
    let abs = absolute(path, dir);
    let Some(callee) = find_file(&r.sources, &abs, &r.options.home) else {
        return;
    };
    if callee == id || r.sources.get(callee).kind != Kind::Script {
        return;
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

/// The directory a script runs in, as an absolute path on the undercloud.
pub(super) fn script_dir(sources: &Sources, id: FileId, options: &Options) -> String {
    let path = sources.path(id);
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("{}/{dir}", options.home),
        None => options.home.clone(),
    }
}
