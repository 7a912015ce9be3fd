//! `dcnc import DIR`: the report on stderr, the diff on stdout, the spec into `out` (never over a
//! file unless `force`). Exit 2 when the directory cannot be imported (nothing written), 1 when
//! the imported spec has errors (written, to be fixed), 0 otherwise. With `--message-format json`
//! the problems are `diagnostic` lines located in the original files, the report and the diff
//! `document` lines.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::message::{DocumentLine, Message};
use super::output::{Failure, Reporter};
use crate::diag::Diagnostic;

/// `dcnc import`'s arguments.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The deployment's directory: the stack user's home, or the stacks' directories
    dir: PathBuf,
    /// The spec to write
    #[arg(short, long, default_value = "dcn.yaml")]
    out: PathBuf,
    /// The release the deployment runs (default: inferred from its THT files)
    #[arg(long, value_parser = super::args::target_parser())]
    target: Option<crate::kinds::TargetName>,
    /// Also print, per stack, every parameter whose value dcnc's build would change
    #[arg(long)]
    diff: bool,
    /// Replace the output file if it exists
    #[arg(long)]
    force: bool,
    /// The home directory DIR stands for on the undercloud (`~` in the scripts)
    #[arg(long, default_value = "/home/stack")]
    home: String,
    /// Compare the deployment with the build of SPEC (the imported spec as you fixed it) instead:
    /// print only that round trip, write nothing, exit 1 on a difference not marked on purpose
    #[arg(long, value_name = "SPEC", conflicts_with_all = ["out", "force", "diff"])]
    against: Option<PathBuf>,
}

pub fn import(mut r: Reporter, a: ImportArgs) -> ExitCode {
    let options = crate::import::Options { home: a.home };
    let imported = match crate::import::import(&a.dir, a.target, options) {
        Ok(i) => i,
        Err(errors) => {
            if r.json() || r.format != super::args::MessageFormat::Human {
                for e in &errors {
                    let mut d = Diagnostic::error(e.code, e.span, &e.message);
                    d.help = e.help.clone();
                    r.diagnostics(&e.path, &e.text, &[d]);
                }
            } else {
                r.text(&crate::import::render_errors(&errors));
            }
            r.failure(&Failure::new(
                "import",
                Some(&a.dir),
                format!("{} cannot be imported; nothing written", a.dir.display()),
            ));
            return r.finish(2, |_| {});
        }
    };
    if let Some(spec) = &a.against {
        return against(r, imported, spec);
    }
    let name = a.out.display().to_string();
    if let Err(e) = crate::import::write_spec(&a.out, &imported.spec, a.force) {
        r.failure(&Failure::new("io", Some(&a.out), format!("{name}: {e}")));
        return r.finish(2, |_| {});
    }
    let report = imported.report_text(&name);
    if r.json() {
        let findings = &imported.report.findings;
        for f in findings {
            let sources = &imported.read.sources;
            match f.loc {
                Some(l) => {
                    let mut d = f.diag.clone();
                    d.span = Some(l.span);
                    let path = shown(&a.dir, sources.path(l.file));
                    r.diagnostics(&path, &sources.get(l.file).text, &[d]);
                }
                None => r.diagnostics(&name, &imported.spec, std::slice::from_ref(&f.diag)),
            }
        }
        r.message(&Message::Document(DocumentLine {
            name: "import-report".into(),
            text: report,
        }));
    } else {
        r.text(&report);
    }
    if a.diff {
        let diff = imported.diff();
        r.result(&diff, || {
            Message::Document(DocumentLine {
                name: "import-diff".into(),
                text: diff.clone(),
            })
        });
    }
    r.note(&format!("{name}: written"));
    let code = u8::from(imported.report.has_errors());
    r.finish(code, |s| s.out = Some(name.clone()))
}

/// `--against SPEC`: the round trip of the deployment with the build of SPEC. Exit 1 when SPEC
/// does not compile or differs from the original in a value import does not mark on purpose.
fn against(r: Reporter, mut imported: crate::import::Imported, spec: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(spec) {
        Ok(t) => t,
        Err(e) => {
            r.failure(&Failure::new(
                "io",
                Some(spec),
                format!("{}: {e}", spec.display()),
            ));
            return r.finish(2, |_| {});
        }
    };
    imported.spec = text;
    let rt = imported.round_trip();
    r.result(&rt.text, || {
        Message::Document(DocumentLine {
            name: "import-diff".into(),
            text: rt.text.clone(),
        })
    });
    let lost = rt.losses().len();
    if !rt.compiled || lost > 0 {
        r.note(&format!(
            "{}: {}",
            spec.display(),
            if rt.compiled {
                format!("differs from the original in {lost} value(s) not marked on purpose: your changes, or what the spec loses")
            } else {
                "does not compile: `dcnc check` it".into()
            }
        ));
        return r.finish(1, |_| {});
    }
    r.note(&format!(
        "{}: builds what the original deploys, but for the differences marked on purpose",
        spec.display()
    ));
    r.finish(0, |_| {})
}

/// A path of the imported directory as the user reaches it: `DIR/path`.
fn shown(dir: &Path, rel: &str) -> String {
    let dir = dir.display().to_string();
    if rel == "." {
        dir
    } else {
        format!("{}/{rel}", dir.trim_end_matches('/'))
    }
}
