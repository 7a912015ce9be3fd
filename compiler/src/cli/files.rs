//! The one way the CLI writes a file of its own (man pages, the book's reference pages, the
//! starter spec): into a named directory, never through a symlink, never half-written.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `dir/name` through a temporary file in `dir` and a rename, so the file is
/// whole or absent, and a symlink at `dir/name` is replaced, not followed. `dir` is created.
pub fn replace(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.dcnc-tmp-{}", std::process::id()));
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.map(|()| path)
}

/// Writes `bytes` to `dir/name` only if nothing (not even a dangling symlink) is there.
pub fn create(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_does_not_follow_a_symlink() {
        let tmp = tempfile::tempdir().unwrap();
        let decoy = tmp.path().join("decoy.txt");
        fs::write(&decoy, "keep").unwrap();
        let dir = tmp.path().join("out");
        fs::create_dir(&dir).unwrap();
        std::os::unix::fs::symlink(&decoy, dir.join("page.md")).unwrap();
        replace(&dir, "page.md", b"new").unwrap();
        assert_eq!(fs::read_to_string(&decoy).unwrap(), "keep");
        assert_eq!(fs::read_to_string(dir.join("page.md")).unwrap(), "new");
        assert!(!fs::symlink_metadata(dir.join("page.md"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
