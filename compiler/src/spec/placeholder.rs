//! Placeholders: the `<fill me in: …>` values `dcnc init` writes where only the user knows the
//! value (an fsid, mon addresses). Found here, anywhere in the spec, with their spans; `check`
//! reports each as DCN063 instead of the errors the value would otherwise get.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::leaf::span_of;
use crate::diag::Span;

/// How every placeholder starts.
pub const MARKER: &str = "<fill me in";

/// One placeholder: where it is and what it asks for (its whole text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    pub span: Span,
    pub text: String,
}

/// Every string value of `text` that is a placeholder. Reads the text again only when the
/// marker occurs in it; a text that does not parse has none (its syntax error is reported).
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options::<Found>(text, options)
        .map(|f| f.0)
        .unwrap_or_default()
}

/// The placeholders at and below one node.
struct Found(Vec<Placeholder>);

enum Node {
    Text(String),
    Below(Vec<Placeholder>),
}

impl<'de> Deserialize<'de> for Found {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<Node>::deserialize(d)?;
        Ok(Found(match s.value {
            Node::Text(t) if t.trim_start().starts_with(MARKER) => vec![Placeholder {
                span: span_of(&s.referenced),
                text: t,
            }],
            Node::Text(_) => Vec::new(),
            Node::Below(v) => v,
        }))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Text(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::Text(v))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Below(Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Below(Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Below(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Below(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Below(Vec::new()))
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Below(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut all = Vec::new();
                while let Some(Found(f)) = seq.next_element::<Found>()? {
                    all.extend(f);
                }
                Ok(Node::Below(all))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut all = Vec::new();
                while map.next_key::<IgnoredAny>()?.is_some() {
                    all.extend(map.next_value::<Found>()?.0);
                }
                Ok(Node::Below(all))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_anywhere_with_their_spans() {
        let text = "# <fill me in: not in a comment>\na:\n  b: \"<fill me in: the fsid>\"\n  c: [x, \"<fill me in: a mon>\"]\n  d: 3\n";
        let p = placeholders(text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].text, "<fill me in: the fsid>");
        assert_eq!((p[0].span.line, p[0].span.column), (3, 6));
        assert_eq!((p[1].span.line, p[1].span.column), (4, 10));
        assert!(placeholders("a: 1\n").is_empty());
        assert!(
            placeholders("a: [<fill me in\n").is_empty(),
            "a syntax error has none"
        );
    }
}
