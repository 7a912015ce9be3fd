//! The spec import writes: a small YAML document model, rendered block style (one value a
//! line, so each line can say which place of the original it came from) and deterministic.

use serde_json::Value as Json;

use super::source::Loc;
use crate::emit::{comment, yaml_json, yaml_scalar};

/// A node of the document, with the place of the original deployment it came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Doc {
    /// A scalar.
    Value(Json, Option<Loc>),
    /// A short list of scalars on one line: `[a, b]`.
    Flow(Vec<Json>, Option<Loc>),
    /// A mapping, keys in the order given.
    Map(Vec<Field>),
    /// A list of mappings or values, one `- ` item each.
    Seq(Vec<Doc>),
    /// A free-form value (a pass-through parameter), written as block YAML.
    Raw(Json, Option<Loc>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub key: String,
    pub value: Doc,
    /// A comment line written above the key.
    pub comment: Option<String>,
    /// Where the key itself was written, when that is not where its value was.
    pub key_origin: Option<Loc>,
}

impl Doc {
    pub fn str(s: impl Into<String>, loc: Option<Loc>) -> Doc {
        Doc::Value(Json::String(s.into()), loc)
    }
}

/// Builds a mapping field by field.
#[derive(Default, Clone, Debug)]
pub struct MapBuilder(pub Vec<Field>);

impl MapBuilder {
    pub fn field(&mut self, key: &str, value: Doc) -> &mut Self {
        self.0.push(Field {
            key: key.into(),
            value,
            comment: None,
            key_origin: None,
        });
        self
    }

    pub fn commented(&mut self, key: &str, value: Doc, comment: impl Into<String>) -> &mut Self {
        self.0.push(Field {
            key: key.into(),
            value,
            comment: Some(comment.into()),
            key_origin: None,
        });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn build(self) -> Doc {
        Doc::Map(self.0)
    }
}

/// The text, and for each line (1-based, index `line - 1`) the place it came from: its value's,
/// and its key's (for columns before `value_cols`).
pub struct Rendered {
    pub text: String,
    pub origins: Vec<Option<Loc>>,
    pub key_origins: Vec<Option<Loc>>,
    pub value_cols: Vec<u32>,
}

impl Rendered {
    /// The place of the original that column `col` of line `line` of the spec came from.
    pub fn origin(&self, line: u32, col: u32) -> Option<Loc> {
        let i = line.checked_sub(1)? as usize;
        let value = self.origins.get(i).copied().flatten();
        let key = self.key_origins.get(i).copied().flatten();
        if col < self.value_cols.get(i).copied().unwrap_or(0) {
            key.or(value)
        } else {
            value.or(key)
        }
    }
}

/// Renders `doc` (a mapping) after `header` comment lines.
pub fn render(header: &[String], doc: &Doc) -> Rendered {
    let mut w = Writer {
        text: String::new(),
        origins: Vec::new(),
        key_origins: Vec::new(),
        value_cols: Vec::new(),
        pending_key: None,
    };
    for h in header {
        w.line(format!("# {}", comment(h)).trim_end().to_string(), None);
    }
    if let Doc::Map(fields) = doc {
        w.fields(fields, 0);
    }
    Rendered {
        text: w.text,
        origins: w.origins,
        key_origins: w.key_origins,
        value_cols: w.value_cols,
    }
}

struct Writer {
    text: String,
    origins: Vec<Option<Loc>>,
    key_origins: Vec<Option<Loc>>,
    value_cols: Vec<u32>,
    /// The key origin of the next line written.
    pending_key: Option<Loc>,
}

/// A mapping key as YAML takes it.
fn key_text(k: &str) -> String {
    yaml_scalar(k)
}

/// A scalar as YAML (1.1, as heat reads it) gives it back unchanged.
pub fn scalar(v: &Json) -> String {
    match v {
        // `172.16.11.1`: two dots or more make it no YAML number, date or bool
        Json::String(s)
            if s.matches('.').count() >= 2
                && s.chars().all(|c| c.is_ascii_digit() || c == '.')
                && !s.starts_with('.') =>
        {
            s.clone()
        }
        Json::String(s) => yaml_scalar(s),
        Json::Null => "null".into(),
        other => other.to_string(),
    }
}

impl Writer {
    fn line(&mut self, text: String, origin: Option<Loc>) {
        let body = text.trim_start().trim_start_matches("- ");
        let value_col = body
            .find(": ")
            .map_or(u32::MAX, |i| (text.len() - body.len() + i + 3) as u32);
        self.text.push_str(&text);
        self.text.push('\n');
        self.origins.push(origin);
        self.key_origins.push(self.pending_key.take().or(origin));
        self.value_cols.push(value_col);
    }

    fn fields(&mut self, fields: &[Field], indent: usize) {
        for f in fields {
            if let Some(c) = &f.comment {
                for l in c.lines() {
                    self.line(
                        format!("{}# {}", " ".repeat(indent), comment(l))
                            .trim_end()
                            .into(),
                        None,
                    );
                }
            }
            self.pending_key = f.key_origin;
            self.field(&key_text(&f.key), &f.value, indent, "");
        }
    }

    /// `key: value` at `indent`, `lead` written before the key (`- ` of a list item).
    fn field(&mut self, key: &str, v: &Doc, indent: usize, lead: &str) {
        let pad = " ".repeat(indent);
        match v {
            Doc::Value(j, o) => self.line(format!("{pad}{lead}{key}: {}", scalar(j)), *o),
            Doc::Flow(items, o) => {
                let list: Vec<String> = items.iter().map(scalar).collect();
                self.line(format!("{pad}{lead}{key}: [{}]", list.join(", ")), *o);
            }
            Doc::Map(fields) if fields.is_empty() => {
                self.line(format!("{pad}{lead}{key}: {{}}"), None)
            }
            Doc::Map(fields) => {
                self.line(format!("{pad}{lead}{key}:"), None);
                self.fields(fields, indent + lead.len() + 2);
            }
            Doc::Seq(items) if items.is_empty() => self.line(format!("{pad}{lead}{key}: []"), None),
            Doc::Seq(items) => {
                self.line(format!("{pad}{lead}{key}:"), None);
                self.items(items, indent + lead.len() + 2);
            }
            Doc::Raw(j, o) => self.raw(key, j, *o, indent, lead),
        }
    }

    fn items(&mut self, items: &[Doc], indent: usize) {
        let pad = " ".repeat(indent);
        for item in items {
            match item {
                Doc::Map(fields) if !fields.is_empty() => {
                    let (first, rest) = fields.split_first().expect("not empty");
                    if let Some(c) = &first.comment {
                        self.line(format!("{pad}# {c}"), None);
                    }
                    self.field(&key_text(&first.key), &first.value, indent, "- ");
                    self.fields(rest, indent + 2);
                }
                Doc::Value(j, o) => self.line(format!("{pad}- {}", scalar(j)), *o),
                Doc::Raw(j, o) => self.raw_item(j, *o, indent),
                other => {
                    // lists of lists do not occur in a spec; write them as flow JSON
                    let j = doc_json(other);
                    self.line(format!("{pad}- {j}"), None);
                }
            }
        }
    }

    /// A free-form JSON value under `key`, as block YAML; every line carries the origin.
    fn raw(&mut self, key: &str, j: &Json, o: Option<Loc>, indent: usize, lead: &str) {
        let pad = " ".repeat(indent);
        match j {
            Json::Object(m) if !m.is_empty() => {
                self.line(format!("{pad}{lead}{key}:"), o);
                let inner = indent + lead.len() + 2;
                for (k, v) in m {
                    self.raw(&key_text(k), v, o, inner, "");
                }
            }
            Json::Array(a) if !a.is_empty() => {
                self.line(format!("{pad}{lead}{key}:"), o);
                let inner = indent + lead.len() + 2;
                for v in a {
                    self.raw_item(v, o, inner);
                }
            }
            Json::Object(_) => self.line(format!("{pad}{lead}{key}: {{}}"), o),
            Json::Array(_) => self.line(format!("{pad}{lead}{key}: []"), o),
            scalar_value => self.line(format!("{pad}{lead}{key}: {}", scalar(scalar_value)), o),
        }
    }

    fn raw_item(&mut self, j: &Json, o: Option<Loc>, indent: usize) {
        let pad = " ".repeat(indent);
        match j {
            Json::Object(m) if !m.is_empty() => {
                let mut first = true;
                for (k, v) in m {
                    let lead = if first { "- " } else { "" };
                    let ind = if first { indent } else { indent + 2 };
                    self.raw(&key_text(k), v, o, ind, lead);
                    first = false;
                }
            }
            Json::Array(a) if !a.is_empty() => {
                // a list in a list: flow style keeps it readable
                self.line(format!("{pad}- {}", yaml_json(j)), o);
                let _ = a;
            }
            Json::Object(_) => self.line(format!("{pad}- {{}}"), o),
            Json::Array(_) => self.line(format!("{pad}- []"), o),
            v => self.line(format!("{pad}- {}", scalar(v)), o),
        }
    }
}

/// A document node as JSON (for the rare shapes the writer shows inline).
fn doc_json(d: &Doc) -> Json {
    match d {
        Doc::Value(j, _) | Doc::Raw(j, _) => j.clone(),
        Doc::Flow(items, _) => Json::Array(items.clone()),
        Doc::Map(fields) => Json::Object(
            fields
                .iter()
                .map(|f| (f.key.clone(), doc_json(&f.value)))
                .collect(),
        ),
        Doc::Seq(items) => Json::Array(items.iter().map(doc_json).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;
    use crate::import::source::FileId;
    use serde_json::json;

    fn at(line: u32) -> Option<Loc> {
        Some(Loc::new(FileId(0), Span::new(line, 1, 1)))
    }

    #[test]
    fn block_yaml_with_an_origin_per_line() {
        let mut role = MapBuilder::default();
        role.field("name", Doc::str("Controller", at(7)))
            .field("count", Doc::Value(json!(3), at(8)));
        let mut central = MapBuilder::default();
        central
            .field("stack", Doc::str("control-plane", at(2)))
            .field(
                "mons",
                Doc::Flow(vec![json!("172.16.11.1"), json!("172.16.11.2")], at(3)),
            )
            .field("roles", Doc::Seq(vec![role.build()]))
            .field(
                "parameters",
                Doc::Map(vec![Field {
                    key: "CephAnsibleDisksConfig".into(),
                    value: Doc::Raw(
                        json!({"devices": ["/dev/sda"], "osd_scenario": "lvm"}),
                        at(9),
                    ),
                    comment: None,
                    key_origin: at(20),
                }]),
            );
        let mut top = MapBuilder::default();
        top.field("target", Doc::str("wallaby", None)).commented(
            "central",
            central.build(),
            "The control plane.",
        );
        let r = render(
            &["yaml-language-server: $schema=dcn.schema.json".into()],
            &top.build(),
        );
        assert_eq!(
            r.text,
            "# yaml-language-server: $schema=dcn.schema.json\ntarget: wallaby\n# The control plane.\ncentral:\n  stack: control-plane\n  mons: [172.16.11.1, 172.16.11.2]\n  roles:\n    - name: Controller\n      count: 3\n  parameters:\n    CephAnsibleDisksConfig:\n      devices:\n        - /dev/sda\n      osd_scenario: lvm\n"
        );
        assert_eq!(r.origins[4], at(2));
        assert_eq!(r.origins[7], at(7));
        assert_eq!(r.origins[8], at(8));
        assert_eq!(r.origins[12], at(9));
        assert_eq!(
            r.origin(11, 5),
            at(20),
            "the key of a pass-through parameter"
        );
        assert_eq!(r.origin(9, 14), at(8), "a value");
        // and it parses back to the same values
        let back = crate::import::yaml::parse(&r.text).unwrap().to_json();
        assert_eq!(
            back["central"]["parameters"]["CephAnsibleDisksConfig"]["devices"][0],
            "/dev/sda"
        );
        assert_eq!(back["central"]["roles"][0]["count"], 3);
    }

    #[test]
    fn values_that_yaml_would_change_are_quoted() {
        assert_eq!(scalar(&json!("yes")), "'yes'");
        assert_eq!(scalar(&json!("0600")), "'0600'");
        assert_eq!(scalar(&json!("a: b")), "'a: b'");
        assert_eq!(scalar(&json!(true)), "true");
        assert_eq!(scalar(&json!("web-download")), "web-download");
    }
}
