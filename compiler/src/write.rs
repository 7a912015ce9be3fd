//! Writing the output tree: the only phase that touches the file system.
//!
//! The tree is built in a temporary directory beside the target and swapped in with renames, so
//! an interrupted build leaves the previous tree intact. A manifest (`.dcnc-manifest`) records
//! what dcnc wrote; dcnc refuses to replace a non-empty directory that has none, unless forced.
//! Nothing is written outside the output directory and the temporary siblings it creates.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

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
            WriteError::NotADirectory(p) => write!(f, "{} exists and is not a directory", p.display()),
            WriteError::BadPath(p) => write!(f, "refusing to write `{p}`: it would leave the output directory"),
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
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// The manifest: one `mode path` line per file, sorted.
fn manifest(tree: &Tree) -> String {
    let mut s = String::from(
        "# files written by dcnc; the directory is replaced as a whole on every build\n",
    );
    for (path, a) in tree {
        s.push_str(&format!("{:o} {path}\n", a.mode));
    }
    s
}

/// Writes `tree` as the complete content of `out`, replacing what a previous build wrote.
pub fn write_tree(tree: &Tree, out: &Path, force: bool) -> Result<(), WriteError> {
    for path in tree.keys() {
        if !safe_relative(path) {
            return Err(WriteError::BadPath(path.clone()));
        }
    }
    match fs::symlink_metadata(out) {
        Ok(m) if !m.is_dir() => return Err(WriteError::NotADirectory(out.to_path_buf())),
        Ok(_) => {
            let ours = out.join(MANIFEST).is_file();
            let empty = io(out, fs::read_dir(out))?.next().is_none();
            if !ours && !empty && !force {
                return Err(WriteError::NotOurs(out.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(WriteError::Io(out.to_path_buf(), e)),
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
    let result = build_in(&tmp, tree).and_then(|()| swap(&tmp, out, &old));
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

fn build_in(tmp: &Path, tree: &Tree) -> Result<(), WriteError> {
    if tmp.exists() {
        io(tmp, fs::remove_dir_all(tmp))?;
    }
    io(tmp, fs::create_dir_all(tmp))?;
    for (rel, a) in tree {
        let path = tmp.join(rel);
        if let Some(dir) = path.parent() {
            io(dir, fs::create_dir_all(dir))?;
        }
        let mut f = io(&path, fs::File::create(&path))?;
        io(&path, f.write_all(a.content.as_bytes()))?;
        io(&path, f.set_permissions(fs::Permissions::from_mode(a.mode)))?;
    }
    let m = tmp.join(MANIFEST);
    io(&m, fs::write(&m, manifest(tree)))?;
    Ok(())
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
                (
                    p.to_string(),
                    Artifact {
                        content: c.to_string(),
                        mode: 0o644,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn rebuild_replaces_the_tree_and_drops_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write_tree(&tree(&[("a/x", "1"), ("b", "2")]), &out, false).unwrap();
        write_tree(&tree(&[("a/y", "3")]), &out, false).unwrap();
        assert!(!out.join("a/x").exists());
        assert!(!out.join("b").exists());
        assert_eq!(fs::read_to_string(out.join("a/y")).unwrap(), "3");
        // nothing left beside it
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out")]);
    }

    #[test]
    fn refuses_foreign_directories_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("precious"), "x").unwrap();
        let err = write_tree(&tree(&[("a", "1")]), dir.path(), false).unwrap_err();
        assert!(matches!(err, WriteError::NotOurs(_)));
        assert!(dir.path().join("precious").exists());
    }

    #[test]
    fn paths_cannot_escape() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "/etc/x", "a/../../x", ""] {
            let err = write_tree(&tree(&[(bad, "1")]), &dir.path().join("o"), false).unwrap_err();
            assert!(matches!(err, WriteError::BadPath(_)), "{bad}");
        }
    }
}
