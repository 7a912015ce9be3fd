//! The commands that compile a spec: `check`, `build` (and `build --check`), `graph`, `plan`.
//! Reading the spec file is here; everything after it is the library's pipeline.

use std::path::Path;
use std::process::ExitCode;

use super::args::{GraphFormat, PlanFormat, Report};
use super::message::{
    DriftKind, DriftLine, GraphLine, GraphStep, Message, PlanLine, PlanStep, SummaryLine,
};
use super::output::{Failure, Reporter};
use crate::diag::{Code, Diagnostic, Span};
use crate::pipeline::Compiled;

/// How loading a spec failed: the exit code (diagnostics and errors are already printed).
type Failed = u8;

pub fn check(mut r: Reporter, spec: &Path, report: &Report) -> ExitCode {
    match load(&mut r, spec, report) {
        Ok(_) => r.finish(0, |_| {}),
        Err(code) => r.finish(code, |_| {}),
    }
}

pub fn build(
    mut r: Reporter,
    spec: &Path,
    report: &Report,
    out: &Path,
    force: bool,
    check: bool,
) -> ExitCode {
    let text = match read(&mut r, spec) {
        Ok(t) => t,
        Err(code) => return r.finish(code, |_| {}),
    };
    // What the tree and the spec's diagnostics are a function of: the spec's bytes and the
    // target asked for (`pipeline::compile`'s two arguments), with dcnc itself, which the key
    // adds.
    let asked = format!("{:?}", report.target);
    let key = crate::write::inputs_key(&[text.as_bytes(), asked.as_bytes()]);
    // The diagnostics of the last build of these very inputs, kept in its stat record: printed
    // as compiling prints them, so an unchanged tree needs no parse or check at all.
    let cached = key
        .and_then(|k| crate::write::recorded_note(out, &k))
        .and_then(|n| decode_diagnostics(&n));
    let mut compiled = None;
    let printed = match &cached {
        Some(diags) => printed(&mut r, spec, &text, diags, report),
        None => {
            let c = crate::pipeline::compile(&text, report.target);
            reported(&mut r, spec, &text, c, report).map(|c| compiled = Some(c))
        }
    };
    if let Err(code) = printed {
        return r.finish(code, |_| {});
    }
    let note = match (&compiled, &cached) {
        (Some(c), _) => encode_diagnostics(&c.diagnostics),
        (None, Some(d)) => encode_diagnostics(d),
        (None, None) => unreachable!("either compiled or cached"),
    };
    // The tree is not known unchanged: compile (the diagnostics are printed already, unless
    // the record's were not this compile's).
    let compile = |r: &mut Reporter, compiled: Option<Compiled>| match compiled {
        Some(c) => Ok(c),
        None => match crate::pipeline::compile(&text, report.target) {
            Ok(c) if Some(&c.diagnostics) == cached.as_ref() => Ok(c),
            c => reported(r, spec, &text, c, report),
        },
    };
    let waiting = |r: &Reporter, pid: Option<u32>| {
        let pid = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
        r.note(&format!(
            "{}: waiting for another dcnc build of it{pid}",
            out.display()
        ));
    };
    if check {
        // The same note as the comparison's: what the tree is, not how it was found.
        if let Some(files) = key.and_then(|k| crate::write::check_unchanged(out, &k)) {
            r.note(&format!("{}: up to date ({files} files)", out.display()));
            return r.finish(0, |s| {
                s.out = Some(out.display().to_string());
                s.missing = Some(0);
                s.changed = Some(0);
                s.extra = Some(0);
            });
        }
        return match compile(&mut r, compiled) {
            Ok(c) => check_build(r, &c.emit(), spec, out),
            Err(code) => r.finish(code, |_| {}),
        };
    }
    let fast = match key {
        Some(k) => {
            let on_wait = |pid| waiting(&r, pid);
            let opts = crate::write::Options {
                force,
                on_wait: Some(&on_wait),
                key,
                note: &note,
            };
            crate::write::unchanged(out, &k, &opts)
        }
        None => Ok(None),
    };
    let result = match fast {
        Ok(Some(w)) => Ok(w),
        Ok(None) => match compile(&mut r, compiled) {
            Ok(c) => {
                let on_wait = |pid| waiting(&r, pid);
                let opts = crate::write::Options {
                    force,
                    on_wait: Some(&on_wait),
                    key,
                    note: &note,
                };
                crate::write::write_tree_with(&c.emit(), out, &opts)
            }
            Err(code) => return r.finish(code, |_| {}),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(w) => {
            for note in &w.notes {
                r.note(&format!("warning: {note}"));
            }
            r.note(&format!(
                "{}: {} files written, {} unchanged, {} removed",
                out.display(),
                w.written,
                w.unchanged,
                w.removed
            ));
            r.finish(0, |s| {
                s.out = Some(out.display().to_string());
                s.written = Some(w.written);
                s.unchanged = Some(w.unchanged);
                s.removed = Some(w.removed);
            })
        }
        Err(e) => {
            r.failure(&Failure::from(e));
            r.finish(2, |s| s.out = Some(out.display().to_string()))
        }
    }
}

/// `build --check`: compares the tree with the directory and prints what differs.
fn check_build(r: Reporter, tree: &crate::emit::Tree, spec: &Path, out: &Path) -> ExitCode {
    let drift = match crate::write::check_tree(tree, out) {
        Ok(d) => d,
        Err(e) => {
            r.failure(&Failure::from(e));
            return r.finish(2, |s| s.out = Some(out.display().to_string()));
        }
    };
    let counts = |s: &mut SummaryLine| {
        s.out = Some(out.display().to_string());
        s.missing = Some(drift.missing.len());
        s.changed = Some(drift.changed.len());
        s.extra = Some(drift.extra.len());
    };
    if drift.is_clean() {
        r.note(&format!(
            "{}: up to date ({} files)",
            out.display(),
            tree.len()
        ));
        return r.finish(0, counts);
    }
    if r.json() {
        let line = |kind, path: &str, diff: Option<&str>| {
            Message::Drift(DriftLine {
                kind,
                path: path.to_string(),
                diff: diff.map(str::to_string),
            })
        };
        for p in &drift.missing {
            r.message(&line(DriftKind::Missing, p, None));
        }
        for (p, diff) in &drift.changed {
            r.message(&line(DriftKind::Changed, p, Some(diff)));
        }
        for p in &drift.extra {
            r.message(&line(DriftKind::Extra, p, None));
        }
    } else {
        let mut text = String::new();
        for p in &drift.missing {
            text.push_str(&format!("missing: {p}\n"));
        }
        for (p, _) in &drift.changed {
            text.push_str(&format!("changed: {p}\n"));
        }
        for p in &drift.extra {
            text.push_str(&format!("extra:   {p}\n"));
        }
        for (_, diff) in &drift.changed {
            text.push_str(diff);
        }
        super::output::stdout(&text);
    }
    let message = format!(
        "{} is out of date: {} missing, {} changed, {} extra; run `dcnc build {} -o {}`",
        out.display(),
        drift.missing.len(),
        drift.changed.len(),
        drift.extra.len(),
        spec.display(),
        out.display()
    );
    if r.format == super::args::MessageFormat::Github {
        // One annotation per changed file, on the file itself.
        for p in drift
            .missing
            .iter()
            .chain(drift.changed.iter().map(|(p, _)| p))
        {
            let path = out.join(p);
            r.failure(&Failure::new(
                "drift",
                Some(&path),
                format!(
                    "{} is not what {} generates; {message}",
                    path.display(),
                    spec.display()
                ),
            ));
        }
    }
    r.note(&message);
    r.finish(1, counts)
}

pub fn graph(mut r: Reporter, spec: &Path, report: &Report, format: GraphFormat) -> ExitCode {
    let c = match load(&mut r, spec, report) {
        Ok(c) => c,
        Err(code) => return r.finish(code, |_| {}),
    };
    let text = match format {
        GraphFormat::Dot => crate::graph::to_dot(&c.plan),
        GraphFormat::Mermaid => crate::graph::to_mermaid(&c.plan),
        GraphFormat::Order => crate::graph::to_order(&c.plan),
    };
    r.result(&text, || {
        let g = &c.plan.graph;
        let steps = c
            .plan
            .order
            .iter()
            .map(|&i| {
                let mut after: Vec<String> = g
                    .neighbors_directed(i, petgraph::Direction::Incoming)
                    .map(|p| g[p].id.clone())
                    .collect();
                after.sort();
                let s = &g[i];
                GraphStep {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    command: s.command.clone(),
                    host: s.host.clone(),
                    after,
                }
            })
            .collect();
        Message::Graph(GraphLine {
            format: format.name().to_string(),
            text: text.clone(),
            steps,
        })
    });
    r.finish(0, |_| {})
}

pub fn plan(
    mut r: Reporter,
    old: &Path,
    new: &Path,
    report: &Report,
    format: PlanFormat,
) -> ExitCode {
    let [before, after] = load_two(&mut r, [old, new], report);
    let (before, after) = match (before, after) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(code), _) | (_, Err(code)) => return r.finish(code, |_| {}),
    };
    let p = crate::plan::plan_change(&before, &after);
    let text = match format {
        PlanFormat::Human => crate::plan::render(&p),
        PlanFormat::Json => {
            let mut s = serde_json::to_string_pretty(&p).expect("plans serialize");
            s.push('\n');
            s
        }
    };
    r.result(&text, || {
        Message::Plan(PlanLine {
            run: (p.run.iter())
                .map(|s| PlanStep {
                    step: s.step.clone(),
                    command: s.command.clone(),
                    reasons: s.reasons.clone(),
                })
                .collect(),
            unchanged: p.unchanged.clone(),
            removed_stacks: p.removed_stacks.clone(),
        })
    });
    r.finish(0, |_| {})
}

/// Reads and compiles a spec and prints its diagnostics.
fn load(r: &mut Reporter, path: &Path, report: &Report) -> Result<Compiled, Failed> {
    let text = read(r, path)?;
    let compiled = crate::pipeline::compile(&text, report.target);
    reported(r, path, &text, compiled, report)
}

/// [`load`] of two specs, compiled at the same time; their diagnostics are printed in order.
fn load_two(r: &mut Reporter, paths: [&Path; 2], report: &Report) -> [Result<Compiled, Failed>; 2] {
    let texts = paths.map(|p| read(r, p));
    let compile = |t: &Result<String, Failed>| {
        (t.as_ref().ok()).map(|t| crate::pipeline::compile(t, report.target))
    };
    let [a, b] = &texts;
    let (ca, cb) = std::thread::scope(|scope| {
        let ca = scope.spawn(|| compile(a));
        let cb = compile(b);
        (
            ca.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            cb,
        )
    });
    let mut one = |path: &Path, text: &Result<String, Failed>, c: Option<_>| match (text, c) {
        (Ok(text), Some(c)) => reported(r, path, text, c, report),
        (Err(code), _) => Err(*code),
        (Ok(_), None) => unreachable!("a spec that was read is compiled"),
    };
    let first = one(paths[0], a, ca);
    [first, one(paths[1], b, cb)]
}

/// Reads a spec; a failure is printed.
fn read(r: &mut Reporter, path: &Path) -> Result<String, Failed> {
    let name = path.display().to_string();
    match read_spec(path) {
        Ok(t) => Ok(t),
        Err(ReadError::Io(msg)) => {
            r.failure(&Failure::new("io", Some(path), format!("{name}: {msg}")));
            Err(2)
        }
        Err(ReadError::Spec(d, lossy)) => {
            r.diagnostics(&name, &lossy, &[d]);
            Err(1)
        }
    }
}

/// Prints a compiled spec's diagnostics and applies `--deny-warnings`.
fn reported(
    r: &mut Reporter,
    path: &Path,
    text: &str,
    compiled: Result<Compiled, Vec<Diagnostic>>,
    report: &Report,
) -> Result<Compiled, Failed> {
    let name = path.display().to_string();
    let diags = match &compiled {
        Ok(c) => &c.diagnostics,
        Err(d) => d,
    };
    r.diagnostics(&name, text, diags);
    let compiled = compiled.map_err(|_| 1)?;
    denied(r, path, &compiled.diagnostics, report)?;
    Ok(compiled)
}

/// Prints the warnings of a spec that compiles and applies `--deny-warnings`.
fn printed(
    r: &mut Reporter,
    path: &Path,
    text: &str,
    diags: &[Diagnostic],
    report: &Report,
) -> Result<(), Failed> {
    r.diagnostics(&path.display().to_string(), text, diags);
    denied(r, path, diags, report)
}

/// `--deny-warnings` of a compiled spec's warnings.
fn denied(r: &Reporter, path: &Path, diags: &[Diagnostic], report: &Report) -> Result<(), Failed> {
    if report.deny_warnings && !diags.is_empty() {
        r.failure(&Failure::new(
            "denied-warnings",
            Some(path),
            "warnings are denied (--deny-warnings)",
        ));
        return Err(1);
    }
    Ok(())
}

/// A compiled spec's warnings as one line of JSON, kept in the stat record of its build.
fn encode_diagnostics(diags: &[Diagnostic]) -> String {
    let one = |d: &Diagnostic| {
        serde_json::json!([
            d.code.as_str(),
            d.severity,
            d.message,
            d.span.map(|s| [s.line, s.column, s.len]),
            d.help,
        ])
    };
    serde_json::Value::Array(diags.iter().map(one).collect()).to_string()
}

/// [`encode_diagnostics`] read back; `None` for anything else (the spec is then compiled).
fn decode_diagnostics(note: &str) -> Option<Vec<Diagnostic>> {
    type One = (
        String,
        crate::diag::Severity,
        String,
        Option<[u32; 3]>,
        Option<String>,
    );
    let all: Vec<One> = serde_json::from_str(note).ok()?;
    all.into_iter()
        .map(|(code, severity, message, span, help)| {
            let code = *Code::ALL.iter().find(|c| c.as_str() == code)?;
            Some(Diagnostic {
                code,
                severity,
                message,
                span: span.map(|[l, c, n]| Span::new(l, c, n)),
                help,
            })
        })
        .collect()
}

enum ReadError {
    Io(String),
    /// A problem with the spec's bytes, and the text as far as it can be shown.
    Spec(Diagnostic, String),
}

fn read_spec(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if meta.is_dir() {
        return Err(ReadError::Io(
            "is a directory; pass the spec file (dcn.yaml)".into(),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let (line, column) = end_position(std::str::from_utf8(valid).unwrap_or_default());
        ReadError::Spec(
            Diagnostic::error(
                Code::Syntax,
                Span::new(line, column, 1),
                "the spec is not UTF-8 text",
            )
            .with_help("save the file as UTF-8"),
            String::from_utf8_lossy(e.as_bytes()).into_owned(),
        )
    })?;
    Ok(lone_cr_to_lf(text))
}

/// A lone CR is a line break in YAML 1.2, which a processor reads as LF (spec 5.4); the parser
/// does so except in a comment, which then runs to the end of a CR-only file. Replacing each
/// lone CR by LF keeps every byte offset, line and column where it was.
fn lone_cr_to_lf(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut bytes = text.into_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
    String::from_utf8(bytes).expect("replacing an ASCII byte by another keeps UTF-8")
}

/// The 1-based line and column (in characters) just after `text`; LF, CRLF and a lone CR each
/// end a line, as they do for the YAML parser.
fn end_position(text: &str) -> (u32, u32) {
    let (mut line, mut column) = (1u32, 1u32);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => (line, column) = (line + 1, 1),
            _ => column += 1,
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    #[test]
    fn positions_count_characters_and_every_line_break() {
        use super::end_position;
        assert_eq!(end_position(""), (1, 1));
        assert_eq!(end_position("a\nbé"), (2, 3));
        assert_eq!(end_position("a\r\nb\rc"), (3, 2));
    }

    #[test]
    fn diagnostics_kept_in_a_record_read_back_the_same_and_nothing_else_does() {
        use super::{decode_diagnostics, encode_diagnostics};
        use crate::diag::{Code, Diagnostic, Span};
        let diags = vec![
            Diagnostic::warning(Code::CopyOnBoot, None, "a \"quoted\"\nline\u{1b}")
                .with_help("help: é"),
            Diagnostic::warning(Code::PublicLocations, Span::new(3, 4, 5), "m"),
            Diagnostic::error(Code::Syntax, Span::new(1, 1, 0), ""),
        ];
        let note = encode_diagnostics(&diags);
        assert!(!note.contains('\n'), "{note}");
        assert_eq!(decode_diagnostics(&note), Some(diags));
        assert_eq!(decode_diagnostics("[]"), Some(vec![]));
        for bad in [
            "",
            "x",
            "{}",
            r#"[["DCN999","warning","m",null,null]]"#,
            r#"[["DCN050","note","m",null,null]]"#,
            r#"[["DCN050","warning","m",[1,2],null]]"#,
        ] {
            assert_eq!(decode_diagnostics(bad), None, "{bad}");
        }
    }

    #[test]
    fn lone_carriage_returns_become_line_feeds() {
        use super::lone_cr_to_lf;
        assert_eq!(lone_cr_to_lf("a\rb\r\nc\r".into()), "a\nb\r\nc\n");
        assert_eq!(lone_cr_to_lf("é\r".into()), "é\n");
    }
}
