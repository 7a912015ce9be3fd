//! Diagnostics for programs: JSON lines (editors, scripts), one `file:line:col:` line each (as
//! compilers print them, for grep and editors' error parsers), and GitHub Actions workflow
//! commands (annotations on the pull request's lines).

use serde::{Deserialize, Serialize};

use super::source::escaped;
use super::{Diagnostic, Severity};

/// A diagnostic as one JSON object (`"type": "diagnostic"` in `--message-format json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnosticLine {
    /// The stable code, e.g. `DCN010` (`dcnc explain DCN010`).
    pub code: String,
    pub severity: Severity,
    /// What is wrong. Spec values quoted in it have their control characters escaped.
    pub message: String,
    /// The spec file, as given on the command line.
    pub file: String,
    /// 1-based line; `null` only for a problem of the whole file (e.g. one too large to read).
    pub line: Option<u32>,
    /// 1-based column in characters.
    pub column: Option<u32>,
    /// The column just after the value.
    pub end_column: Option<u32>,
    /// How to fix it.
    pub help: Option<String>,
}

impl DiagnosticLine {
    pub fn new(file: &str, d: &Diagnostic) -> Self {
        DiagnosticLine {
            code: d.code.as_str().to_string(),
            severity: d.severity,
            message: d.message.clone(),
            file: file.to_string(),
            line: d.span.map(|s| s.line),
            column: d.span.map(|s| s.column),
            end_column: d.span.map(|s| s.column + s.len.max(1)),
            help: d.help.clone(),
        }
    }
}

/// Renders diagnostics as JSON lines, one `{"type":"diagnostic",...}` object per diagnostic.
pub fn render_json(file: &str, diags: &[Diagnostic]) -> String {
    #[derive(Serialize)]
    struct Tagged {
        r#type: &'static str,
        #[serde(flatten)]
        line: DiagnosticLine,
    }
    let mut out = String::new();
    for d in diags {
        let t = Tagged {
            r#type: "diagnostic",
            line: DiagnosticLine::new(file, d),
        };
        out.push_str(&serde_json::to_string(&t).expect("diagnostics serialize"));
        out.push('\n');
    }
    out
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Renders diagnostics one per line: `file:line:col: severity[CODE]: message`.
pub fn render_short(file: &str, diags: &[Diagnostic]) -> String {
    let file = escaped(file).replace('\n', "\\n");
    let mut out = String::new();
    for d in diags {
        let at = match d.span {
            Some(s) => format!("{file}:{}:{}", s.line, s.column),
            None => file.clone(),
        };
        out.push_str(&format!(
            "{at}: {}[{}]: {}\n",
            severity_word(d.severity),
            d.code,
            escaped(&d.message).replace('\n', " ")
        ));
    }
    out
}

/// Renders diagnostics as GitHub Actions workflow commands (`::error file=…,line=…::message`),
/// which annotate the lines of a pull request. Values are escaped as the runner expects.
pub fn render_github(file: &str, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let mut props = vec![format!("file={}", github_property(file))];
        if let Some(s) = d.span {
            props.push(format!("line={}", s.line));
            props.push(format!("col={}", s.column));
            props.push(format!("endColumn={}", s.column + s.len.max(1)));
        }
        props.push(format!("title={}", d.code));
        let mut text = d.message.clone();
        if let Some(help) = &d.help {
            text.push_str("\nhelp: ");
            text.push_str(help);
        }
        out.push_str(&github_command(
            severity_word(d.severity),
            &props.join(","),
            &text,
        ));
    }
    out
}

/// One workflow command line: `::name props::message`.
pub fn github_command(name: &str, props: &str, message: &str) -> String {
    let space = if props.is_empty() { "" } else { " " };
    format!("::{name}{space}{props}::{}\n", github_data(message))
}

/// Escapes a workflow command's message: `%`, CR and LF, as the runner decodes them
/// (actions/toolkit `escapeData`); other control characters are written as `\u{..}` escapes.
pub fn github_data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    escaped(&s).into_owned()
}

/// Escapes a workflow command's property value: as [`github_data`], and `:` and `,`
/// (actions/toolkit `escapeProperty`).
pub fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Span};

    fn two() -> Vec<Diagnostic> {
        vec![
            Diagnostic::error(
                Code::BadFsid,
                Span::new(3, 9, 8),
                "fsid `6a9c` is not a UUID",
            )
            .with_help("see `ceph fsid`"),
            Diagnostic::warning(Code::NoEdges, None, "the spec has no edge site"),
        ]
    }

    #[test]
    fn json_has_one_object_per_line() {
        let j = render_json("f.yaml", &two());
        assert_eq!(j.lines().count(), 2);
        let v: serde_json::Value = serde_json::from_str(j.lines().next().unwrap()).unwrap();
        assert_eq!(v["type"], "diagnostic");
        assert_eq!(v["code"], "DCN013");
        assert_eq!(v["severity"], "error");
        assert_eq!(v["end_column"], 17);
        let v: serde_json::Value = serde_json::from_str(j.lines().nth(1).unwrap()).unwrap();
        assert_eq!(v["line"], serde_json::Value::Null);
    }

    #[test]
    fn short_is_one_line_each() {
        assert_eq!(
            render_short("f.yaml", &two()),
            "f.yaml:3:9: error[DCN013]: fsid `6a9c` is not a UUID\nf.yaml: warning[DCN032]: the spec has no edge site\n"
        );
        let d = Diagnostic::error(Code::BadName, Span::new(1, 1, 1), "bad `a\nb\u{1b}`");
        assert_eq!(
            render_short("f.yaml", &[d]),
            "f.yaml:1:1: error[DCN029]: bad `a b\\u{1b}`\n"
        );
    }

    #[test]
    fn github_commands_are_escaped() {
        assert_eq!(
            render_github("dir,a:b/f%.yaml", &two()),
            "::error file=dir%2Ca%3Ab/f%25.yaml,line=3,col=9,endColumn=17,title=DCN013::fsid `6a9c` is not a UUID%0Ahelp: see `ceph fsid`\n\
             ::warning file=dir%2Ca%3Ab/f%25.yaml,title=DCN032::the spec has no edge site\n"
        );
        assert_eq!(github_data("100%\r\n:,"), "100%25%0D%0A:,");
        assert_eq!(github_property("a:b,c"), "a%3Ab%2Cc");
    }
}
