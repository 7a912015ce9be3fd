//! DCN063: a `dcnc init` placeholder left in the spec. Each is reported at its location, in
//! place of the errors its text would get as a value (not a UUID, not an IP address).

use std::collections::HashSet;

use crate::diag::{self, Code, Diagnostic};
use crate::spec::placeholder::{Placeholder, MARKER};

/// Replaces the diagnostics at placeholders with one DCN063 error each.
pub fn report(diags: &mut Vec<Diagnostic>, holes: &[Placeholder]) {
    if holes.is_empty() {
        return;
    }
    let at: HashSet<(u32, u32)> = holes.iter().map(|h| (h.span.line, h.span.column)).collect();
    diags.retain(|d| d.span.is_none_or(|s| !at.contains(&(s.line, s.column))));
    for h in holes {
        let what = h.text.trim();
        let what = what.strip_prefix(MARKER).unwrap_or(what);
        let what = what.strip_suffix('>').unwrap_or(what);
        let what = what.trim_start_matches([':', ' ']);
        let message = if what.is_empty() {
            "fill me in".to_string()
        } else {
            format!("fill me in: {what}")
        };
        diags.push(
            Diagnostic::error(Code::FillMeIn, h.span, message)
                .with_help("replace the placeholder, quotes included, with the value"),
        );
    }
    diag::sort(diags);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    #[test]
    fn a_placeholder_replaces_the_errors_at_its_place() {
        let hole = Placeholder {
            span: Span::new(3, 9, 20),
            text: "<fill me in: the fsid (`ceph fsid`)>".into(),
        };
        let mut diags = vec![
            Diagnostic::error(Code::BadFsid, Span::new(3, 9, 20), "not a UUID"),
            Diagnostic::error(Code::BadMon, Span::new(4, 9, 3), "not an IP"),
        ];
        report(&mut diags, &[hole]);
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].code, Code::FillMeIn);
        assert_eq!(diags[0].message, "fill me in: the fsid (`ceph fsid`)");
        assert_eq!(diags[1].code, Code::BadMon);
    }
}
