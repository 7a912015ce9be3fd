//! Pass-through parameter values (`parameters`, `edge_defaults.parameters`) as data: YAML carries
//! them exactly (no control characters but newlines and tabs, no integer beyond ±2^53), each is
//! at most 64 KiB and all of them, as copied into the stacks, at most 16 MiB (`spec::bounds`),
//! and none holds a cephx key. Owns DCN081 (too large), DCN082 (a key in the spec) and DCN003
//! for inexact numbers; `text` checks the characters.

use super::text::{check_text, forbidden, Kind};
use super::Checker;
use crate::diag::Code;
use crate::spec::{self, bounds, Located, Spec};

/// A value that YAML carries exactly, of a bounded size and without a cephx key in it.
pub(super) fn check_value(c: &mut Checker, key: &str, v: &Located<serde_json::Value>) -> bool {
    let size = serde_json::to_string(&v.value).map_or(usize::MAX, |s| s.len());
    if size > bounds::PARAMETER_BYTES {
        c.error(
            Code::TooLarge,
            v.span,
            format!("the value of `{key}` is {size} bytes; dcnc passes at most {} bytes per parameter", bounds::PARAMETER_BYTES),
        )
        .help = Some("put large data in an environment file of your own and list it in `environment_files`: stacks reference it instead of copying it".into());
        return false;
    }
    let mut strings = Vec::new();
    let mut inexact = None;
    walk(&v.value, &mut strings, &mut inexact);
    let mut ok = true;
    if let Some(n) = inexact {
        c.error(
            Code::WrongType,
            v.span,
            format!(
                "the number {n} in `{key}` cannot be carried exactly: YAML readers see a float"
            ),
        )
        .help = Some("integers must lie within ±2^53; quote the value if it is a string".into());
        ok = false;
    }
    let bad: String = strings
        .iter()
        .flat_map(|s| forbidden(s, Kind::ParamValue))
        .collect();
    if !bad.is_empty() {
        ok &= check_text(c, &bad, Some(v.span), key, Kind::ParamValue);
    }
    if strings.iter().any(|s| holds_cephx_key(s)) {
        c.error(
            Code::KeyInSpec,
            v.span,
            format!("`{key}` holds a cephx key, which would be written into the generated tree"),
        )
        .help = Some("secrets never go into the spec or the tree: give an edge's key by reference (`key: {env: ...}` or `key: {file: ...}`), or let `openstack overcloud export ceph` carry it".into());
        ok = false;
    }
    ok
}

/// All pass-through values together, as they are copied into the stacks' environment files
/// (`edge_defaults.parameters` once per edge), within [`bounds::ALL_PARAMETER_BYTES`]; reported
/// at the largest value.
pub(super) fn check_total_size(c: &mut Checker, spec: &Spec) {
    let edges = spec.edges.len();
    let mut parts = vec![
        (size(&spec.central.parameters), 1),
        (size(&spec.edge_defaults.parameters), edges),
    ];
    parts.extend(spec.edges.iter().map(|e| (size(&e.parameters), 1)));
    if let Some(compute) = &spec.central.compute {
        parts.push((size(&compute.value.parameters), 1));
    }
    let total: usize = parts
        .iter()
        .map(|((n, _), times)| n.saturating_mul(*times))
        .fold(0, usize::saturating_add);
    if total <= bounds::ALL_PARAMETER_BYTES {
        return;
    }
    let largest = parts
        .iter()
        .filter_map(|((_, l), _)| *l)
        .max_by_key(|(n, _)| *n);
    c.error(
        Code::TooLarge,
        largest.map(|(_, v)| v.span),
        format!("the pass-through parameters come to {total} bytes in the stacks' environment files; dcnc writes at most {}", bounds::ALL_PARAMETER_BYTES),
    )
    .help = Some(format!("`edge_defaults.parameters` is copied into each of the {edges} edge stacks: put large data in an environment file of your own and list it in `edge_defaults.environment_files`, which every stack references instead"));
}

type Sized<'a> = (usize, Option<(usize, &'a Located<serde_json::Value>)>);

/// The serialized size of `p`'s values, and its largest value with its size.
fn size(p: &spec::Parameters) -> Sized<'_> {
    let sizes = p
        .values()
        .map(|v| (serde_json::to_string(&v.value).map_or(0, |s| s.len()), v));
    let largest = sizes.clone().max_by_key(|(n, _)| *n);
    (
        sizes.map(|(n, _)| n).fold(0, usize::saturating_add),
        largest,
    )
}

/// Every string of a value (map keys too), and the first number YAML cannot carry exactly.
fn walk<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>, inexact: &mut Option<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out, inexact)),
        serde_json::Value::Object(map) => {
            for (k, i) in map {
                out.push(k);
                walk(i, out, inexact);
            }
        }
        serde_json::Value::Number(n) => {
            let huge = n
                .as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 2f64.powi(53));
            if n.is_f64() && huge && inexact.is_none() {
                *inexact = Some(n.to_string());
            }
        }
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

/// A cephx key anywhere in `s`: `AQ` then 38 base64 characters ending in `==` (the base64 of a
/// 28-byte key with its header, as `ceph auth get-key` prints it).
pub(super) fn holds_cephx_key(s: &str) -> bool {
    let b = s.as_bytes();
    let b64 = |c: &u8| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/';
    (0..b.len().saturating_sub(39)).any(|i| {
        let w = &b[i..i + 40];
        w.starts_with(b"AQ")
            && w[2..38].iter().all(b64)
            && &w[38..] == b"=="
            && (i == 0 || !b64(&b[i - 1]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cephx_keys_are_found_where_they_stand_alone() {
        let key = "AQBvaBFZAAAAABAA9VHgwCg3rWn8fMaX8KL01A==";
        assert!(holds_cephx_key(key));
        assert!(holds_cephx_key(&format!("[client]\nkey = {key}\n")));
        assert!(
            !holds_cephx_key(&format!("x{key}")),
            "inside a longer base64 blob"
        );
        assert!(!holds_cephx_key("AQBvaBFZAAAAABAA9VHgwCg3rWn8fMaX8KL01A="));
        assert!(!holds_cephx_key("profile rbd pool=images"));
    }
}
