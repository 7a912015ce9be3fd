//! Writing the output tree: the only phase that touches the file system.
//!
//! A manifest (`.dcnc-manifest`: sha256, mode and path of every file) records what dcnc wrote.
//! A build makes the new tree in a temporary directory beside the target and swaps it in with
//! renames, so an interrupted build leaves the previous tree intact. Files whose bytes did not
//! change are hard-linked from the old tree, not rewritten (their mtimes stay); files dcnc wrote
//! before and no longer produces disappear; files dcnc did not write are carried over untouched.
//! When nothing changed, nothing is written at all. dcnc refuses a non-empty directory without a
//! manifest unless forced, and never writes outside the output directory and its temporary
//! siblings.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::emit::Tree;

pub const MANIFEST: &str = ".dcnc-manifest";

#[derive(Debug)]
pub enum WriteError {
    NotOurs(PathBuf),
    NotADirectory(PathBuf),
    BadPath(String),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::NotOurs(p) => write!(
                f,
                "{} is not empty and was not written by dcnc (no {MANIFEST}); choose another directory or pass --force",
                p.display()
            ),
            WriteError::NotADirectory(p) => {
                write!(f, "{} exists and is not a directory", p.display())
            }
            WriteError::BadPath(p) => {
                write!(f, "refusing to write `{p}`: it would leave the output directory")
            }
            WriteError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

fn io<T>(path: &Path, r: std::io::Result<T>) -> Result<T, WriteError> {
    r.map_err(|e| WriteError::Io(path.to_path_buf(), e))
}

/// A relative path made only of normal components: it cannot leave the directory it is joined to.
fn safe_relative(p: &str) -> bool {
    !p.is_empty()
        && p != MANIFEST
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

/// The manifest: a header line, then one `sha256 mode path` line per file, sorted by path.
pub fn manifest(tree: &Tree) -> String {
    let mut s = String::from("# files written by dcnc: sha256 mode path\n");
    for (path, a) in tree {
        s.push_str(&format!(
            "{} {:o} {path}\n",
            sha256_hex(a.content.as_bytes()),
            a.mode
        ));
    }
    s
}

/// Paths listed in a manifest.
fn manifest_paths(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.splitn(3, ' ').nth(2))
        .map(str::to_string)
        .collect()
}

/// One file found in an existing output directory.
struct Found {
    mode: u32,
    /// `None` for symlinks and other non-regular files.
    bytes: Option<Vec<u8>>,
}

/// The entries of an output directory (relative path -> file) and the paths its manifest lists.
type Scan = (BTreeMap<String, Found>, Option<BTreeSet<String>>);

/// What is in `out` now: every entry but the manifest, and the paths the manifest says dcnc
/// wrote (`None` without a manifest). `None` when `out` does not exist.
fn scan(out: &Path) -> Result<Option<Scan>, WriteError> {
    match fs::symlink_metadata(out) {
        Ok(m) if !m.is_dir() => return Err(WriteError::NotADirectory(out.to_path_buf())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(WriteError::Io(out.to_path_buf(), e)),
    }
    let owned = match fs::read_to_string(out.join(MANIFEST)) {
        Ok(text) => Some(manifest_paths(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(WriteError::Io(out.join(MANIFEST), e)),
    };
    let mut files = BTreeMap::new();
    let mut dirs = vec![out.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in io(&dir, fs::read_dir(&dir))? {
            let entry = io(&dir, entry)?;
            let path = entry.path();
            // The type comes with the directory entry (no stat); a regular file's mode comes
            // from the open file (fstat, no second path lookup).
            let kind = io(&path, entry.file_type())?;
            let rel = path
                .strip_prefix(out)
                .expect("walk stays under out")
                .to_string_lossy()
                .into_owned();
            if kind.is_dir() {
                dirs.push(path);
            } else if rel != MANIFEST {
                let (mode, bytes) = if kind.is_file() {
                    let mut f = io(&path, fs::File::open(&path))?;
                    let meta = io(&path, f.metadata())?;
                    let mut bytes = Vec::with_capacity(meta.len() as usize);
                    io(&path, std::io::Read::read_to_end(&mut f, &mut bytes))?;
                    (meta.permissions().mode(), Some(bytes))
                } else {
                    let meta = io(&path, fs::symlink_metadata(&path))?;
                    (meta.permissions().mode(), None)
                };
                files.insert(
                    rel,
                    Found {
                        mode: mode & 0o7777,
                        bytes,
                    },
                );
            }
        }
    }
    Ok(Some((files, owned)))
}

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

/// Compares `tree` with what is in `out`, reading only. Files dcnc did not write are ignored.
pub fn check_tree(tree: &Tree, out: &Path) -> Result<Drift, WriteError> {
    let (files, owned) = scan(out)?.unwrap_or_default();
    let owned = owned.unwrap_or_default();
    let mut drift = Drift::default();
    for (path, a) in tree {
        match files.get(path) {
            None => drift.missing.push(path.clone()),
            Some(f) => {
                let same_bytes = f.bytes.as_deref() == Some(a.content.as_bytes());
                if !same_bytes || f.mode != a.mode {
                    let old = f
                        .bytes
                        .as_deref()
                        .map(String::from_utf8_lossy)
                        .unwrap_or_default();
                    let mut diff = similar::TextDiff::from_lines(old.as_ref(), a.content.as_str())
                        .unified_diff()
                        .context_radius(3)
                        .header(&format!("a/{path}"), &format!("b/{path}"))
                        .to_string();
                    if f.mode != a.mode {
                        diff.push_str(&format!("mode {:o} -> {:o}\n", f.mode, a.mode));
                    }
                    drift.changed.push((path.clone(), diff));
                }
            }
        }
    }
    for path in owned {
        if !tree.contains_key(&path) && files.contains_key(&path) {
            drift.extra.push(path);
        }
    }
    Ok(drift)
}

/// What a build did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Writes `tree` into `out`, replacing what an earlier build wrote (see the module docs).
pub fn write_tree(tree: &Tree, out: &Path, force: bool) -> Result<Written, WriteError> {
    if let Some(bad) = tree.keys().find(|p| !safe_relative(p)) {
        return Err(WriteError::BadPath(bad.clone()));
    }
    let existing = scan(out)?;
    let (files, owned) = match existing {
        Some((files, owned)) => {
            if owned.is_none() && !files.is_empty() && !force {
                return Err(WriteError::NotOurs(out.to_path_buf()));
            }
            (files, owned.unwrap_or_default())
        }
        None => Default::default(),
    };
    let same = |path: &str, a: &crate::emit::Artifact| {
        files
            .get(path)
            .is_some_and(|f| f.mode == a.mode && f.bytes.as_deref() == Some(a.content.as_bytes()))
    };
    let stale: Vec<&String> = owned
        .iter()
        .filter(|p| !tree.contains_key(*p) && files.contains_key(*p))
        .collect();
    let unchanged = tree.iter().filter(|(p, a)| same(p, a)).count();
    let manifest_text = manifest(tree);
    let manifest_same = fs::read_to_string(out.join(MANIFEST)).is_ok_and(|m| m == manifest_text);
    if unchanged == tree.len() && stale.is_empty() && manifest_same {
        return Ok(Written {
            written: 0,
            unchanged,
            removed: 0,
        });
    }

    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    io(&parent, fs::create_dir_all(&parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = parent.join(format!(".{name}.dcnc-new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.dcnc-old-{}", std::process::id()));
    let result = (|| {
        if tmp.exists() {
            io(&tmp, fs::remove_dir_all(&tmp))?;
        }
        io(&tmp, fs::create_dir_all(&tmp))?;
        let mut written = 0;
        let mut made = std::collections::HashSet::new();
        for (rel, a) in tree {
            let path = tmp.join(rel);
            if let Some(dir) = path.parent() {
                if !made.contains(dir) {
                    io(dir, fs::create_dir_all(dir))?;
                    made.insert(dir.to_path_buf());
                }
            }
            if same(rel, a) {
                io(&path, fs::hard_link(out.join(rel), &path))?;
            } else {
                let mut f = io(&path, fs::File::create(&path))?;
                io(&path, f.write_all(a.content.as_bytes()))?;
                io(&path, f.set_permissions(fs::Permissions::from_mode(a.mode)))?;
                written += 1;
            }
        }
        // Files dcnc did not write come along untouched.
        for rel in files
            .keys()
            .filter(|p| !owned.contains(*p) && !tree.contains_key(*p))
        {
            let (from, to) = (out.join(rel), tmp.join(rel));
            if let Some(dir) = to.parent() {
                io(dir, fs::create_dir_all(dir))?;
            }
            match fs::read_link(&from) {
                Ok(target) => io(&to, std::os::unix::fs::symlink(target, &to))?,
                Err(_) => io(&to, fs::hard_link(&from, &to))?,
            }
        }
        let m = tmp.join(MANIFEST);
        io(&m, fs::write(&m, &manifest_text))?;
        swap(&tmp, out, &old)?;
        Ok(Written {
            written,
            unchanged,
            removed: stale.len(),
        })
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn swap(tmp: &Path, out: &Path, old: &Path) -> Result<(), WriteError> {
    if out.exists() {
        io(out, fs::rename(out, old))?;
        if let Err(e) = fs::rename(tmp, out) {
            let _ = fs::rename(old, out);
            return Err(WriteError::Io(out.to_path_buf(), e));
        }
        io(old, fs::remove_dir_all(old))?;
    } else {
        io(out, fs::rename(tmp, out))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::Artifact;

    fn tree(files: &[(&str, &str)]) -> Tree {
        files
            .iter()
            .map(|(p, c)| {
                let a = Artifact {
                    content: c.to_string(),
                    mode: 0o644,
                };
                (p.to_string(), a)
            })
            .collect()
    }

    fn mtime(p: &Path) -> std::time::SystemTime {
        fs::metadata(p).unwrap().modified().unwrap()
    }

    #[test]
    fn rebuild_drops_stale_files_keeps_foreign_ones_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write_tree(&tree(&[("a/x", "1"), ("b", "2")]), &out, false).unwrap();
        fs::write(out.join("notes.txt"), "mine").unwrap();
        let w = write_tree(&tree(&[("a/y", "3"), ("b", "2")]), &out, false).unwrap();
        assert_eq!(
            w,
            Written {
                written: 1,
                unchanged: 1,
                removed: 1
            }
        );
        assert!(!out.join("a/x").exists());
        assert_eq!(fs::read_to_string(out.join("a/y")).unwrap(), "3");
        assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")]);
    }

    #[test]
    fn unchanged_files_keep_their_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write_tree(&tree(&[("a", "1"), ("b", "2")]), &out, false).unwrap();
        let before = (mtime(&out.join("a")), mtime(&out.join("b")));
        std::thread::sleep(std::time::Duration::from_millis(20));
        let w = write_tree(&tree(&[("a", "1"), ("b", "2")]), &out, false).unwrap();
        assert_eq!(w.written, 0);
        let w = write_tree(&tree(&[("a", "1"), ("b", "3")]), &out, false).unwrap();
        assert_eq!(w.written, 1);
        assert_eq!(
            mtime(&out.join("a")),
            before.0,
            "unchanged file not rewritten"
        );
        assert_ne!(mtime(&out.join("b")), before.1);
    }

    #[test]
    fn check_reports_missing_changed_and_extra() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write_tree(
            &tree(&[("a", "1\n"), ("b", "2\n"), ("c", "3\n")]),
            &out,
            false,
        )
        .unwrap();
        fs::write(out.join("hand-made"), "x").unwrap();
        let drift = check_tree(&tree(&[("a", "1\n"), ("b", "two\n"), ("d", "4\n")]), &out).unwrap();
        assert_eq!(drift.missing, vec!["d".to_string()]);
        assert_eq!(drift.extra, vec!["c".to_string()]);
        assert_eq!(drift.changed.len(), 1);
        assert!(
            drift.changed[0].1.contains("-2\n+two\n"),
            "{}",
            drift.changed[0].1
        );
        assert!(
            check_tree(&tree(&[("a", "1\n"), ("b", "2\n"), ("c", "3\n")]), &out)
                .unwrap()
                .is_clean()
        );
    }

    #[test]
    fn refuses_foreign_directories_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("precious"), "x").unwrap();
        let err = write_tree(&tree(&[("a", "1")]), dir.path(), false).unwrap_err();
        assert!(matches!(err, WriteError::NotOurs(_)));
        write_tree(&tree(&[("a", "1")]), dir.path(), true).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("precious")).unwrap(),
            "x"
        );
    }

    #[test]
    fn paths_cannot_escape() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "/etc/x", "a/../../x", "", MANIFEST] {
            let err = write_tree(&tree(&[(bad, "1")]), &dir.path().join("o"), false).unwrap_err();
            assert!(matches!(err, WriteError::BadPath(_)), "{bad}");
        }
    }
}
