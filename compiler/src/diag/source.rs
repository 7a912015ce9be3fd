//! The spec's text as the renderers see it: lines found once (LF, CRLF and a lone CR all end a
//! line, as they do for the YAML parser), a window of at most [`WINDOW`] characters around a
//! span, and text made safe for a terminal.
//!
//! Everything here is linear in the size of the spec plus the number of diagnostics: a line is
//! indexed by character once, when a diagnostic first points into it.

use std::cell::RefCell;
use std::collections::HashMap;

use super::Span;

/// Longest source line shown in full; a longer one shows this many characters around the value.
pub const WINDOW: usize = 100;

/// The spec text split into lines once.
pub struct Lines<'a> {
    text: &'a str,
    /// Byte range of each line, without its line break.
    lines: Vec<(usize, usize)>,
    /// For each line a span pointed into: `None` if it is ASCII, else the byte offset of each
    /// of its characters. Made once per line, so many spans into one long line stay linear.
    chars: RefCell<HashMap<usize, Option<Vec<usize>>>>,
}

/// A window of one source line around a span, ready to print.
#[derive(Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// The characters shown (control characters made visible), `...` where the line was cut.
    pub text: String,
    /// Byte range of the span inside `text`.
    pub range: std::ops::Range<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut lines = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => {
                    lines.push((start, i));
                    start = i + 1;
                }
                b'\r' => {
                    lines.push((start, i));
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        if start < bytes.len() {
            lines.push((start, bytes.len()));
        }
        Lines {
            text,
            lines,
            chars: RefCell::new(HashMap::new()),
        }
    }

    /// The text of 1-based line `n`, without its line break.
    pub fn line(&self, n: u32) -> Option<&'a str> {
        let (start, end) = *self.lines.get((n as usize).checked_sub(1)?)?;
        Some(&self.text[start..end])
    }

    /// The window of `span`'s line around it, or `None` when the span points at no line.
    pub fn excerpt(&self, span: Span) -> Option<Excerpt> {
        let line = self.line(span.line)?;
        let col = (span.column as usize).saturating_sub(1);
        let mut cache = self.chars.borrow_mut();
        // `None` for an ASCII line, where characters are bytes; else each character's offset.
        let table = cache.entry(span.line as usize).or_insert_with(|| {
            (!line.is_ascii()).then(|| line.char_indices().map(|(b, _)| b).collect())
        });
        let (first, last, at, until) = match table {
            None => window(line.len(), col, span.len as usize, |c| c),
            Some(t) => window(t.len(), col, span.len as usize, |c| {
                t.get(c).copied().unwrap_or(line.len())
            }),
        };
        let mut text = String::with_capacity(last - first + 8);
        if first > 0 {
            text.push_str("...");
        }
        let start = text.len() + visible(&line[first..at]).len();
        text.push_str(&visible(&line[first..last]));
        let end = start + visible(&line[at..until]).len();
        if last < line.len() {
            text.push_str("...");
        }
        Some(Excerpt {
            text,
            range: start..end.max(start),
        })
    }
}

/// The byte offsets (first shown, last shown, span start, span end) of a window of at most
/// [`WINDOW`] characters of a line of `count` characters around the span `col..col+len`
/// (character positions; `offset` maps one to its byte offset).
fn window(
    count: usize,
    col: usize,
    len: usize,
    offset: impl Fn(usize) -> usize,
) -> (usize, usize, usize, usize) {
    let col = col.min(count);
    let (first, last) = if count <= WINDOW {
        (0, count)
    } else {
        let first = col.saturating_sub(WINDOW / 2).min(count - WINDOW);
        (first, first + WINDOW)
    };
    let until = (col + len.max(1)).min(last).max(col);
    (offset(first), offset(last), offset(col), offset(until))
}

/// True for characters that must not reach a terminal as they are: C0 controls but tab, DEL, C1
/// controls (U+0080..U+009F: some terminals read U+009B as CSI) and the bidirectional overrides
/// and isolates that reorder what is shown (Trojan Source).
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character replaced by one visible character, so that columns stay where
/// they were: C0 controls and DEL by their Unicode control pictures (`␛` for ESC, as rustc shows
/// them), the others by `�`.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return s.into();
    }
    s.chars()
        .map(|c| match c {
            '\0'..='\u{1f}' if c != '\t' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            c if is_unsafe(c) => '\u{fffd}',
            c => c,
        })
        .collect::<String>()
        .into()
}

/// `s` with every unsafe character written as an escape (`\n`, `\r`, `\u{1b}`), for messages:
/// a spec value quoted in a message cannot move the cursor, set the title or start a new line.
pub fn escaped(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push('\n'),
            '\r' => out.push_str("\\r"),
            c if is_unsafe(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_break_ends_a_line() {
        let l = Lines::new("a\nb\r\nc\rd");
        assert_eq!(
            (1..=5).map(|n| l.line(n)).collect::<Vec<_>>(),
            [Some("a"), Some("b"), Some("c"), Some("d"), None]
        );
        assert_eq!(Lines::new("x\r").line(2), None);
        assert_eq!(Lines::new("").line(1), None);
        assert_eq!(Lines::new("x").line(0), None);
    }

    #[test]
    fn a_short_line_is_shown_whole() {
        let l = Lines::new("name: dcn-0\n");
        let e = l.excerpt(Span::new(1, 7, 5)).unwrap();
        assert_eq!(e.text, "name: dcn-0");
        assert_eq!(&e.text[e.range.clone()], "dcn-0");
        // A span past the end of the line sits at its end.
        let e = l.excerpt(Span::new(1, 40, 3)).unwrap();
        assert_eq!(e.range, 11..11);
    }

    #[test]
    fn a_long_line_shows_a_window_around_the_span() {
        let line = format!("mons: [{}]", vec!["10.0.0.1"; 1000].join(", "));
        let l = Lines::new(&line);
        let col = line.rfind("10.0.0.1").unwrap() as u32 + 1;
        let e = l.excerpt(Span::new(1, col, 8)).unwrap();
        assert!(
            e.text.starts_with("...") && !e.text.ends_with("..."),
            "{}",
            e.text
        );
        assert!(e.text.chars().count() <= WINDOW + 6);
        assert_eq!(&e.text[e.range.clone()], "10.0.0.1");
        let e = l.excerpt(Span::new(1, 1, 4)).unwrap();
        assert!(!e.text.starts_with("...") && e.text.ends_with("..."));
        assert_eq!(&e.text[e.range.clone()], "mons");
    }

    #[test]
    fn a_long_non_ascii_line_counts_characters() {
        let line = format!("d: \"{}\" x", "é".repeat(300));
        let l = Lines::new(&line);
        let e = l.excerpt(Span::new(1, 307, 1)).unwrap();
        assert_eq!(&e.text[e.range.clone()], "x");
        let e = l.excerpt(Span::new(1, 150, 2)).unwrap();
        assert_eq!(&e.text[e.range.clone()], "éé");
    }

    #[test]
    fn control_characters_become_visible_in_place() {
        assert_eq!(visible("a\u{1b}[2Jb\u{7}\u{9b}\u{202e}\t"), "a␛[2Jb␇��\t");
        let l = Lines::new("name: \"dcn\u{1b}]0;T\u{7}\" x");
        let e = l.excerpt(Span::new(1, 19, 1)).unwrap();
        assert_eq!(&e.text[e.range.clone()], "x");
        assert!(!e.text.contains('\u{1b}'));
        assert_eq!(
            escaped("`dcn\u{1b}]0;T\u{7}`\r"),
            "`dcn\\u{1b}]0;T\\u{7}`\\r"
        );
        assert_eq!(escaped("two\nlines"), "two\nlines");
    }
}
