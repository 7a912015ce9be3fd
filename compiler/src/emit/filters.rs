//! Template filters: how a value is written for each destination dcnc writes, one filter per
//! destination. `yaml`: a YAML 1.1 scalar or flow collection that PyYAML (heat) reads back as the
//! same value. `sh`: one shell word. `sh_default`: the default inside a double-quoted
//! `"${VAR:-…}"`, where `$NAME` and `${NAME}` still expand. `ini`: an INI value (oslo.config,
//! crudini, Ceph), which has no quoting at all. `heredoc`: the body of a quoted heredoc.
//!
//! `check` (`check/text.rs`) keeps out of the spec what a destination cannot carry; the filters
//! that cannot escape (`ini`, `sh_default`, `heredoc`) fail the render on such a value, so a
//! gap in the checks is a loud bug, never an injection.

use minijinja::value::Value;
use minijinja::{Error, ErrorKind};

/// Words YAML 1.1 readers (heat uses PyYAML) turn into something other than a string.
const YAML_SPECIAL: &[&str] = &[
    "", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n",
];

fn refuse(what: &str, value: &str) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("{what} cannot carry {value:?} (a check should have refused it)"),
    )
}

fn is_plain_yaml(s: &str) -> bool {
    !YAML_SPECIAL.contains(&s.to_ascii_lowercase().as_str())
        && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
}

/// A character a single-quoted YAML scalar carries as itself: printable in YAML 1.1 (PyYAML's
/// reader refuses the others) and no line break (a folded one would become a space).
fn single_quotable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// A double-quoted string that is both JSON and YAML: `"` and `\` escaped, control characters,
/// DEL, C1 controls, line and paragraph separators and non-characters as escapes. For strings
/// without those it is exactly what serde_json writes.
fn double_quoted(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ) =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A string as a YAML scalar that YAML 1.1 readers (heat's PyYAML) read back as that string.
pub fn yaml_scalar(s: &str) -> String {
    if is_plain_yaml(s) {
        s.to_string()
    } else if s.chars().all(single_quotable) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        let mut out = String::new();
        double_quoted(s, &mut out);
        out
    }
}

/// A float as YAML 1.1 reads a float: with a `.` and a signed exponent (`1e20`, as JSON writes
/// it, is a string to PyYAML).
fn yaml_float(json: &str) -> String {
    let (mantissa, exponent) = match json.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (json, None),
    };
    let mut out = mantissa.to_string();
    if !out.contains('.') {
        out.push_str(".0");
    }
    if let Some(e) = exponent {
        out.push('e');
        if !e.starts_with(['+', '-']) {
            out.push('+');
        }
        out.push_str(e);
    }
    out
}

/// A JSON value as a YAML flow node: collections as JSON (which YAML reads as it is), map keys
/// sorted, strings as [`double_quoted`], floats as [`yaml_float`].
fn yaml_flow(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::String(s) => double_quoted(s, out),
        serde_json::Value::Number(n) if n.is_f64() => out.push_str(&yaml_float(&n.to_string())),
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                yaml_flow(item, out);
            }
            out.push(']');
        }
        serde_json::Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                double_quoted(k, out);
                out.push(':');
                yaml_flow(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Renders a value as YAML: plain, single- or double-quoted scalars, and flow (JSON)
/// collections. Deterministic: map keys come out sorted.
pub fn yaml(v: Value) -> Result<String, Error> {
    if let Some(s) = v.as_str() {
        return Ok(yaml_scalar(s));
    }
    let json = serde_json::to_value(&v)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    Ok(match json {
        serde_json::Value::String(s) => yaml_scalar(&s),
        other => {
            let mut out = String::new();
            yaml_flow(&other, &mut out);
            out
        }
    })
}

/// Quotes a string for bash: bare when it is made of safe characters, single-quoted otherwise
/// (which carries every character but NUL, which no check lets through).
pub fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-=:,@%+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The length of a variable reference `NAME` or `{NAME}` at the start of `rest` (after a `$`).
fn reference_len(rest: &str) -> Option<usize> {
    let name = |s: &str| {
        let n = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        (n > 0 && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')).then_some(n)
    };
    match rest.strip_prefix('{') {
        Some(inner) => name(inner)
            .filter(|&n| inner[n..].starts_with('}'))
            .map(|n| n + 2),
        None => name(rest),
    }
}

/// Writes `s` as the default of a double-quoted `"${VAR:-…}"`: `$NAME` and `${NAME}` are kept
/// (they expand, as in the default `$HOME/dcnc-work`); every other `$`, and `\`, `"`, backticks
/// and `}` are escaped. A `'` or a control character cannot be carried there.
pub fn sh_default(s: &str) -> Result<String, Error> {
    if s.contains('\'') || s.chars().any(char::is_control) {
        return Err(refuse("a shell default", s));
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let mut len = c.len_utf8();
        match c {
            '$' => match reference_len(&rest[1..]) {
                Some(n) => {
                    len += n;
                    out.push_str(&rest[..len]);
                }
                None => out.push_str("\\$"),
            },
            '\\' | '"' | '`' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        rest = &rest[len..];
    }
    Ok(out)
}

/// An INI value as it is: INI has no quoting, so a line break ends the value and starts a new
/// line (a new option or section), `$` is oslo.config's interpolation, a `\` continues the line
/// for Ceph's parser, surrounding whitespace is dropped and surrounding quotes are removed by
/// oslo.config. Such values are refused.
pub fn ini(v: Value) -> Result<String, Error> {
    let s = match v.as_str() {
        Some(s) => s.to_string(),
        None => v.to_string(),
    };
    let quoted = s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')));
    let breaks = s
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'));
    if breaks || s.contains(['$', '\\']) || s.trim() != s || quoted {
        return Err(refuse("an INI value", &s));
    }
    Ok(s)
}

/// The body of a heredoc ended by `delimiter`: no line of it may be the delimiter.
pub fn heredoc(body: &str, delimiter: &str) -> Result<String, Error> {
    if body.split('\n').any(|line| line == delimiter) {
        return Err(refuse(&format!("a heredoc ended by {delimiter}"), body));
    }
    Ok(body.to_string())
}

/// A JSON value as one YAML flow node (see [`yaml`]), for writers outside the templates.
pub fn yaml_json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    yaml_flow(v, &mut out);
    out
}

/// The text of one `#` comment line (YAML, shell, INI): each character that would end the line
/// for some reader (`\n`, `\r`, NEL, U+2028, U+2029) or hide in a review (other control
/// characters, the byte order mark, bidirectional controls: `check::hidden_char`) as a `\u{..}`
/// escape.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if crate::check::hidden_char(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// oslo.config's spelling of booleans.
pub fn ini_bool(v: bool) -> &'static str {
    if v {
        "True"
    } else {
        "False"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_stays_one_line() {
        assert_eq!(comment("from /tmp/a b"), "from /tmp/a b");
        assert_eq!(
            comment("a\nregion: x\r\u{85}\u{2028}\u{2029}\u{1b}[2J\u{202e}z"),
            "a\\u{a}region: x\\u{d}\\u{85}\\u{2028}\\u{2029}\\u{1b}[2J\\u{202e}z"
        );
        assert_eq!(
            yaml_json(&serde_json::json!([["a\nb", 1.0]])),
            r#"[["a\nb",1.0]]"#
        );
    }

    #[test]
    fn yaml_quotes_what_would_change_meaning() {
        let y = |v: Value| yaml(v).unwrap();
        assert_eq!(y(Value::from("dcn0")), "dcn0");
        assert_eq!(y(Value::from("yes")), "'yes'");
        assert_eq!(y(Value::from("0-dcn-hci-%index%")), "'0-dcn-hci-%index%'");
        assert_eq!(y(Value::from("it's")), "'it''s'");
        assert_eq!(y(Value::from("123")), "'123'");
        assert_eq!(y(Value::from(true)), "true");
        assert_eq!(y(Value::from(3)), "3");
        assert_eq!(
            y(Value::from(minijinja::value::Serde(
                serde_json::json!({"b": 1, "a": [true]})
            ))),
            r#"{"a":[true],"b":1}"#
        );
    }

    #[test]
    fn yaml_escapes_what_a_reader_would_fold_or_refuse() {
        let y = |s: &str| yaml(Value::from(s)).unwrap();
        assert_eq!(y("zone\rone"), r#""zone\rone""#);
        assert_eq!(y("a\nb"), r#""a\nb""#);
        assert_eq!(y("x\u{7f}y"), r#""x\u007fy""#);
        assert_eq!(y("x\u{85}\u{2028}"), r#""x\u0085\u2028""#);
        assert_eq!(y("say \"hi\"\t"), r#""say \"hi\"\t""#);
        assert_eq!(y("ünïcødé ☃"), "'ünïcødé ☃'");
        let v = |j: serde_json::Value| yaml(Value::from(minijinja::value::Serde(j))).unwrap();
        assert_eq!(v(serde_json::json!(1e20)), "1.0e+20");
        assert_eq!(v(serde_json::json!(1.5)), "1.5");
        assert_eq!(v(serde_json::json!(1e-7)), "1.0e-7");
        assert_eq!(v(serde_json::json!(["a\u{7f}"])), r#"["a\u007f"]"#);
    }

    #[test]
    fn sh_quotes_only_when_needed() {
        assert_eq!(sh("control-plane"), "control-plane");
        assert_eq!(sh("profile rbd pool=images"), "'profile rbd pool=images'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
        assert_eq!(sh("$HOME"), "'$HOME'");
    }

    #[test]
    fn shell_defaults_keep_references_and_escape_the_rest() {
        let d = |s: &str| sh_default(s).unwrap();
        assert_eq!(d("$HOME/dcnc-work"), "$HOME/dcnc-work");
        assert_eq!(d("${HOME}/w"), "${HOME}/w");
        assert_eq!(d("/t$(id)"), r"/t\$(id)");
        assert_eq!(d("/t`id`\"\\}"), r#"/t\`id\`\"\\\}"#);
        assert_eq!(d("/t${X:-y}"), r"/t\${X:-y\}");
        assert!(sh_default("/t'x").is_err());
        assert!(sh_default("/t\nx").is_err());
    }

    #[test]
    fn ini_values_refuse_what_ini_cannot_carry() {
        let i = |s: &str| ini(Value::from(s));
        assert_eq!(i("regionOne").unwrap(), "regionOne");
        assert_eq!(i("a # b ; c ] [ d").unwrap(), "a # b ; c ] [ d");
        for bad in [
            "a\nb",
            "a\rb",
            "a$b",
            " a",
            "a ",
            "\"a\"",
            "a\u{2028}b",
            "a\\",
        ] {
            assert!(i(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ini(Value::from(300)).unwrap(), "300");
    }

    #[test]
    fn heredoc_bodies_cannot_end_early() {
        assert!(heredoc("[DEFAULT]\nx = 1\n", "INI").is_ok());
        assert!(heredoc("x = 1\nINI\ntouch /tmp/p\n", "INI").is_err());
        assert!(heredoc("x = INI\n", "INI").is_ok());
    }
}
