//! Where and how a run prints: the one place that knows the message format and the colour.
//!
//! human: results on stdout, diagnostics and notes on stderr. short: the same, one line per
//! diagnostic. github: diagnostics and errors as workflow commands on stdout. json: every stdout
//! line is a [`Message`], the last one a summary; nothing else is printed.

use std::ffi::OsString;
use std::io::{IsTerminal, Write as _};
use std::path::Path;
use std::process::ExitCode;

use super::args::{ColorChoice, MessageFormat};
use super::message::{to_line, ErrorLine, Message, SummaryLine};
use crate::diag::{self, Diagnostic, Severity, Style};

/// Human diagnostics shown at most; the summary counts the rest (`short` and `json` list all).
pub const HUMAN_LIMIT: usize = 100;

/// A failure that is not a problem in a spec.
#[derive(Debug)]
pub struct Failure {
    /// Stable kind, see [`ErrorLine::kind`].
    pub kind: String,
    pub message: String,
    pub path: Option<String>,
}

impl Failure {
    pub fn new(kind: &str, path: Option<&Path>, message: impl Into<String>) -> Self {
        Failure {
            kind: kind.to_string(),
            message: message.into(),
            path: path.map(|p| p.display().to_string()),
        }
    }
}

impl From<crate::write::WriteError> for Failure {
    fn from(e: crate::write::WriteError) -> Self {
        let path = e.path().to_path_buf();
        Failure::new(e.kind(), Some(&path), e.to_string())
    }
}

/// Whether to colour: `--color`, then NO_COLOR (set and not empty: never, no-color.org), then
/// CLICOLOR_FORCE (set and not `0`: always) and CLICOLOR=0 (never), then whether the stream is a
/// terminal (and TERM is not `dumb`).
pub fn use_color(
    choice: ColorChoice,
    terminal: bool,
    env: impl Fn(&str) -> Option<OsString>,
) -> bool {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR").is_some() => false,
        ColorChoice::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColorChoice::Auto if set("CLICOLOR").is_some_and(|v| v == "0") => false,
        ColorChoice::Auto => terminal && set("TERM").is_none_or(|t| t != "dumb"),
    }
}

/// Writes to stdout. A closed pipe (`dcnc graph | head`) ends dcnc quietly instead of panicking.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        let _ = writeln!(
            std::io::stderr(),
            "error: cannot write to standard output: {e}"
        );
        std::process::exit(2);
    }
}

fn stderr(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// One run's printer: counts what it printed, and ends the run with a summary.
pub struct Reporter {
    pub format: MessageFormat,
    color: bool,
    command: Option<&'static str>,
    errors: usize,
    warnings: usize,
}

impl Reporter {
    pub fn new(format: MessageFormat, color: ColorChoice, command: Option<&'static str>) -> Self {
        let color = use_color(color, std::io::stderr().is_terminal(), |k| {
            std::env::var_os(k)
        });
        Reporter {
            format,
            color,
            command,
            errors: 0,
            warnings: 0,
        }
    }

    pub fn json(&self) -> bool {
        self.format == MessageFormat::Json
    }

    /// Prints one JSON line (json format only).
    pub fn message(&self, m: &Message) {
        debug_assert!(self.json());
        stdout(&to_line(m));
    }

    /// Prints a command's result: `text` in every format but json, `json` in json.
    pub fn result(&self, text: &str, json: impl FnOnce() -> Message) {
        if self.json() {
            self.message(&json());
        } else {
            stdout(text);
        }
    }

    /// A note for people (on stderr), e.g. how many files a build wrote; json has the summary.
    pub fn note(&self, text: &str) {
        if !self.json() {
            stderr(&format!("{text}\n"));
        }
    }

    /// Text for people on stderr, as it is (nothing in json).
    pub fn text(&self, text: &str) {
        if !self.json() {
            stderr(text);
        }
    }

    /// Prints the diagnostics of spec `file` (its `text` is what they point into).
    pub fn diagnostics(&mut self, file: &str, text: &str, diags: &[Diagnostic]) {
        if diags.is_empty() {
            return;
        }
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        self.errors += errors;
        self.warnings += diags.len() - errors;
        match self.format {
            // Machine-readable diagnostics are the output: stdout, for editors and CI to read.
            MessageFormat::Json => stdout(&diag::render_json(file, diags)),
            MessageFormat::Github => {
                stdout(&diag::render_github(file, diags));
                stderr(&summary_line(file, errors, diags.len() - errors));
            }
            MessageFormat::Short => {
                stderr(&diag::render_short(file, diags));
                stderr(&summary_line(file, errors, diags.len() - errors));
            }
            MessageFormat::Human => {
                let style = Style {
                    color: self.color,
                    limit: Some(HUMAN_LIMIT),
                };
                stderr(&diag::render_human(file, text, diags, style));
            }
        }
    }

    /// Prints a failure that is not a problem in a spec.
    pub fn failure(&self, f: &Failure) {
        match self.format {
            MessageFormat::Json => self.message(&Message::Error(ErrorLine {
                kind: f.kind.clone(),
                message: f.message.clone(),
                path: f.path.clone(),
            })),
            MessageFormat::Github => {
                let props = match &f.path {
                    Some(p) => format!("file={},title=dcnc", diag::github_property(p)),
                    None => "title=dcnc".to_string(),
                };
                stdout(&diag::github_command("error", &props, &f.message));
            }
            MessageFormat::Human | MessageFormat::Short => {
                let word = if self.color {
                    "\x1b[1;31merror\x1b[0m"
                } else {
                    "error"
                };
                let message = diag::source::escaped(&f.message);
                stderr(&format!("{word}: {message}\n"));
            }
        }
    }

    /// Ends the run: prints the summary line (json) and returns the exit code.
    pub fn finish(self, code: u8, fill: impl FnOnce(&mut SummaryLine)) -> ExitCode {
        if self.json() {
            let mut s = SummaryLine::new(self.command, code);
            s.errors = self.errors;
            s.warnings = self.warnings;
            fill(&mut s);
            self.message(&Message::Summary(s));
        }
        ExitCode::from(code)
    }
}

/// `failed: 1 error, 0 warnings in FILE`, as the human renderer ends.
fn summary_line(file: &str, errors: usize, warnings: usize) -> String {
    format!(
        "{}: {errors} error{}, {warnings} warning{} in {}\n",
        if errors > 0 { "failed" } else { "ok" },
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
        diag::source::escaped(file)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn colour_follows_the_flag_then_the_environment_then_the_terminal() {
        use ColorChoice::*;
        assert!(use_color(Always, false, env(&[("NO_COLOR", "1")])));
        assert!(!use_color(Never, true, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(use_color(Auto, true, env(&[])));
        assert!(!use_color(Auto, false, env(&[])));
        assert!(!use_color(Auto, true, env(&[("NO_COLOR", "1")])));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(use_color(Auto, true, env(&[("NO_COLOR", "")])));
        assert!(use_color(Auto, false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!use_color(Auto, false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!use_color(
            Auto,
            false,
            env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])
        ));
        assert!(!use_color(Auto, true, env(&[("CLICOLOR", "0")])));
        assert!(!use_color(Auto, true, env(&[("TERM", "dumb")])));
    }
}
