//! `dcnc import DIR`: reads a hand-written TripleO DCN deployment (deploy scripts, heat
//! environment files, roles, node and INI files) and writes the spec that builds it, a report of
//! where everything went, and (`--diff`) what dcnc's build would still change.
//!
//! read (`source`, the only file system access) -> scripts (`bash`, `tripleo`) and files
//! (`yaml`, `heat`) -> the deployment as heat sees it (`deployment`) -> the spec (`mapping`,
//! written by `spec_out`) -> `dcnc check` of that spec, its findings moved back to the original
//! files (`report`) -> the round trip (`diff`).

pub mod bash;
pub mod deployment;
pub mod diff;
pub mod heat;
pub mod mapping;
pub mod report;
pub mod source;
pub mod spec_out;
pub mod tripleo;
pub mod yaml;

use std::path::Path;

pub use deployment::Options;
use deployment::Read;
use report::{Finding, Item, Report, Section};
pub use source::ImportError;

use crate::kinds::TargetName;

/// What `dcnc import` made of a directory.
pub struct Imported {
    /// The spec text.
    pub spec: String,
    /// For each line of the spec, the place of the original it came from.
    pub origins: Vec<Option<source::Loc>>,
    pub report: Report,
    pub read: Read,
    pub target: &'static crate::target::Target,
}

/// Imports the deployment in `dir`. Fails (nothing to write) when the directory cannot be read,
/// holds no deploy command, or a file a deploy reads is broken: every such problem, located.
pub fn import(
    dir: &Path,
    target: Option<TargetName>,
    options: Options,
) -> Result<Imported, Vec<ImportError>> {
    // errors name their files as the user reaches them: DIR/path
    let shown = dir.display().to_string();
    import_in(dir, target, options).map_err(|mut errors| {
        for e in &mut errors {
            if e.path == "." {
                e.path = shown.clone();
            } else if e.path != shown {
                e.path = format!("{}/{}", shown.trim_end_matches('/'), e.path);
            }
        }
        errors
    })
}

fn import_in(
    dir: &Path,
    target: Option<TargetName>,
    options: Options,
) -> Result<Imported, Vec<ImportError>> {
    let sources = source::read_dir(dir).map_err(|e| vec![e])?;
    let ignored = sources.ignored.clone();
    let read = deployment::read(sources, options)?;
    let mut report = Report {
        dir: dir.display().to_string(),
        ignored,
        ..Report::default()
    };
    // What a deploy reads through a variable no script sets.
    for d in &read.deploys {
        let paths = d.envs.iter().chain(&d.roles_file).chain(&d.network_data);
        for p in paths.filter(|p| !p.word.exact) {
            let what: Vec<&str> = (read.unresolved.iter())
                .filter(|(l, _)| *l == p.loc)
                .map(|(_, w)| w.as_str())
                .collect();
            report.add(
                Section::Input,
                Item::at(p.loc, format!("{}: `{}` holds {} that no script sets", d.stack, p.word.text, what.join(", ")))
                    .detail("import reads scripts without running them: set the variable in the script, or write the path"),
            );
        }
    }
    let mapped = mapping::map(&read, target, &mut report).map_err(|e| {
        let first = read.deploys.first().map(|d| d.loc);
        let mut err = ImportError::new(report.dir.clone(), e).help(
            "the stack that runs Keystone needs a role named Controller (or `Base:Controller...`)",
        );
        if let Some(l) = first {
            err.path = read.sources.path(l.file).to_string();
            err = err.at(l.span, &read.sources.get(l.file).text);
        }
        vec![err]
    })?;
    let header = vec![
        "yaml-language-server: $schema=dcn.schema.json".to_string(),
        format!(
            "Imported by `dcnc import` from {}: {}.",
            dir.display(),
            mapped
                .stacks
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "The import report says where each value came from, and what needs your review.".into(),
    ];
    let rendered = spec_out::render(&header, &mapped.doc);
    // Every check of dcnc, on what was read: located in the original files where they came from.
    let diags = match crate::pipeline::compile(&rendered.text, None) {
        Ok(c) => c.diagnostics,
        Err(d) => d,
    };
    for d in diags {
        let loc = d.span.and_then(|s| rendered.origin(s.line, s.column));
        let mut d = d;
        // "first used at line 13" names a line of the spec: name the original's place instead
        if let Some(help) = &d.help {
            d.help = Some(relocate_lines(help, &rendered, &read.sources));
        }
        report.findings.push(Finding { diag: d, loc });
    }
    Ok(Imported {
        spec: rendered.text,
        origins: rendered.origins,
        report,
        read,
        target: mapped.target,
    })
}

/// `line N` (a line of the spec) in a message, as the place of the original it came from.
fn relocate_lines(text: &str, rendered: &spec_out::Rendered, sources: &source::Sources) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "line ".len()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let origin = digits.parse().ok().and_then(|n| rendered.origin(n, 1));
        match origin {
            Some(l) => out.push_str(&sources.show(l)),
            None => out.push_str(&rest[i..i + "line ".len() + digits.len()]),
        }
        rest = &after[digits.len()..];
    }
    out.push_str(rest);
    out
}

impl Imported {
    /// The report as text (`spec_path` names the spec for findings that are its own).
    pub fn report_text(&self, spec_path: &str) -> String {
        self.report
            .render(&self.read.sources, spec_path, &self.spec)
    }

    /// The round trip: per stack and deploy, every parameter whose effective value differs
    /// between the original and what `dcnc build` of the spec deploys.
    pub fn diff(&self) -> String {
        diff::diff(self)
    }

    /// The round trip with every difference, each a loss or marked as made on purpose.
    pub fn round_trip(&self) -> diff::RoundTrip {
        diff::round_trip(self)
    }
}

/// Writes the spec to `path`: through a temporary file in the same directory, renamed into place,
/// so a reader never sees half of it; an existing file is kept unless `force`.
pub fn write_spec(path: &Path, text: &str, force: bool) -> Result<(), String> {
    use std::io::Write as _;
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err("exists; pass --force to replace it, or -o another file".into());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or("is not a file name")?
        .to_string_lossy()
        .into_owned();
    let tmp = dir.join(format!(".{name}.dcnc-import.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        e.to_string()
    })
}

/// Renders import errors, each with the line it points at.
pub fn render_errors(errors: &[ImportError]) -> String {
    let mut out = String::new();
    for e in errors {
        let mut d = crate::diag::Diagnostic::error(e.code, e.span, &e.message);
        d.help = e.help.clone();
        let text = crate::diag::render_human(&e.path, &e.text, &[d], crate::diag::Style::default());
        let body = text.rsplit_once("\n\n").map_or(text.as_str(), |(b, _)| b);
        out.push_str(body);
        out.push_str("\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;
    use source::{FileId, Loc, SourceFile, Sources};
    use spec_out::{Doc, MapBuilder};

    #[test]
    fn spec_lines_in_messages_become_the_originals_places() {
        let mut sources = Sources::default();
        sources.add(SourceFile {
            path: "dcn0/glance.yaml".into(),
            text: "a\n".into(),
            kind: source::Kind::Yaml,
            written_by: None,
        });
        let mut m = MapBuilder::default();
        m.field("a", Doc::str("x", None)).field(
            "b",
            Doc::str("y", Some(Loc::new(FileId(0), Span::new(7, 3, 1)))),
        );
        let r = spec_out::render(&[], &m.build());
        assert_eq!(
            relocate_lines("first used at line 2; see line 1", &r, &sources),
            "first used at dcn0/glance.yaml:7:3; see line 1"
        );
    }
}
