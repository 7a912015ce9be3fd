//! YAML as heat reads it (PyYAML's YAML 1.1: `yes`/`no` booleans, `0600` octal, timestamps kept
//! as strings, the last of two equal keys winning), as a tree whose every node knows where it
//! was written. Parsed with serde-saphyr, as the spec is.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::diag::Span;

/// A YAML node and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order; a repeated key appears twice (see [`Node::get`]).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The value of `key` in a mapping: the last entry with that key, as PyYAML keeps it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A scalar as text, the way Python's `str()` would show it (`True`, `5`, `None`).
    pub fn scalar_text(&self) -> Option<String> {
        Some(match &self.value {
            Value::Null => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => s.clone(),
            Value::Seq(_) | Value::Map(_) => return None,
        })
    }

    /// The value as JSON, as heat hands it to a parameter. Mapping keys become strings; of
    /// repeated keys the last wins.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    m.insert(k.scalar_text().unwrap_or_default(), v.to_json());
                }
                J::Object(m)
            }
        }
    }
}

fn span_of(loc: &serde_saphyr::Location) -> Span {
    Span::new(
        loc.line() as u32,
        loc.column() as u32,
        loc.span().len() as u32,
    )
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            span: span_of(&s.referenced),
            value: s.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
}

/// Why a file is not YAML heat could read, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub span: Option<Span>,
    pub message: String,
}

/// The largest YAML file import reads.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// Parses one YAML document the way heat's loader (PyYAML) reads it. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    if text.len() > MAX_BYTES {
        return Err(YamlError {
            span: None,
            message: format!(
                "{} bytes; dcnc import reads at most {MAX_BYTES}",
                text.len()
            ),
        });
    }
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---")
    {
        return Ok(Node {
            span: Span::new(1, 1, 0),
            value: Value::Null,
        });
    }
    let options = serde_saphyr::options! {
        strict_booleans: false,
        legacy_octal_numbers: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    };
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|e| {
        let span = e.location().map(|l| span_of(&l)).filter(|s| s.line > 0);
        let message = e.to_string();
        let first = message.lines().next().unwrap_or("").trim();
        let first = first.find(" at line ").map_or(first, |i| &first[..i]);
        YamlError {
            span,
            message: first.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_knows_where_it_is() {
        let n = parse("parameter_defaults:\n  A: 1\n  B:\n    c: [x, y]\n").unwrap();
        let pd = n.get("parameter_defaults").unwrap();
        let (k, v) = &pd.entries()[1];
        assert_eq!(k.as_str(), Some("B"));
        assert_eq!(k.span.line, 3);
        assert_eq!(k.span.column, 3);
        let c = v.get("c").unwrap();
        assert_eq!(c.items()[1].span, Span::new(4, 12, 1));
    }

    #[test]
    fn yaml_one_one_like_pyyaml() {
        let n = parse("a: yes\nb: off\nc: 0600\nd: 2024-01-01\ne: ~\nf: '0600'\n").unwrap();
        assert_eq!(n.get("a").unwrap().value, Value::Bool(true));
        assert_eq!(n.get("b").unwrap().value, Value::Bool(false));
        assert_eq!(n.get("c").unwrap().value, Value::Int(0o600));
        assert_eq!(n.get("e").unwrap().value, Value::Null);
        assert_eq!(n.get("f").unwrap().as_str(), Some("0600"));
        assert!(n.get("d").is_some());
    }

    #[test]
    fn the_last_of_two_keys_wins_and_both_are_seen() {
        let n = parse("a: 1\na: 2\n").unwrap();
        assert_eq!(n.entries().len(), 2);
        assert_eq!(n.get("a").unwrap().value, Value::Int(2));
    }

    #[test]
    fn errors_are_located() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.span.is_some(), "{e:?}");
        let e = parse("a:\n\tb: 1\n").unwrap_err();
        assert!(e.span.is_some(), "{e:?}");
    }

    #[test]
    fn empty_is_null() {
        assert_eq!(parse("# nothing\n").unwrap().value, Value::Null);
    }
}
