//! Reading spec text: size limits, serde-saphyr with its budget, and serde-saphyr's errors turned
//! into located diagnostics: DCN001 (syntax), DCN002 (unknown field), DCN003 (wrong type) and
//! DCN004 (duplicate key). The JSON schema of the same types is produced here too.

use crate::diag::{did_you_mean, Code, Diagnostic, Span};

use super::leaf::span_of;
use super::Spec;

/// Hard limits on what a spec may be, so no input can exhaust time or memory.
const MAX_SPEC_BYTES: usize = 64 * 1024 * 1024;

/// Parses spec text. Returns one diagnostic when the text is not a well-formed spec.
pub fn parse(text: &str) -> Result<Spec, Diagnostic> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(Diagnostic::error(
            Code::Syntax,
            None,
            format!(
                "the spec is {} bytes; dcnc reads at most {MAX_SPEC_BYTES}",
                text.len()
            ),
        ));
    }
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(
            Diagnostic::error(Code::WrongType, None, "the spec is empty").with_help(
                "a spec needs at least `central:` with `fsid` and `mons`; see `dcnc schema`",
            ),
        );
    }
    // serde-saphyr's default budget bounds events, nodes, depth and alias expansion, so an alias
    // bomb or deep nesting ends in an error, not exhaustion. Comments are still checked as YAML
    // but their text is not kept (no spec field takes one): 6 % fewer instructions in the parse
    // of a 1,000-edge spec (callgrind, 82.1 M -> 77.4 M).
    let options = serde_saphyr::options! {
        strict_booleans: true,
        strict_indentation: true,
        emit_comments: false,
    };
    serde_saphyr::from_str_with_options::<Spec>(text, options).map_err(|e| from_yaml_error(&e))
}

fn from_yaml_error(e: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let span = e.location().map(|l| span_of(&l)).filter(|s| s.line > 0);
    // Unwrap the snippet and alias wrappers to the error itself.
    let mut inner = e;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = inner {
        inner = error;
    }
    match inner {
        E::SerdeUnknownField {
            field, expected, ..
        } => {
            let d = Diagnostic::error(Code::UnknownField, span, format!("unknown field `{field}`"));
            match did_you_mean(field, expected.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("expected one of {}", quoted(expected))),
            }
        }
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let d = Diagnostic::error(Code::WrongType, span, format!("unknown value `{variant}`"));
            match did_you_mean(variant, expected.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("expected one of {}", quoted(expected))),
            }
        }
        E::SerdeMissingField { field, .. } => {
            Diagnostic::error(Code::WrongType, span, format!("missing field `{field}`"))
                .with_help(format!("add `{field}:` to this mapping"))
        }
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | E::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => Diagnostic::error(
            Code::WrongType,
            span,
            format!("expected {expected}, found {unexpected}"),
        ),
        E::Budget { .. } => Diagnostic::error(
            Code::Syntax,
            span,
            "the spec is too large or expands too much to read",
        )
        .with_help("dcnc reads at most 250,000 YAML nodes and 1,000,000 events; aliases count every time they are expanded"),
        E::Unexpected { expected, .. } => {
            Diagnostic::error(Code::WrongType, span, format!("expected {expected}"))
        }
        E::DuplicateMappingKey { key, .. } => Diagnostic::error(
            Code::DuplicateKey,
            span,
            match key {
                Some(k) => format!("duplicate key `{k}`"),
                None => "duplicate key".to_string(),
            },
        )
        .with_help("YAML keeps only one of them; remove the other"),
        other => plain_error(other, span),
    }
}

/// serde-saphyr's messages sometimes speak to the Rust programmer (`use Option<String>`, `use
/// from_str_multiple …`); what follows such a `; use` is dropped.
fn user_wording(message: &str) -> String {
    match message.find("; use ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The errors serde-saphyr words for a Rust programmer, in the user's words; the rest with its
/// own first line.
fn plain_error(e: &serde_saphyr::Error, span: Option<Span>) -> Diagnostic {
    use serde_saphyr::Error as E;
    match e {
        E::NullIntoString { .. } | E::InvalidCharNull { .. } => Diagnostic::error(
            Code::WrongType,
            span,
            "expected a string, found an empty value",
        )
        .with_help("write the value, or remove the key (`~`, `null` and nothing at all are empty)"),
        E::MultipleDocuments { .. } => Diagnostic::error(
            Code::Syntax,
            span,
            "the file holds more than one YAML document",
        )
        .with_help(
            "a spec is one document: remove the `---` line and what follows, or split the file",
        ),
        E::RecursiveReferencesRequireWeakTypes { .. } => Diagnostic::error(
            Code::Syntax,
            span,
            "this alias refers to the node that contains it",
        )
        .with_help("a value cannot contain itself; write the value out instead of the alias"),
        E::NonFiniteFloat { value, .. } => Diagnostic::error(
            Code::WrongType,
            span,
            format!("`{value}` is not a finite number"),
        )
        .with_help("heat and the generated files take finite numbers; quote it if it is a string"),
        E::InvalidBooleanStrict { .. } => {
            Diagnostic::error(Code::WrongType, span, "expected `true` or `false`")
        }
        E::BinaryNotUtf8 { .. } | E::TaggedScalarCannotDeserializeIntoString { .. } => {
            Diagnostic::error(
                Code::WrongType,
                span,
                "a tagged value where a string is expected",
            )
            .with_help("remove the tag (`!!binary`, `!tag`) and write the text")
        }
        E::MergeKeyNotAllowed { .. } | E::MergeValueNotMapOrSeqOfMaps { .. } => Diagnostic::error(
            Code::Syntax,
            span,
            "a merge key (`<<`) needs a mapping or a list of mappings",
        ),
        other => Diagnostic::error(
            Code::Syntax,
            span,
            user_wording(&first_line(&other.to_string())),
        ),
    }
}

fn first_line(s: &str) -> String {
    let s = s.lines().next().unwrap_or("").trim();
    // serde-saphyr appends " at line L column C"; our pointer already says where
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON schema of the spec, as editors and `check-jsonschema` use it.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Spec);
    let mut s = serde_json::to_string_pretty(&schema).expect("schema serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    const MIN: &str =
        "central:\n  fsid: 6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60\n  mons: [10.0.0.1]\n";

    #[test]
    fn values_carry_their_position() {
        let spec = parse(MIN).unwrap();
        assert_eq!(spec.central.fsid.span, Span::new(2, 9, 36));
        assert_eq!(spec.central.mons.value[0].span.line, 3);
    }

    #[test]
    fn unknown_field_suggests_the_close_one() {
        let e = parse("central:\n  fsid: x\n  mons: []\n  clustr: c\n").unwrap_err();
        assert_eq!(e.code, Code::UnknownField);
        assert_eq!(e.span.map(|s| s.line), Some(4));
        assert_eq!(e.help.as_deref(), Some("did you mean `cluster`?"));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = parse(&format!("{MIN}region: a\nregion: b\n")).unwrap_err();
        assert_eq!(e.code, Code::DuplicateKey, "{e:?}");
    }

    #[test]
    fn messages_speak_to_the_user_not_the_rust_programmer() {
        for (text, want) in [
            (
                "central:\n  fsid: ~\n  mons: [a]\n".into(),
                "expected a string, found an empty value",
            ),
            (
                format!("{MIN}---\nregion: a\n"),
                "the file holds more than one YAML document",
            ),
            (
                "central:\n  fsid: x\n  mons: [a]\n  parameters:\n    A: &a [*a]\n".into(),
                "this alias refers to the node that contains it",
            ),
            (
                format!("{MIN}  parameters:\n    A: .inf\n"),
                "`.inf` is not a finite number",
            ),
        ] {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.message, want, "{text}");
            assert!(!e.message.contains("Option<") && !e.message.contains("from_str"));
            assert!(e.span.is_some(), "{text}: located");
        }
        assert_eq!(user_wording("x; use Option<char>"), "x");
    }

    #[test]
    fn empty_input_is_a_located_error_not_a_panic() {
        assert_eq!(parse("").unwrap_err().code, Code::WrongType);
        assert_eq!(parse("   \n").unwrap_err().code, Code::WrongType);
    }
}
