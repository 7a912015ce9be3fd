//! Heat's rules for whether a value fits a parameter's declarations: [`fit`] and [`Fit`],
//! the type coercions of heat's `engine/parameters.py` and the constraints of `constraints.py`
//! (openstack-heat 16.1.0), the same logic as `scripts/consumers/tht_check.py`.

use serde_json::Value;

use super::{Decl, ParamType};

/// Whether a value fits a parameter, by heat's rules.
#[derive(Debug, PartialEq)]
pub enum Fit {
    /// Heat accepts it. `deprecated`: only a deprecated declaration takes it. `notes`: things
    /// heat accepts that are probably not meant (a YAML boolean for a string).
    Fits {
        deprecated: bool,
        notes: Vec<String>,
    },
    /// Heat rejects it (or it cannot be what is meant), with the reason of each declaration.
    Wrong(Vec<String>),
}

/// Whether `value` fits one of `decls` (non-deprecated ones first).
pub fn fit(decls: &[Decl], value: &Value) -> Fit {
    let mut order: Vec<&Decl> = decls.iter().collect();
    order.sort_by_key(|d| d.deprecated);
    let mut reasons: Vec<String> = Vec::new();
    for d in order {
        let mut notes = Vec::new();
        match fit_one(d, value, &mut notes) {
            Ok(()) => {
                return Fit::Fits {
                    deprecated: d.deprecated,
                    notes,
                }
            }
            Err(r) => {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
        }
    }
    Fit::Wrong(reasons)
}

const TRUE_STRINGS: [&str; 6] = ["1", "t", "true", "on", "y", "yes"];
const FALSE_STRINGS: [&str; 6] = ["0", "f", "false", "off", "n", "no"];

/// Python's `str()` of a YAML scalar, as heat sees it.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

pub(super) fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// Python's `int(s)` or `float(s)`.
fn py_num(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    t.parse::<f64>().ok()
}

/// What heat's constraints see of the value: the parsed value, per type.
enum Parsed {
    Str(String),
    Num(f64),
    Bool(bool),
    Json(Value),
    List(Vec<String>),
}

fn fit_one(d: &Decl, value: &Value, notes: &mut Vec<String>) -> Result<(), String> {
    if value.is_null() {
        notes.push("a null value: heat ignores it and keeps the template's default".into());
        return Ok(());
    }
    let parsed = match d.ty {
        ParamType::String => match value {
            Value::Object(_) | Value::Array(_) => {
                return Err(format!(
                    "a {} where heat wants a string (it would pass its Python repr)",
                    if value.is_object() { "map" } else { "list" }
                ))
            }
            Value::String(s) => Parsed::Str(s.clone()),
            other if d.allowed_pattern.is_some() || d.length.is_some() => {
                return Err(format!(
                    "{} is not a string, and the parameter has a {} constraint (heat fails with a TypeError; quote it)",
                    show(other),
                    if d.allowed_pattern.is_some() { "pattern" } else { "length" }
                ))
            }
            Value::Bool(b) => {
                notes.push(format!(
                    "`{b}` is a boolean, but the parameter is a string: heat passes '{}' (quote it if that is not meant)",
                    py_str(value)
                ));
                Parsed::Str(py_str(value))
            }
            other => Parsed::Str(py_str(other)),
        },
        ParamType::Number => match value {
            Value::Number(n) => Parsed::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => match py_num(s) {
                Some(x) => Parsed::Num(x),
                None => return Err(format!("{} is not a number", show(value))),
            },
            other => return Err(format!("{} is not a number", show(other))),
        },
        ParamType::Boolean => {
            let text = match value {
                Value::Bool(b) => Some(b.to_string()),
                Value::String(s) => Some(s.trim().to_lowercase()),
                Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
                _ => None,
            };
            match text {
                Some(t) if TRUE_STRINGS.contains(&t.as_str()) => Parsed::Bool(true),
                Some(t) if FALSE_STRINGS.contains(&t.as_str()) => Parsed::Bool(false),
                _ => return Err(format!(
                    "{} is not a boolean (heat takes true/false, yes/no, on/off, y/n, t/f, 1/0)",
                    show(value)
                )),
            }
        }
        ParamType::Json => {
            let v = match value {
                Value::String(s) => serde_json::from_str::<Value>(s)
                    .map_err(|_| format!("{} is a string that is not valid JSON", show(value)))?,
                other => other.clone(),
            };
            if !(v.is_object() || v.is_array()) {
                return Err(format!(
                    "{} is not a map or a list (a json parameter)",
                    show(value)
                ));
            }
            Parsed::Json(v)
        }
        ParamType::CommaDelimitedList => match value {
            Value::Array(items) => {
                if let Some(bad) = items
                    .iter()
                    .find(|x| x.is_object() || x.is_array() || x.is_null())
                {
                    return Err(format!(
                        "list item {} is not a scalar (a comma_delimited_list)",
                        show(bad)
                    ));
                }
                Parsed::List(items.iter().map(py_str).collect())
            }
            Value::String(s) if s.is_empty() => Parsed::List(Vec::new()),
            Value::String(s) => Parsed::List(s.split(',').map(String::from).collect()),
            other => {
                return Err(format!(
                    "{} is not a list or a comma-separated string",
                    show(other)
                ))
            }
        },
    };
    if let Some(allowed) = &d.allowed_values {
        let items: Vec<Value> = match &parsed {
            Parsed::Str(s) => vec![Value::String(s.clone())],
            Parsed::Num(x) => vec![serde_json::json!(x)],
            Parsed::Bool(b) => vec![Value::Bool(*b)],
            Parsed::List(l) => l.iter().cloned().map(Value::String).collect(),
            Parsed::Json(v) => vec![v.clone()],
        };
        for item in &items {
            if !allowed.iter().any(|a| same_allowed(d.ty, a, item)) {
                let list: Vec<String> = allowed.iter().map(show).collect();
                return Err(format!(
                    "{} is not one of the allowed values {}",
                    show(item),
                    list.join(", ")
                ));
            }
        }
    }
    if let (Some(p), Parsed::Str(s)) = (&d.allowed_pattern, &parsed) {
        if !p.matches(s) {
            return Err(format!(
                "'{s}' does not match the allowed pattern `{}`",
                p.source
            ));
        }
    }
    if let (Some(r), Parsed::Num(x)) = (&d.range, &parsed) {
        if !r.holds(*x) {
            return Err(format!("{} is out of range ({r})", show(value)));
        }
    }
    if let Some(l) = &d.length {
        let n = match &parsed {
            Parsed::Str(s) => Some(s.chars().count()),
            Parsed::List(l) => Some(l.len()),
            Parsed::Json(Value::Array(a)) => Some(a.len()),
            Parsed::Json(Value::Object(o)) => Some(o.len()),
            _ => None,
        };
        if let Some(n) = n.filter(|n| !l.holds(*n as f64)) {
            return Err(format!("its length {n} is out of range ({l})"));
        }
    }
    Ok(())
}

/// Heat compares allowed values after converting both sides to the parameter's type.
fn same_allowed(ty: ParamType, allowed: &Value, item: &Value) -> bool {
    match ty {
        ParamType::Number => {
            let num = |v: &Value| match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => py_num(s),
                _ => None,
            };
            num(allowed).is_some() && num(allowed) == num(item)
        }
        ParamType::Boolean => {
            let b = |v: &Value| match v {
                Value::Bool(b) => *b,
                other => TRUE_STRINGS.contains(&py_str(other).trim().to_lowercase().as_str()),
            };
            b(allowed) == b(item)
        }
        ParamType::Json => allowed == item,
        ParamType::String | ParamType::CommaDelimitedList => py_str(allowed) == py_str(item),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{index, Index};
    use serde_json::json;

    fn wallaby() -> &'static Index {
        index("14.3.0").expect("wallaby has an index")
    }

    fn fits(name: &str, v: Value) -> Fit {
        fit(wallaby().lookup(name, &[]).unwrap(), &v)
    }

    fn ok() -> Fit {
        Fit::Fits {
            deprecated: false,
            notes: vec![],
        }
    }

    #[test]
    fn types_follow_heat() {
        assert_eq!(fits("NovaCrossAZAttach", json!(false)), ok());
        assert_eq!(fits("NovaCrossAZAttach", json!("no")), ok());
        assert_eq!(fits("NovaCrossAZAttach", json!(0)), ok());
        assert!(matches!(
            fits("NovaCrossAZAttach", json!("nope")),
            Fit::Wrong(_)
        ));
        assert_eq!(fits("ControllerCount", json!(3)), ok());
        assert_eq!(fits("ControllerCount", json!("3")), ok());
        assert!(matches!(
            fits("ControllerCount", json!(true)),
            Fit::Wrong(_)
        ));
        assert!(matches!(
            fits("ControllerCount", json!("three")),
            Fit::Wrong(_)
        ));
        assert_eq!(fits("GlanceMultistoreConfig", json!({"a": {}})), ok());
        assert_eq!(fits("GlanceMultistoreConfig", json!("{\"a\": {}}")), ok());
        assert!(matches!(
            fits("GlanceMultistoreConfig", json!("x")),
            Fit::Wrong(_)
        ));
        assert_eq!(fits("NtpServer", json!(["a", "b"])), ok());
        assert_eq!(fits("NtpServer", json!("a,b")), ok());
        assert!(matches!(
            fits("NtpServer", json!([{"a": 1}])),
            Fit::Wrong(_)
        ));
        assert!(matches!(
            fits("CinderVolumeCluster", json!({"a": 1})),
            Fit::Wrong(_)
        ));
        assert!(matches!(
            fits("CinderVolumeCluster", json!(true)),
            Fit::Fits { notes, .. } if notes.len() == 1
        ));
    }

    #[test]
    fn constraints_follow_heat() {
        assert_eq!(fits("GlanceBackend", json!("rbd")), ok());
        let Fit::Wrong(r) = fits("GlanceBackend", json!("ceph")) else {
            panic!()
        };
        assert!(r[0].contains("allowed values"), "{r:?}");
        assert_eq!(fits("CephClusterName", json!("dcn0")), ok());
        assert!(matches!(
            fits("CephClusterName", json!("dcn-0")),
            Fit::Wrong(_)
        ));
        assert!(matches!(fits("CephClusterName", json!(5)), Fit::Wrong(_)));
        assert_eq!(
            fits("BondInterfaceOvsOptions", json!("bond_mode=active-backup")),
            ok()
        );
        assert!(matches!(
            fits("BondInterfaceOvsOptions", json!("bond_mode=balance-tcp")),
            Fit::Wrong(_)
        ));
        assert!(matches!(
            fits("CephAnsiblePlaybookVerbosity", json!(9)),
            Fit::Wrong(_)
        ));
    }

    #[test]
    fn deprecated_declarations_are_told_apart() {
        let idx = index("18.0.0").unwrap();
        let d = idx.lookup("GlanceShowMultipleLocations", &[]).unwrap();
        assert_eq!(
            fit(d, &json!(true)),
            Fit::Fits {
                deprecated: true,
                notes: vec![]
            }
        );
        // Declared deprecated by cephadm, not by ceph-ansible: not deprecated in wallaby.
        assert_eq!(fits("CephAnsiblePlaybookVerbosity", json!(2)), ok());
        assert!(wallaby().lookup("OvercloudControlFlavor", &[]).unwrap()[0].deprecated);
    }
}
