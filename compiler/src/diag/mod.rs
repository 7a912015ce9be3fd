//! Diagnostics: the one place where problems found in a spec are represented and rendered.
//!
//! Every phase reports problems as [`Diagnostic`]s carrying a stable [`Code`], a [`Span`] into the
//! spec file and an optional help line. Wording lives in the phase that finds the problem; layout
//! (human text with a caret under the value in `human`; JSON lines, one-line and GitHub
//! annotations in `machine`) lives here, over the spec's lines as `source` finds them.

mod human;
mod machine;
mod names;
pub mod source;

pub use human::{render_human, Style};
pub use machine::{
    github_command, github_data, github_property, render_github, render_json, render_short,
    DiagnosticLine,
};
pub use names::name_list;

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

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
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
                match self { $( Code::$variant => include_str!(concat!("../../explain/", $code, ".md")), )* }
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
    TooFewOsdHosts = "DCN060";
    OsdDevices = "DCN061";
    FillMeIn = "DCN063";
    CapsTooWide = "DCN064";
    CapsMissPool = "DCN065";
    ClientUserPerCluster = "DCN066";
    BadNode = "DCN070";
    NodesNeeded = "DCN071";
    OperatorName = "DCN072";
    ContainerImages = "DCN090";
    DiffersOnPurpose = "DCN095";
    NetworksWithoutData = "DCN096";
    NetworkNoRole = "DCN097";
    BadNetworkName = "DCN098";
    UnsafeText = "DCN080";
    TooLarge = "DCN081";
    KeyInSpec = "DCN082";
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

/// The closest candidate to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    let len = word.chars().count();
    candidates
        .into_iter()
        .filter_map(|c| {
            let c_len = c.chars().count();
            let limit = (c_len.max(len) / 3).max(1);
            // The distance is at least the difference in length: most candidates (thousands of
            // heat parameter names) are skipped without computing it.
            if c_len.abs_diff(len) > limit {
                return None;
            }
            let d = strsim::levenshtein(&word, &c.to_lowercase());
            (d <= limit).then_some((d, c))
        })
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

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
