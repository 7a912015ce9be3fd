//! Putting the new tree in place and cleaning up after it, including after a killed build.
//!
//! * **Names.** Everything a build makes beside `NAME` is `.NAME.dcnc-` plus a suffix: `lock`,
//!   `new-ID` (the staging directory, which holds the old tree after the exchange) and `old-ID`
//!   (only in the fallback), ID being 16 random hex digits. A name too long for NAME_MAX is
//!   shortened with a digest of the full one.
//! * **The swap** is one `renameat2(RENAME_EXCHANGE)` of the staging directory and the output
//!   directory: at every instant the output path holds the old tree or the new one. Where the
//!   file system has no exchange, the fallback is two renames (`NAME` to `old-ID`, `new-ID` to
//!   `NAME`); a build killed between them leaves no `NAME`, and the next build puts the complete
//!   new tree there (or, failing that, the old one) before anything else.
//! * **Draining** ([`drain`]) empties a tree that is no longer at the output path: what the
//!   caller knows to be dcnc's or carried over (same inode) is removed; anything else (a file
//!   written into the old tree during the build, say) is moved into the new tree at the same
//!   path if that is free, and left in place otherwise, with the directory kept and reported.
//! * **Leftovers** of interrupted builds are found by name under the lock ([`recover`]): a
//!   staging directory still marked incomplete holds only dcnc's new files and hard links, and
//!   is removed whole; any other one is drained into the output directory.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::hash::{BuildHasher as _, Hasher as _};
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{renameat_with, RenameFlags, CWD};
use rustix::io::Errno;

use super::fault::point;
use super::manifest::{self, MANIFEST};
use super::scan::{hash_file, lstat, walk, Entry, Kind};
use super::stage::INCOMPLETE;
use super::{Note, WriteError, MAX_FILE};

/// The names of what a build makes beside the output directory.
pub struct Names {
    parent: PathBuf,
    base: Vec<u8>,
}

const ID_LEN: usize = 16;

impl Names {
    pub fn new(parent: &Path, name: &OsStr) -> Names {
        // ".", name, ".dcnc-", "new-", ID must fit in NAME_MAX (255 bytes).
        let bytes = name.as_bytes();
        let room = 255 - 1 - 6 - 4 - ID_LEN;
        let mut base = vec![b'.'];
        if bytes.len() <= room {
            base.extend_from_slice(bytes);
        } else {
            let digest = manifest::sha256(bytes);
            let mut cut = room - 1 - ID_LEN;
            if let Ok(s) = std::str::from_utf8(bytes) {
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
            }
            base.extend_from_slice(&bytes[..cut]);
            base.push(b'~');
            for b in &digest[..ID_LEN / 2] {
                base.extend_from_slice(format!("{b:02x}").as_bytes());
            }
        }
        base.extend_from_slice(b".dcnc-");
        Names {
            parent: parent.to_path_buf(),
            base,
        }
    }

    fn path(&self, suffix: &str) -> PathBuf {
        let mut name = self.base.clone();
        name.extend_from_slice(suffix.as_bytes());
        self.parent.join(OsString::from_vec(name))
    }

    pub fn lock(&self) -> PathBuf {
        self.path("lock")
    }

    /// The record of the last build (`stamp`).
    pub fn stat(&self) -> PathBuf {
        self.path("stat")
    }

    pub fn staging(&self, id: &str) -> PathBuf {
        self.path(&format!("new-{id}"))
    }

    pub fn aside(&self, id: &str) -> PathBuf {
        self.path(&format!("old-{id}"))
    }

    /// The directories beside the output directory that earlier builds of it left:
    /// (path, ID, whether it is a `new-` one), sorted.
    pub fn leftovers(&self) -> io::Result<Vec<(PathBuf, String, bool)>> {
        let mut found = Vec::new();
        for entry in fs::read_dir(&self.parent)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(rest) = name.as_bytes().strip_prefix(self.base.as_slice()) else {
                continue;
            };
            let (is_new, id) = match (rest.strip_prefix(b"new-"), rest.strip_prefix(b"old-")) {
                (Some(id), _) => (true, id),
                (_, Some(id)) => (false, id),
                _ => continue,
            };
            let hex = |c: &u8| c.is_ascii_digit() || (b'a'..=b'f').contains(c);
            if id.len() != ID_LEN || !id.iter().all(hex) || !entry.file_type()?.is_dir() {
                continue;
            }
            let id = String::from_utf8_lossy(id).into_owned();
            found.push((entry.path(), id, is_new));
        }
        found.sort();
        Ok(found)
    }
}

/// 16 random hex digits (std's per-process random hash keys, mixed with the time and PID).
pub fn new_id() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    format!("{:016x}", h.finish())
}

fn exchange_unsupported(e: Errno) -> bool {
    e == Errno::INVAL || e == Errno::NOSYS || e == Errno::OPNOTSUPP
}

/// `renameat2` with `flags`; in tests that simulate a file system without it, EINVAL.
fn rename_with(from: &Path, to: &Path, flags: RenameFlags) -> rustix::io::Result<()> {
    if super::fault::no_exchange() {
        return Err(Errno::INVAL);
    }
    renameat_with(CWD, from, CWD, to, flags)
}

/// Puts the complete tree `staging` at `out`; returns where the old tree is now (`None` when
/// `out` did not exist). On error nothing moved: `out` is as it was and `staging` is in place.
pub fn swap(
    staging: &Path,
    out: &Path,
    out_exists: bool,
    aside: &Path,
) -> Result<Option<PathBuf>, WriteError> {
    let mount = |e: Errno| {
        if e == Errno::XDEV || e == Errno::BUSY {
            WriteError::MountPoint(out.to_path_buf())
        } else {
            WriteError::Io(out.to_path_buf(), e.into())
        }
    };
    point()?;
    if !out_exists {
        return match rename_with(staging, out, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(None),
            Err(e) if exchange_unsupported(e) => match lstat(out) {
                Ok(None) => fs::rename(staging, out)
                    .map(|()| None)
                    .map_err(|e| WriteError::Io(out.to_path_buf(), e)),
                Ok(Some(_)) => Err(WriteError::Io(out.to_path_buf(), Errno::EXIST.into())),
                Err(e) => Err(WriteError::Io(out.to_path_buf(), e)),
            },
            Err(e) => Err(mount(e)),
        };
    }
    match rename_with(staging, out, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(Some(staging.to_path_buf())),
        Err(e) if exchange_unsupported(e) => {
            fs::rename(out, aside).map_err(|e| WriteError::Io(out.to_path_buf(), e))?;
            point()?;
            if let Err(e) = fs::rename(staging, out) {
                let _ = fs::rename(aside, out);
                return Err(WriteError::Io(out.to_path_buf(), e));
            }
            Ok(Some(aside.to_path_buf()))
        }
        Err(e) => Err(mount(e)),
    }
}

/// What [`drain`] did.
#[derive(Debug, Default)]
pub struct Drained {
    /// Moved into the new tree.
    pub rescued: Vec<PathBuf>,
    /// Left in the old tree (the path is taken in the new one).
    pub left: Vec<PathBuf>,
}

/// Empties `old` into `new` (see the module docs). `known(rel, entry)`: whether the entry of the
/// old tree at `rel` may simply be removed. Removes `old` when nothing is left in it.
pub fn drain(
    old: &Path,
    new: &Path,
    known: &mut dyn FnMut(&Path, &Entry) -> bool,
) -> Result<Drained, WriteError> {
    let io = |rel: &Path| {
        let p = old.join(rel);
        move |e: io::Error| WriteError::Io(p, e)
    };
    let entries = walk(old).map_err(|(p, e)| WriteError::Io(p, e))?;
    let mut drained = Drained::default();
    let mut has_children = std::collections::BTreeSet::new();
    for rel in entries.keys() {
        if let Some(p) = rel.parent() {
            has_children.insert(p.to_path_buf());
        }
    }
    // The manifest goes last: until then a leftover of this drain can tell dcnc's files.
    let manifest = Path::new(MANIFEST);
    let mut take = |rel: &PathBuf, e: &Entry, drained: &mut Drained| -> Result<(), WriteError> {
        let empty_dir = e.kind == Kind::Dir && !has_children.contains(rel);
        if e.kind == Kind::Dir && !empty_dir {
            return Ok(());
        }
        if known(rel, e) {
            point()?;
            if e.kind == Kind::Dir {
                fs::remove_dir(old.join(rel))
            } else {
                fs::remove_file(old.join(rel))
            }
            .map_err(io(rel))?;
        } else if rescue(old, new, rel)? {
            drained.rescued.push(rel.clone());
        } else {
            drained.left.push(rel.clone());
        }
        Ok(())
    };
    for (rel, e) in entries.iter().filter(|(rel, _)| rel.as_path() != manifest) {
        take(rel, e, &mut drained)?;
    }
    for (rel, e) in entries.iter().rev() {
        if e.kind == Kind::Dir && has_children.contains(rel) {
            point()?;
            match fs::remove_dir(old.join(rel)) {
                Ok(()) => {}
                // Something is left in it (or was written into it meanwhile): it stays.
                Err(e) if e.raw_os_error() == Some(Errno::NOTEMPTY.raw_os_error()) => {}
                Err(e) => return Err(io(rel)(e)),
            }
        }
    }
    if let Some((rel, e)) = entries.get_key_value(manifest) {
        take(rel, e, &mut drained)?;
    }
    point()?;
    match fs::remove_dir(old) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(Errno::NOTEMPTY.raw_os_error()) => {
            if drained.left.is_empty() {
                drained.left.push(PathBuf::from("."));
            }
        }
        Err(e) => return Err(io(Path::new(""))(e)),
    }
    Ok(drained)
}

/// Moves `old/rel` to `new/rel` if nothing is there, making missing parents with the old ones'
/// mode. Returns whether it moved.
fn rescue(old: &Path, new: &Path, rel: &Path) -> Result<bool, WriteError> {
    let io = |p: PathBuf| move |e: io::Error| WriteError::Io(p, e);
    let mut parents: Vec<&Path> = rel
        .ancestors()
        .skip(1)
        .filter(|a| !a.as_os_str().is_empty())
        .collect();
    parents.reverse();
    for a in parents {
        match lstat(&new.join(a)).map_err(io(new.join(a)))? {
            Some(e) if e.kind == Kind::Dir => {}
            Some(_) => return Ok(false),
            None => {
                point()?;
                fs::create_dir(new.join(a)).map_err(io(new.join(a)))?;
                if let Some(o) = lstat(&old.join(a)).map_err(io(old.join(a)))? {
                    let _ = std::os::unix::fs::lchown(new.join(a), Some(o.uid), Some(o.gid));
                    fs::set_permissions(new.join(a), fs::Permissions::from_mode(o.mode))
                        .map_err(io(new.join(a)))?;
                }
            }
        }
    }
    point()?;
    let (from, to) = (old.join(rel), new.join(rel));
    match rename_with(&from, &to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(true),
        Err(e) if e == Errno::EXIST || e == Errno::NOTEMPTY => Ok(false),
        Err(e) if exchange_unsupported(e) => match lstat(&to).map_err(io(to.clone()))? {
            Some(_) => Ok(false),
            None => fs::rename(&from, &to).map(|()| true).map_err(io(from)),
        },
        Err(e) => Err(WriteError::Io(from, e.into())),
    }
}

/// Whether an entry of a leftover tree may be removed: the same inode is at the same path in
/// `out` (an unchanged or carried file), or it is the file the leftover's own manifest lists.
fn leftover_known(
    dir: &Path,
    out: &Path,
    listed: &manifest::Manifest,
    rel: &Path,
    e: &Entry,
) -> bool {
    if rel == Path::new(MANIFEST) {
        return true;
    }
    if let Ok(Some(there)) = lstat(&out.join(rel)) {
        if there.same_inode(e) || (e.kind == Kind::Dir && there.kind == Kind::Dir) {
            return true;
        }
    }
    if e.kind == Kind::Dir {
        // A directory of dcnc's (emptied by the drain that was killed).
        let prefix = rel.as_os_str().as_encoded_bytes();
        return listed.keys().any(|p| {
            p.as_bytes().starts_with(prefix) && p.as_bytes().get(prefix.len()) == Some(&b'/')
        });
    }
    let Some(l) = rel.to_str().and_then(|p| listed.get(p)) else {
        return false;
    };
    e.kind == Kind::File
        && matches!(hash_file(&dir.join(rel), e, MAX_FILE), Ok(Some(h)) if h == l.hash)
}

/// Cleans up after interrupted builds of `out` (see the module docs). Call it holding the lock.
pub fn recover(names: &Names, out: &Path, notes: &mut Vec<Note>) -> Result<(), WriteError> {
    let parent_err = |e| WriteError::Io(names.parent.clone(), e);
    let mut rest = Vec::new();
    for (dir, id, is_new) in names.leftovers().map_err(parent_err)? {
        if is_new && lstat(&dir.join(INCOMPLETE)).map_err(parent_err)?.is_some() {
            point()?;
            fs::remove_dir_all(&dir).map_err(|e| WriteError::Io(dir.clone(), e))?;
            notes.push(Note::Cleaned(dir));
        } else {
            rest.push((dir, id, is_new));
        }
    }
    if lstat(out)
        .map_err(|e| WriteError::Io(out.to_path_buf(), e))?
        .is_none()
        && !rest.is_empty()
    {
        // A fallback swap was killed between its two renames: its complete new tree goes in
        // place (its old tree is then drained into it); failing that, an old tree.
        let pick = rest
            .iter()
            .position(|(_, id, new)| *new && rest.iter().any(|(_, i, n)| !n && i == id))
            .or_else(|| rest.iter().position(|(_, _, new)| !new))
            .unwrap_or(0);
        let (dir, _, _) = rest.remove(pick);
        point()?;
        fs::rename(&dir, out).map_err(|e| WriteError::Io(out.to_path_buf(), e))?;
        notes.push(Note::Restored(out.to_path_buf()));
    }
    for (dir, _, _) in rest {
        let listed = match manifest::read(&dir) {
            Ok(Some((m, _))) => m,
            _ => Default::default(),
        };
        let drained = drain(&dir, out, &mut |rel, e| {
            leftover_known(&dir, out, &listed, rel, e)
        })?;
        notes.extend(drained.rescued.iter().map(|r| Note::Rescued(out.join(r))));
        if drained.left.is_empty() {
            notes.push(Note::Cleaned(dir));
        } else {
            notes.push(Note::KeptPrevious {
                dir: dir.clone(),
                files: drained.left,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_name_max_and_leftovers_match_exactly() {
        let long = "o".repeat(255);
        let n = Names::new(Path::new("/p"), OsStr::new(&long));
        let id = new_id();
        assert_eq!(id.len(), ID_LEN);
        for p in [n.lock(), n.staging(&id), n.aside(&id)] {
            assert!(p.file_name().unwrap().len() <= 255, "{}", p.display());
        }
        assert_ne!(
            Names::new(Path::new("/p"), OsStr::new(&long)).base,
            Names::new(Path::new("/p"), OsStr::new(&"o".repeat(254))).base
        );
        let dir = tempfile::tempdir().unwrap();
        let n = Names::new(dir.path(), OsStr::new("out"));
        fs::create_dir(n.staging(&id)).unwrap();
        fs::create_dir(n.aside(&id)).unwrap();
        // Not ours: another output directory's, a file, a short ID.
        fs::create_dir(dir.path().join(format!(".out.dcnc-new-{id}.dcnc-new-{id}"))).unwrap();
        fs::write(
            dir.path().join(format!(".out.dcnc-new-{}", "0".repeat(16))),
            "",
        )
        .unwrap();
        fs::create_dir(dir.path().join(".out.dcnc-new-123")).unwrap();
        let found = n.leftovers().unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
    }
}
