//! Diagnostics for people: rustc-style text drawn by annotate-snippets (the renderer rustc and
//! cargo use), with a caret under the value, the file:line:column, and a help line.
//!
//! dcnc cuts each source line to a window around the value before handing it over, so rendering
//! stays linear however long the line, and makes every control character visible: a spec value
//! cannot reach the terminal as an escape sequence.

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::source::{escaped, visible, Lines};
use super::{Diagnostic, Severity};

/// Output styling for [`render_human`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// Show at most this many diagnostics; the summary counts the rest.
    pub limit: Option<usize>,
}

/// Renders diagnostics as rustc-like text: a headline, a `--> file:line:col` pointer, the source
/// line with a caret under the value, a help line; then a summary line counting them all.
pub fn render_human(file: &str, source: &str, diags: &[Diagnostic], style: Style) -> String {
    let renderer = if style.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let lines = Lines::new(source);
    // The path as annotate-snippets prints it (it makes controls visible and tabs spaces too).
    let file = visible(file).replace('\t', " ");
    let shown = style.limit.unwrap_or(usize::MAX).min(diags.len());
    let mut out = String::new();
    for d in &diags[..shown] {
        out.push_str(&render_one(&renderer, d, &file, &lines));
        out.push_str("\n\n");
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    if shown < diags.len() {
        let hidden = &diags[shown..];
        let e = hidden
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        out.push_str(&format!(
            "... and {} more not shown ({e} error{}, {} warning{}); `--message-format short` lists every one\n",
            hidden.len(),
            plural(e),
            hidden.len() - e,
            plural(hidden.len() - e),
        ));
    }
    if !diags.is_empty() {
        out.push_str(&format!(
            "{}: {errors} error{}, {warnings} warning{} in {file}\n",
            if errors > 0 { "failed" } else { "ok" },
            plural(errors),
            plural(warnings),
        ));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One diagnostic, rendered by annotate-snippets.
fn render_one(renderer: &Renderer, d: &Diagnostic, file: &str, lines: &Lines) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let message = escaped(&d.message);
    let mut g = Group::with_title(level.primary_title(message).id(d.code.as_str()));
    // annotate-snippets computes the column it shows from the snippet: when the snippet is a
    // window cut on the left, that column is corrected below.
    let mut shown_column = None;
    match d.span.map(|s| (s, lines.excerpt(s))) {
        Some((span, Some(ex))) => {
            let column = ex.text[..ex.range.start].chars().count() + 1;
            if column != span.column as usize {
                shown_column = Some((span, column));
            }
            g = g.element(
                Snippet::source(ex.text)
                    .path(file)
                    .line_start(span.line as usize)
                    .annotation(AnnotationKind::Primary.span(ex.range)),
            );
        }
        Some((span, None)) => {
            g = g.element(
                Origin::path(file)
                    .line(span.line as usize)
                    .char_column(span.column as usize),
            )
        }
        None => g = g.element(Origin::path(file)),
    }
    let help = d.help.as_deref().map(escaped);
    if let Some(help) = help {
        g = g.element(Level::HELP.message(help));
    }
    let text = renderer.render(&[g]);
    match shown_column {
        Some((span, column)) => text.replacen(
            &format!("{file}:{}:{column}", span.line),
            &format!("{file}:{}:{}", span.line, span.column),
            1,
        ),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Span};

    #[test]
    fn caret_sits_under_the_value() {
        let src = "a: 1\nname: dcn-0\n";
        let d = Diagnostic::error(Code::BadClusterName, Span::new(2, 7, 5), "bad name `dcn-0`")
            .with_help("use letters and digits only");
        let text = render_human("x.yaml", src, &[d], Style::default());
        println!("{text}");
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
}
