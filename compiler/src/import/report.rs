//! The import report: what import read, where each part of the spec came from, what it kept
//! as it was, dropped (because it does nothing) or refused, what it needs from the user, and
//! the findings of `dcnc check` on the imported spec, located in the original files.

use std::fmt::Write as _;

use serde_json::Value as Json;

use super::source::{Loc, Sources};
use crate::diag::{self, Code, Diagnostic, Style};

/// Kinds of report lines, in the order the report shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Problems of the original deployment that import itself sees.
    Problem,
    /// Values the user must give: import could not find them.
    Input,
    /// Refused: the spec cannot hold it (and it is not in the spec).
    Refused,
    /// A secret: never in the spec.
    Secret,
    /// What dcnc does differently from the original (see `--diff` for values).
    Differs,
    /// Set by more than one file: the last `-e` wins.
    Conflict,
    /// Dropped because it does nothing.
    Dropped,
    /// Environment files passed as they are.
    KeptFile,
    /// Pass-through parameters.
    PassThrough,
    /// Files and parameters dcnc makes itself.
    Mapped,
    Note,
}

impl Section {
    fn title(self) -> &'static str {
        match self {
            Section::Problem => "Problems of the deployment",
            Section::Input => "Needs your input",
            Section::Refused => "Not imported (the spec cannot hold it)",
            Section::Secret => "Secrets (never written to the spec)",
            Section::Differs => {
                "What dcnc does differently (`dcnc import --diff` shows the values)"
            }
            Section::Conflict => "Set more than once (heat keeps the last -e file's value)",
            Section::Dropped => "Dropped (no effect)",
            Section::KeptFile => "Environment files kept as they are (`environment_files`)",
            Section::PassThrough => "Kept as pass-through parameters (`parameters:`)",
            Section::Mapped => "Made by dcnc's own scripts",
            Section::Note => "Notes",
        }
    }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub loc: Option<Loc>,
    pub what: String,
    pub detail: Option<String>,
    /// Another place that matters (e.g. the other side of a disagreement).
    pub also: Option<Loc>,
}

impl Item {
    pub fn at(loc: Loc, what: impl Into<String>) -> Item {
        Item::opt(Some(loc), what)
    }

    pub fn opt(loc: Option<Loc>, what: impl Into<String>) -> Item {
        Item {
            loc,
            what: what.into(),
            detail: None,
            also: None,
        }
    }

    pub fn stack(stack: &str, what: impl Into<String>) -> Item {
        Item::opt(None, format!("{stack}: {}", what.into()))
    }

    pub fn detail(mut self, d: impl Into<String>) -> Item {
        self.detail = Some(d.into());
        self
    }

    pub fn also(mut self, l: Option<Loc>) -> Item {
        self.also = l;
        self
    }
}

/// A `dcnc check` finding on the imported spec, with the place of the original it points at.
#[derive(Clone, Debug)]
pub struct Finding {
    pub diag: Diagnostic,
    pub loc: Option<Loc>,
}

/// A difference of the round trip that import makes on purpose: a value of the original that
/// dcnc's build does not give heat, because the original is broken there in a way dcnc will not
/// reproduce. `dcnc import --diff` marks the difference with `why` only while the two sides are
/// exactly what `change` says; any other difference in the parameter stays unmarked.
#[derive(Clone, Debug, PartialEq)]
pub struct OnPurpose {
    pub stack: String,
    pub param: String,
    pub change: Change,
    /// Why, for a reviewer: what is broken in the original and what dcnc does instead.
    pub why: String,
    /// The check or explanation that says more (`dcnc explain CODE`).
    pub code: Code,
    /// Where the original says what dcnc changes.
    pub loc: Option<Loc>,
}

/// What an [`OnPurpose`] changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// The original's value (`None`: not set, so THT's default) becomes dcnc's.
    Value { original: Option<Json>, dcnc: Json },
    /// A key of a map parameter (a `GlanceMultistoreConfig` store id) is renamed.
    Key { from: String, to: String },
}

impl OnPurpose {
    /// The text `--diff` prints under the parameter.
    pub fn mark(&self) -> String {
        format!("{}, dcnc explain {}", self.why, self.code)
    }
}

/// A deploy command: where, the command that ran its script (if another did), its `-e` count.
pub type DeployLine = (Loc, Option<Loc>, usize);

#[derive(Debug, Default)]
pub struct Report {
    /// The directory, as given.
    pub dir: String,
    /// The target, why, and where the evidence is.
    pub target: (String, String, Option<Loc>),
    /// Per stack: its deploy commands and how many `-e` files each passes.
    pub deploys: Vec<(String, Vec<DeployLine>)>,
    pub items: Vec<(Section, Item)>,
    pub findings: Vec<Finding>,
    /// Files of the directory import did not read (not scripts, YAML, JSON nor INI).
    pub ignored: Vec<String>,
    /// The differences import makes on purpose.
    pub on_purpose: Vec<OnPurpose>,
}

impl Report {
    pub fn add(&mut self, s: Section, item: Item) {
        if !self.items.iter().any(|(x, i)| *x == s && *i == item) {
            self.items.push((s, item));
        }
    }

    /// Records a difference import makes on purpose (once).
    pub fn on_purpose(&mut self, o: OnPurpose) {
        if !self.on_purpose.contains(&o) {
            self.on_purpose.push(o);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.diag.severity == diag::Severity::Error)
    }

    /// The report as text; diagnostics rendered with the lines of the original files.
    pub fn render(&self, sources: &Sources, spec_path: &str, spec_text: &str) -> String {
        let mut out = String::new();
        let show = |l: Option<Loc>| l.map(|l| sources.show(l));
        let _ = writeln!(out, "dcnc import of {}", self.dir);
        let _ = writeln!(
            out,
            "  target {}: {}{}",
            self.target.0,
            self.target.1,
            show(self.target.2).map_or(String::new(), |s| format!(" ({s})"))
        );
        for (stack, deploys) in &self.deploys {
            let list: Vec<String> = deploys
                .iter()
                .map(|(l, via, n)| match via {
                    Some(v) => format!(
                        "{} run by {} ({n} -e files)",
                        sources.show(*l),
                        sources.show(*v)
                    ),
                    None => format!("{} ({n} -e files)", sources.show(*l)),
                })
                .collect();
            let _ = writeln!(out, "  stack {stack}: deployed by {}", list.join(", then "));
        }
        let mut sections: Vec<Section> = self.items.iter().map(|(s, _)| *s).collect();
        sections.sort();
        sections.dedup();
        for s in sections {
            let _ = writeln!(out, "\n{}:", s.title());
            let mut items: Vec<&Item> = self
                .items
                .iter()
                .filter(|(x, _)| *x == s)
                .map(|(_, i)| i)
                .collect();
            items.sort_by(|a, b| (a.loc, &a.what).cmp(&(b.loc, &b.what)));
            for i in items {
                let at = show(i.loc).map_or(String::new(), |s| format!("{s}: "));
                let _ = writeln!(out, "  {at}{}", i.what);
                if let Some(d) = &i.detail {
                    let _ = writeln!(out, "      {d}");
                }
                if let Some(a) = show(i.also) {
                    let _ = writeln!(out, "      see also {a}");
                }
            }
        }
        if !self.on_purpose.is_empty() {
            let _ = writeln!(
                out,
                "\nWhere dcnc's build differs on purpose (`--diff` marks each):"
            );
            let mut list: Vec<&OnPurpose> = self.on_purpose.iter().collect();
            list.sort_by(|a, b| (a.loc, &a.stack, &a.param).cmp(&(b.loc, &b.stack, &b.param)));
            for o in list {
                let at = show(o.loc).map_or(String::new(), |s| format!("{s}: "));
                let change = match &o.change {
                    Change::Value { original, dcnc } => format!(
                        "{} -> {}",
                        original.as_ref().map_or("not set".to_string(), plain),
                        plain(dcnc)
                    ),
                    Change::Key { from, to } => format!("store `{from}` -> `{to}`"),
                };
                let _ = writeln!(out, "  {at}{}: {} {change}", o.stack, o.param);
                let _ = writeln!(out, "      {}", o.mark());
            }
        }
        if !self.ignored.is_empty() {
            let _ = writeln!(
                out,
                "\nNot read (not scripts, YAML, JSON or INI): {}",
                self.ignored.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "\nFindings of `dcnc check` on the imported spec ({} errors, {} warnings):",
            self.findings
                .iter()
                .filter(|f| f.diag.severity == diag::Severity::Error)
                .count(),
            self.findings
                .iter()
                .filter(|f| f.diag.severity == diag::Severity::Warning)
                .count()
        );
        if self.findings.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for f in &self.findings {
            let (path, text, d) = match f.loc {
                Some(l) => {
                    let mut d = f.diag.clone();
                    d.span = Some(l.span);
                    (sources.path(l.file), sources.get(l.file).text.as_str(), d)
                }
                None => (spec_path, spec_text, f.diag.clone()),
            };
            let rendered =
                diag::render_human(path, text, std::slice::from_ref(&d), Style::default());
            // one diagnostic: drop render_human's summary line
            let body = rendered
                .rsplit_once("\n\n")
                .map_or(rendered.as_str(), |(b, _)| b);
            for line in body.lines() {
                let _ = writeln!(out, "  {line}");
            }
            out.push('\n');
        }
        out
    }
}

/// A value as a reviewer reads it: strings without quotes.
fn plain(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
