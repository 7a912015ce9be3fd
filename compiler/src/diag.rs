//! Diagnostics: the one place where problems found in a spec are represented and rendered.
//!
//! Every phase reports problems as [`Diagnostic`]s carrying a stable [`Code`], a [`Span`] into the
//! spec file and an optional help line. Wording lives in the phase that finds the problem; layout
//! (human text with a caret under the value, or JSON for editors and CI) lives here.

use std::fmt::Write as _;

/// A region of the spec file: 1-based line and column (in characters) plus a length in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

impl Span {
    pub const fn new(line: u32, column: u32, len: u32) -> Self {
        Span { line, column, len }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($( $variant:ident = $code:literal; )*) => {
        /// Stable identifiers of every check dcnc makes. `dcnc explain CODE` prints the long text,
        /// which lives in `compiler/explain/CODE.md` (the book's catalogue is made from the same files).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable code, e.g. `DCN010`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The explanation: a `# CODE: title` line, what the check prevents, how to fix it.
            pub fn explanation(self) -> &'static str {
                match self { $( Code::$variant => include_str!(concat!("../explain/", $code, ".md")), )* }
            }
        }
    };
}

impl Code {
    /// A one-line title, from the explanation's heading.
    pub fn title(self) -> &'static str {
        let heading = self.explanation().lines().next().unwrap_or_default();
        heading.split_once(": ").map_or(heading, |(_, t)| t)
    }
}

codes! {
    Syntax = "DCN001";
    UnknownField = "DCN002";
    WrongType = "DCN003";
    DuplicateKey = "DCN004";
    BadClusterName = "DCN010";
    ClusterIsStack = "DCN011";
    Duplicate = "DCN012";
    BadFsid = "DCN013";
    BadMon = "DCN014";
    SharedCluster = "DCN015";
    UnknownStore = "DCN016";
    BadClientUser = "DCN017";
    BadCaps = "DCN018";
    VolumeCluster = "DCN019";
    CrossAzAttach = "DCN020";
    ForeignEdgeKey = "DCN021";
    BadStoreId = "DCN022";
    BadStackName = "DCN023";
    UnknownImportMethod = "DCN024";
    OwnedParameter = "DCN025";
    UnknownRole = "DCN026";
    NoGlanceAtEdge = "DCN027";
    BadEndpoint = "DCN028";
    BadName = "DCN029";
    BadPool = "DCN030";
    CopyImageMissing = "DCN031";
    NoEdges = "DCN032";
    KeySource = "DCN033";
    SharedStaging = "DCN034";
    CacheTooSmall = "DCN035";
    WrongTopology = "DCN036";
    BadQuantity = "DCN037";
    NotInTarget = "DCN038";
    UnknownParameter = "DCN039";
    ParameterValue = "DCN040";
    DeprecatedParameter = "DCN041";
    DefaultStoreId = "DCN042";
    ImportInput = "DCN043";
    CopyOnBoot = "DCN050";
    PublicLocations = "DCN051";
    NotRaw = "DCN052";
    BadImageName = "DCN053";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub span: Option<Span>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span: span.into(),
            help: None,
        }
    }

    pub fn warning(code: Code, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Sorts diagnostics by position, so output is stable and reads top to bottom.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (a.span, a.code, &a.message).cmp(&(b.span, b.code, &b.message)));
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// Output styling for [`render_human`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Renders diagnostics as rustc-like text: a headline, a `--> file:line:col` pointer, the source
/// line with a caret under the value, and a help line.
pub fn render_human(file: &str, source: &str, diags: &[Diagnostic], style: Style) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::new();
    for d in diags {
        let (word, colour) = match d.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let _ = writeln!(
            out,
            "{}{} {}",
            style.paint(colour, &format!("{word}[{}]", d.code)),
            style.paint("1", ":"),
            style.paint("1", &d.message)
        );
        match d.span {
            Some(span) => {
                let gutter = span.line.to_string().len();
                let pad = " ".repeat(gutter);
                let _ = writeln!(
                    out,
                    "{pad}{} {file}:{}:{}",
                    style.paint("1;34", "-->"),
                    span.line,
                    span.column
                );
                if let Some(text) = lines.get(span.line as usize - 1).filter(|_| span.line > 0) {
                    let (text, span) = clip(&text.replace('\t', " "), span);
                    let bar = style.paint("1;34", "|");
                    let _ = writeln!(out, "{pad} {bar}");
                    let _ = writeln!(
                        out,
                        "{} {bar} {text}",
                        style.paint("1;34", &span.line.to_string())
                    );
                    let width = text.chars().count() as u32;
                    let start = span.column.saturating_sub(1).min(width);
                    let len = span.len.clamp(1, (width - start).max(1));
                    let carets = "^".repeat(len as usize);
                    let _ = writeln!(
                        out,
                        "{pad} {bar} {}{}",
                        " ".repeat(start as usize),
                        style.paint(colour, &carets)
                    );
                }
            }
            None => {
                let _ = writeln!(out, "  {} {file}", style.paint("1;34", "-->"));
            }
        }
        if let Some(help) = &d.help {
            let pad = " ".repeat(d.span.map_or(1, |s| s.line.to_string().len()));
            let _ = writeln!(out, "{pad} = {}: {help}", style.paint("1", "help"));
        }
        out.push('\n');
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    if errors + warnings > 0 {
        let _ = writeln!(
            out,
            "{}: {errors} error{}, {warnings} warning{} in {file}",
            if errors > 0 { "failed" } else { "ok" },
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        );
    }
    out
}

/// Longest source line shown in full; longer ones show a window around the value.
const MAX_LINE: usize = 100;

/// A window of at most `MAX_LINE` characters of `line` around `span`, and the span moved into it.
fn clip(line: &str, span: Span) -> (String, Span) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= MAX_LINE {
        return (line.to_string(), span);
    }
    let col = (span.column as usize).saturating_sub(1).min(chars.len());
    let start = col.saturating_sub(MAX_LINE / 2);
    let end = (start + MAX_LINE).min(chars.len());
    let mut text: String = chars[start..end].iter().collect();
    let mut column = (col - start) as u32 + 1;
    if start > 0 {
        text.insert_str(0, "...");
        column += 3;
    }
    if end < chars.len() {
        text.push_str("...");
    }
    let len = span.len.min((end - col) as u32);
    (text, Span::new(span.line, column, len))
}

#[derive(serde::Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    end_column: Option<u32>,
    help: Option<&'a str>,
}

/// Renders diagnostics as JSON lines, one object per diagnostic.
pub fn render_json(file: &str, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let j = JsonDiagnostic {
            code: d.code.as_str(),
            severity: d.severity,
            message: &d.message,
            file,
            line: d.span.map(|s| s.line),
            column: d.span.map(|s| s.column),
            end_column: d.span.map(|s| s.column + s.len.max(1)),
            help: d.help.as_deref(),
        };
        out.push_str(&serde_json::to_string(&j).expect("diagnostics serialize"));
        out.push('\n');
    }
    out
}

/// The closest candidate to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::levenshtein(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_value() {
        let src = "a: 1\nname: dcn-0\n";
        let d = Diagnostic::error(Code::BadClusterName, Span::new(2, 7, 5), "bad name `dcn-0`")
            .with_help("use letters and digits only");
        let text = render_human("x.yaml", src, &[d], Style::default());
        assert!(text.contains(" --> x.yaml:2:7"), "{text}");
        assert!(
            text.contains("2 | name: dcn-0\n  |       ^^^^^\n"),
            "{text}"
        );
        assert!(
            text.contains("= help: use letters and digits only"),
            "{text}"
        );
    }

    #[test]
    fn json_has_one_object_per_line() {
        let d = Diagnostic::warning(Code::UnknownRole, Span::new(3, 1, 2), "m");
        let j = render_json("f.yaml", &[d.clone(), d]);
        assert_eq!(j.lines().count(), 2);
        assert!(j.contains("\"code\":\"DCN026\""));
        assert!(j.contains("\"severity\":\"warning\""));
    }

    #[test]
    fn every_code_has_an_explanation_with_its_heading() {
        for c in Code::ALL {
            let text = c.explanation();
            assert!(text.starts_with(&format!("# {}: ", c.as_str())), "{c}");
            assert!(text.contains("**Fix:**"), "{c} says how to fix it");
            assert!(!c.title().is_empty());
        }
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        let c = ["fsid", "mons", "cluster", "stack"];
        assert_eq!(did_you_mean("clustr", c), Some("cluster"));
        assert_eq!(did_you_mean("mon", c), Some("mons"));
        assert_eq!(did_you_mean("zzzzzzzz", c), None);
    }
}
