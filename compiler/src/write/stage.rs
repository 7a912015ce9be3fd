//! Making the new tree in a staging directory beside the output directory. The staging
//! directory holds a marker file ([`INCOMPLETE`]) until it is complete, so that a build killed
//! while staging leaves something the next build recognises and removes whole. Unchanged files
//! and entries dcnc did not write are hard links to the ones in the output directory (same
//! inode: same bytes, mode, owner and mtime); directories get the mode and owner of the ones
//! they replace, and directories dcnc did not make keep their times too.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::fault::point;
use super::plan::{Action, Dir, Plan};
use super::scan::{lstat, Entry};
use super::WriteError;
use crate::emit::Tree;

/// Present in a staging directory until it holds the complete new tree.
pub const INCOMPLETE: &str = ".dcnc-incomplete";

/// What staging left: how many files it wrote, the `lstat` of every file of the new tree (the
/// manifest included), and the staging directory's ctime once it was complete.
pub struct Staged {
    pub written: usize,
    pub files: BTreeMap<String, Staged1>,
    pub done: (i64, i64),
}

/// One staged file: its `lstat`, and whether dcnc wrote it (else it is a hard link).
#[derive(Clone, Copy)]
pub struct Staged1 {
    pub entry: Entry,
    pub written: bool,
}

/// Writes the new tree into `staging` (which must not exist). Errors name the path in `out`
/// they were for.
pub fn stage(
    out: &Path,
    staging: &Path,
    tree: &Tree,
    plan: &Plan,
    manifest_text: &str,
    root: Option<&Entry>,
) -> Result<Staged, WriteError> {
    let err = |rel: &Path| {
        let at = out.join(rel);
        move |e: io::Error| WriteError::Stage(at, e)
    };
    point()?;
    fs::DirBuilder::new()
        .mode(0o700)
        .create(staging)
        .map_err(err(Path::new("")))?;
    point()?;
    write_new(&staging.join(INCOMPLETE), b"", 0o600).map_err(err(Path::new(INCOMPLETE)))?;
    for rel in plan.dirs.keys() {
        point()?;
        fs::DirBuilder::new()
            .mode(0o755)
            .create(staging.join(rel))
            .map_err(err(rel))?;
    }
    let mut written = 0;
    let mut files = BTreeMap::new();
    for (path, action) in &plan.files {
        let rel = Path::new(path);
        point()?;
        let at = staging.join(rel);
        let entry = match action {
            Action::Unchanged => fs::hard_link(out.join(rel), &at)
                .and_then(|()| lstat(&at)?.ok_or_else(|| io::ErrorKind::NotFound.into())),
            _ => {
                written += 1;
                let a = &tree[*path];
                write_new(&at, a.content.as_bytes(), a.mode)
            }
        }
        .map_err(err(rel))?;
        let written = *action != Action::Unchanged;
        files.insert(path.to_string(), Staged1 { entry, written });
    }
    for rel in &plan.carry {
        point()?;
        // linkat without AT_SYMLINK_FOLLOW: a symlink, FIFO or socket is linked itself.
        fs::hard_link(out.join(rel), staging.join(rel)).map_err(err(rel))?;
    }
    point()?;
    let m = Path::new(super::MANIFEST);
    let entry = write_new(&staging.join(m), manifest_text.as_bytes(), 0o644).map_err(err(m))?;
    files.insert(
        super::MANIFEST.to_string(),
        Staged1 {
            entry,
            written: true,
        },
    );
    point()?;
    fs::remove_file(staging.join(INCOMPLETE)).map_err(err(Path::new(INCOMPLETE)))?;
    let done = lstat(staging)
        .map_err(err(Path::new("")))?
        .map_or((i64::MIN, 0), |e| e.ctime);
    for (rel, dir) in plan.dirs.iter().rev() {
        keep_metadata(out, &staging.join(rel), rel, dir)?;
    }
    let dir = Dir {
        old: root.copied(),
        foreign: false,
    };
    keep_metadata(out, staging, Path::new(""), &dir)?;
    Ok(Staged {
        written,
        files,
        done,
    })
}

/// Creates the file `path` with `bytes` and `mode`; returns its `fstat` once written.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<Entry> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    f.write_all(bytes)?;
    // The mode regardless of the umask.
    f.set_permissions(fs::Permissions::from_mode(mode))?;
    Ok(Entry::from_meta(&f.metadata()?))
}

/// Gives the staged directory `path` the owner and mode of the one it replaces (and its times,
/// for a directory dcnc did not make).
fn keep_metadata(out: &Path, path: &Path, rel: &Path, dir: &Dir) -> Result<(), WriteError> {
    let Some(old) = dir.old else { return Ok(()) };
    let err = |e| WriteError::Stage(out.join(rel), e);
    let now = lstat(path)
        .map_err(err)?
        .ok_or_else(|| err(io::ErrorKind::NotFound.into()))?;
    if (now.uid, now.gid) != (old.uid, old.gid) {
        point()?;
        std::os::unix::fs::lchown(path, Some(old.uid), Some(old.gid)).map_err(|e| {
            WriteError::Owner {
                path: out.join(rel),
                uid: old.uid,
                gid: old.gid,
                error: e,
            }
        })?;
    }
    if now.mode != old.mode {
        point()?;
        fs::set_permissions(path, fs::Permissions::from_mode(old.mode)).map_err(err)?;
    }
    if dir.foreign {
        point()?;
        let ts = |(sec, nsec): (i64, i64)| rustix::fs::Timespec {
            tv_sec: sec,
            tv_nsec: nsec as _,
        };
        let times = rustix::fs::Timestamps {
            last_access: ts(old.atime),
            last_modification: ts(old.mtime),
        };
        rustix::fs::utimensat(
            rustix::fs::CWD,
            path,
            &times,
            rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
        )
        .map_err(|e| err(e.into()))?;
    }
    Ok(())
}
