//! The module layers of `compiler/src/`: every module may use only modules below it, so data
//! flows one way and no two modules import each other. A new top-level module must be given its
//! layer here (and in ARCHITECTURE.md).

use std::collections::BTreeSet;
use std::path::Path;

/// Top-level modules from the bottom up. A module may reference only modules of a lower layer;
/// modules of one layer may not reference each other.
const LAYERS: &[&[&str]] = &[
    &["diag"],
    &["kinds"],
    &["target"],
    &["spec", "params"],
    &["model"],
    &["check"],
    &["graph"],
    &["emit"],
    &["write"],
    &["pipeline"],
    &["plan", "docs", "import"],
    &["cli"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The code of a Rust file without its comments (line, doc and block comments), string and
/// character literals kept whole so that `"//"` or `'"'` in them is not read as code.
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while let Some(ch) = rest.chars().next() {
        let prev_ident = out
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let literal_len = if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
            continue;
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |i| &r[i + 2..]);
            continue;
        } else if ch == 'r' && !prev_ident {
            raw_string_len(rest)
        } else if ch == '"' {
            Some(quoted_len(rest, b'"'))
        } else if ch == '\'' {
            char_literal_len(rest)
        } else {
            None
        };
        let len = literal_len.unwrap_or(ch.len_utf8()).min(rest.len());
        out.push_str(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

/// The length of a literal that starts with `quote` and ends at the next unescaped one.
fn quoted_len(s: &str, quote: u8) -> usize {
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() && bytes[i] != quote {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i + 1
}

/// The length of a raw string `r"…"` or `r#"…"#` at the start of `s`, if one is there.
fn raw_string_len(s: &str) -> Option<usize> {
    let hashes = s[1..].bytes().take_while(|&b| b == b'#').count();
    if s.as_bytes().get(1 + hashes) != Some(&b'"') {
        return None;
    }
    let close = format!("\"{}", "#".repeat(hashes));
    let body = 2 + hashes;
    Some(
        s[body..]
            .find(&close)
            .map_or(s.len(), |i| body + i + close.len()),
    )
}

/// The length of a character literal (`'x'`, `'\''`) at the start of `s`; `None` for a lifetime.
fn char_literal_len(s: &str) -> Option<usize> {
    let mut chars = s[1..].char_indices();
    match chars.next()? {
        (_, '\\') => Some(quoted_len(s, b'\'')),
        (_, c) => {
            let (i, next) = chars.next()?;
            (next == '\'').then_some(1 + i + 1).filter(|_| c != '\'')
        }
    }
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules (or crate-root items) that `src` names through `crate::`, including
/// each first segment of a group `crate::{a, b::c}`.
fn references(src: &str) -> BTreeSet<String> {
    let code = strip_comments(src);
    let mut refs = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let after = &code[at + "crate::".len()..];
        let Some(group) = after.strip_prefix('{') else {
            refs.insert(ident(after).to_string());
            continue;
        };
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    refs.insert(ident(group[start..i].trim()).to_string());
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    refs.insert(ident(group[start..i].trim()).to_string());
                    start = i + 1;
                }
                _ => {}
            }
        }
    }
    refs.retain(|r| !r.is_empty() && r != "self");
    refs
}

/// Every reference that does not point down: `(file, module, referenced)` as messages.
fn violations(files: &[(String, String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (file, module, src) in files {
        let Some(own) = layer(module) else {
            out.push(format!(
                "{file}: module `{module}` has no layer: add it to LAYERS in tests/layers.rs"
            ));
            continue;
        };
        for r in references(src) {
            if &r == module {
                continue;
            }
            match layer(&r) {
                Some(l) if l < own => {}
                Some(_) => out.push(format!(
                    "{file}: `{module}` uses `crate::{r}`, which is not below it"
                )),
                None => out.push(format!(
                    "{file}: `{module}` uses `crate::{r}`, which is no layered module (the crate root?)"
                )),
            }
        }
    }
    out
}

/// `(file, top-level module, source)` of every module file under `src` (not lib.rs and main.rs:
/// the crate root and the binary sit above every layer).
fn module_files(src: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src");
            let first = rel.components().next().expect("a component");
            let module = first.as_os_str().to_string_lossy();
            let module = module.trim_end_matches(".rs").to_string();
            if module == "lib" || module == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read module file");
            out.push((rel.display().to_string(), module, text));
        }
    }
    out.sort();
    out
}

#[test]
fn modules_depend_only_on_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = module_files(&src);
    assert!(files.len() > 20, "found the module files: {}", files.len());
    // The reader sees through the literals of real code: these modules use these layers.
    for (path, expected) in [
        ("check/mod.rs", &["diag", "model", "spec", "target"][..]),
        ("check/fields.rs", &["diag", "model", "spec"][..]),
        ("emit/tripleo/mod.rs", &["graph", "model", "target"][..]),
    ] {
        let (_, _, text) = files.iter().find(|f| f.0 == path).expect(path);
        let refs = references(text);
        for e in expected {
            assert!(refs.contains(*e), "{path} uses crate::{e}: {refs:?}");
        }
    }
    let bad = violations(&files);
    assert!(
        bad.is_empty(),
        "upward or circular references:\n{}",
        bad.join("\n")
    );
}

fn file(module: &str, src: &str) -> (String, String, String) {
    (format!("{module}.rs"), module.to_string(), src.to_string())
}

#[test]
fn the_checker_reads_every_form_of_reference() {
    let src = r##"
        use crate::diag::{Code, Span};
        use crate::{spec::{self, Located}, model::Site, target};
        pub(crate) fn f() -> crate::graph::Plan { todo!() }
        // crate::emit in a comment is not a reference
        /* nor crate::write here */
        let s = "// crate::plan is in a string, not a comment";
        let q = ['"', '\'']; let r = r#"a "quoted" // crate::write"#; fn g<'a>(x: &'a str) {}
        use crate::check::x;
        macro_rules! m { () => { $crate::docs::x() } }
        let x = my_crate::write::y;
    "##;
    let refs: Vec<String> = references(src).into_iter().collect();
    assert_eq!(
        refs,
        ["check", "diag", "graph", "model", "plan", "spec", "target", "write"]
    );
}

#[test]
fn an_upward_reference_fails() {
    let ok = [
        file(
            "model",
            "use crate::target::Target;\nuse crate::spec::Topology;",
        ),
        file("target", "use crate::kinds::SiteKind;"),
    ];
    assert_eq!(violations(&ok), Vec::<String>::new());
    // The circle this layering removed: spec took a default from check.
    let up = [file(
        "spec",
        "fn f() { crate::check::DEFAULT_IMPORT_METHODS.to_vec() }",
    )];
    assert_eq!(
        violations(&up),
        ["spec.rs: `spec` uses `crate::check`, which is not below it"]
    );
    let grouped = [file("target", "use crate::{diag, model::SiteKind};")];
    assert_eq!(violations(&grouped).len(), 1, "{:?}", violations(&grouped));
}

#[test]
fn a_circle_within_a_layer_and_unknown_modules_fail() {
    let circle = [
        file("plan", "use crate::docs::pages;"),
        file("docs", "use crate::plan::plan_change;"),
    ];
    assert_eq!(violations(&circle).len(), 2, "{:?}", violations(&circle));
    let root = [file("plan", "use crate::Compiled;")];
    assert_eq!(violations(&root).len(), 1);
    let new = [file("rhoso", "use crate::model::Site;")];
    assert!(violations(&new)[0].contains("has no layer"));
}
