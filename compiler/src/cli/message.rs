//! The lines of `--message-format json`: with it, every line dcnc prints on stdout is one JSON
//! object of this type, tagged by `"type"`, and the last line is a `summary`. The book's page
//! (`book/src/reference/messages.md`) and `schema/dcnc-messages.schema.json` are generated
//! from these types, so the documentation is the code.

use serde::{Deserialize, Serialize};

use crate::diag::DiagnosticLine;

/// One line of `dcnc --message-format json` output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[schemars(title = "dcnc --message-format json: one line")]
pub enum Message {
    /// A problem found in a spec (check, build, graph, plan).
    Diagnostic(DiagnosticLine),
    /// A failure that is not a problem in a spec: a usage error, a file that cannot be read, an
    /// output directory dcnc may not write.
    Error(ErrorLine),
    /// `build --check`: one file that differs from what the spec generates.
    Drift(DriftLine),
    /// `graph`: the step graph, as text in the chosen `--format` and as data.
    Graph(GraphLine),
    /// `plan`: the steps to run again, in order, and why.
    Plan(PlanLine),
    /// `targets`: the release target tables.
    Targets(TargetsLine),
    /// `explain`: one diagnostic code's explanation.
    Explanation(ExplanationLine),
    /// A document dcnc prints (`schema`, `completions`, `man` without a directory).
    Document(DocumentLine),
    /// A file dcnc wrote (`man DIR`, `docs DIR`).
    File(FileLine),
    /// The last line of every run: how it ended.
    Summary(SummaryLine),
}

/// A failure that is not a problem in a spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorLine {
    /// What kind of failure: `usage` (the command line), `io` (reading or writing a file),
    /// `not-ours` (an output directory dcnc did not write), `not-a-directory`, `bad-path`,
    /// `unknown-code` (`explain`), `denied-warnings`, or a kind of the output writer.
    pub kind: String,
    /// What went wrong, for people.
    pub message: String,
    /// The file or directory it is about, if any.
    pub path: Option<String>,
}

/// How one file of the output directory differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DriftLine {
    pub kind: DriftKind,
    /// The file, relative to the output directory.
    pub path: String,
    /// For `changed`: a unified diff from the file on disk (`a/`) to what dcnc writes (`b/`),
    /// and a `mode OLD -> NEW` line when the mode differs.
    pub diff: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// dcnc would write it; it is absent.
    Missing,
    /// Its bytes or mode differ.
    Changed,
    /// dcnc wrote it before and no longer would.
    Extra,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphLine {
    /// `dot`, `mermaid` or `order`: the format of `text`.
    pub format: String,
    /// The graph as `dcnc graph --format FORMAT` prints it.
    pub text: String,
    /// Every step, in the order to run them.
    pub steps: Vec<GraphStep>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphStep {
    /// Stable id, e.g. `deploy-dcn0`.
    pub id: String,
    pub title: String,
    /// The command that runs it, relative to the output directory.
    pub command: String,
    /// Where it runs.
    pub host: String,
    /// The ids of the steps it needs.
    pub after: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanLine {
    /// Steps to run, in order.
    pub run: Vec<PlanStep>,
    /// Steps of the new deployment that need nothing.
    pub unchanged: Vec<String>,
    /// Stacks of the old spec that the new one no longer has.
    pub removed_stacks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    pub step: String,
    pub command: String,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsLine {
    /// The tables, as `dcnc targets --format json` prints them.
    pub targets: Vec<serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplanationLine {
    pub code: String,
    pub title: String,
    /// The explanation, in markdown.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentLine {
    /// The file name it is usually saved as, e.g. `dcn.schema.json`, `dcnc.bash`, `dcnc.1`.
    pub name: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileLine {
    /// The path written.
    pub path: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryLine {
    /// The command that ran, or `null` when the command line could not be read.
    pub command: Option<String>,
    /// dcnc's exit status: 0 success; 1 errors in the spec, denied warnings, or an output tree
    /// that is out of date; 2 a usage or I/O error.
    pub exit_code: u8,
    /// Error diagnostics printed.
    pub errors: usize,
    /// Warning diagnostics printed.
    pub warnings: usize,
    /// `build`: the output directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out: Option<String>,
    /// `build`: files written, unchanged and removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<usize>,
    /// `build --check`: files missing, changed and extra (`drift` lines name them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<usize>,
}

impl SummaryLine {
    pub fn new(command: Option<&str>, exit_code: u8) -> Self {
        SummaryLine {
            command: command.map(str::to_string),
            exit_code,
            errors: 0,
            warnings: 0,
            out: None,
            written: None,
            unchanged: None,
            removed: None,
            missing: None,
            changed: None,
            extra: None,
        }
    }
}

/// The JSON schema of one line, as committed in `schema/dcnc-messages.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Message);
    let mut s = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    s.push('\n');
    s
}

/// One line of JSON.
pub fn to_line(m: &Message) -> String {
    let mut s = serde_json::to_string(m).expect("messages serialize");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_their_type_and_read_back() {
        let m = Message::Drift(DriftLine {
            kind: DriftKind::Changed,
            path: "a.yaml".into(),
            diff: Some("-x\n+y\n".into()),
        });
        let line = to_line(&m);
        assert!(
            line.starts_with(r#"{"type":"drift","kind":"changed","#),
            "{line}"
        );
        assert_eq!(serde_json::from_str::<Message>(&line).unwrap(), m);
        // Unknown fields are refused: the schema is exact.
        let bad = r#"{"type":"file","path":"x","extra":1}"#;
        assert!(serde_json::from_str::<Message>(bad).is_err());
        let s = SummaryLine::new(Some("check"), 0);
        let line = to_line(&Message::Summary(s.clone()));
        assert_eq!(
            line,
            "{\"type\":\"summary\",\"command\":\"check\",\"exit_code\":0,\"errors\":0,\"warnings\":0}\n"
        );
        assert_eq!(
            serde_json::from_str::<Message>(&line).unwrap(),
            Message::Summary(s)
        );
    }

    #[test]
    fn diagnostics_render_as_message_lines() {
        use crate::diag::{render_json, Code, Diagnostic, Span};
        let d = Diagnostic::error(Code::BadFsid, Span::new(2, 3, 4), "m").with_help("h");
        let line = render_json("f.yaml", std::slice::from_ref(&d));
        let m: Message = serde_json::from_str(&line).unwrap();
        assert_eq!(m, Message::Diagnostic(DiagnosticLine::new("f.yaml", &d)));
        assert_eq!(to_line(&m), line);
    }
}
