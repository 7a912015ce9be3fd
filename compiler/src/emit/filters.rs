//! Template filters that quote values for the formats dcnc writes (YAML, shell, INI).

use minijinja::value::Value;

/// Words YAML 1.1 readers (heat uses PyYAML) turn into something other than a string.
const YAML_SPECIAL: &[&str] = &[
    "", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n",
];

fn is_plain_yaml(s: &str) -> bool {
    !YAML_SPECIAL.contains(&s.to_ascii_lowercase().as_str())
        && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
}

/// A string as a YAML scalar that YAML 1.1 readers (heat's PyYAML) read back as that string.
pub fn yaml_scalar(s: &str) -> String {
    if is_plain_yaml(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Renders a value as YAML: plain or single-quoted scalars, and flow (JSON) collections, which
/// YAML reads as they are. Deterministic: map keys come out sorted.
pub fn yaml(v: Value) -> Result<String, minijinja::Error> {
    if let Some(s) = v.as_str() {
        return Ok(yaml_scalar(s));
    }
    let json = serde_json::to_value(&v).map_err(|e| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
    })?;
    Ok(match json {
        serde_json::Value::String(s) => yaml_scalar(&s),
        other => other.to_string(),
    })
}

/// Quotes a string for bash: bare when it is made of safe characters, single-quoted otherwise.
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
    fn sh_quotes_only_when_needed() {
        assert_eq!(sh("control-plane"), "control-plane");
        assert_eq!(sh("profile rbd pool=images"), "'profile rbd pool=images'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
        assert_eq!(sh("$HOME"), "'$HOME'");
    }
}
