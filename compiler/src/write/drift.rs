//! `build --check`: how a directory differs from the tree dcnc would write, read without a
//! walk (only the files the tree and the manifest name).

use std::collections::BTreeMap;
use std::path::Path;

use super::scan::{self, Kind};
use super::{manifest, safe_relative, WriteError, MANIFEST, MAX_FILE};
use crate::emit::Tree;

/// How a directory differs from the tree dcnc would write.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// Files dcnc would write that are absent.
    pub missing: Vec<String>,
    /// Files whose bytes or mode differ: (path, unified diff).
    pub changed: Vec<(String, String)>,
    /// Files dcnc wrote before and would no longer write.
    pub extra: Vec<String>,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.extra.is_empty()
    }
}

/// Compares `tree` with what is in `out`, reading only: the files the tree and the manifest
/// name, nothing else (no walk). Files dcnc did not write are ignored.
pub fn check_tree(tree: &Tree, out: &Path) -> Result<Drift, WriteError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| WriteError::Io(p, e)
    };
    let listed = match scan::lstat(out).map_err(io(out))? {
        None => Default::default(),
        Some(e) if e.kind == Kind::Symlink => return Err(WriteError::Symlink(out.to_path_buf())),
        Some(e) if e.kind != Kind::Dir => return Err(WriteError::NotADirectory(out.to_path_buf())),
        Some(_) => match manifest::read(out) {
            Ok(m) => m.map(|(m, _)| m).unwrap_or_default(),
            Err(why) => return Err(WriteError::Manifest(out.join(MANIFEST), why)),
        },
    };
    let mut drift = Drift::default();
    for (path, a) in tree {
        let p = out.join(path);
        let (old, mode) = match scan::lstat(&p).map_err(io(&p))? {
            None => {
                drift.missing.push(path.clone());
                continue;
            }
            Some(e) if e.kind == Kind::File => match scan::read_file(&p, MAX_FILE)
                .map_err(io(&p))?
            {
                scan::Read::Bytes(b) if b == a.content.as_bytes() && e.mode == a.mode => continue,
                scan::Read::Bytes(b) => (String::from_utf8_lossy(&b).into_owned(), e.mode),
                scan::Read::Missing => {
                    drift.missing.push(path.clone());
                    continue;
                }
                scan::Read::NotAFile(k) => (format!("({k})\n"), e.mode),
                scan::Read::TooLarge(n) => (format!("(a file of {n} bytes)\n"), e.mode),
            },
            Some(e) => (format!("({})\n", e.kind.describe()), e.mode),
        };
        let mut diff = similar::TextDiff::from_lines(old.as_str(), a.content.as_str())
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string();
        if mode != a.mode {
            diff.push_str(&format!("mode {:o} -> {:o}\n", mode, a.mode));
        }
        drift.changed.push((path.clone(), diff));
    }
    let listed: BTreeMap<_, _> = listed;
    for path in listed.keys() {
        if !tree.contains_key(path) && safe_relative(path) {
            let p = out.join(path);
            if scan::lstat(&p).map_err(io(&p))?.is_some() {
                drift.extra.push(path.clone());
            }
        }
    }
    Ok(drift)
}
