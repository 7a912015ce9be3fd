//! Deciding, before anything is written, what a build does with each path: [`decide`] for a
//! file of the new tree (unchanged, write, or a conflict), [`decide_stale`] for a file the
//! manifest lists that the tree no longer has (remove it, or keep it as the user's), and
//! [`plan`] for the whole directory (which entries are carried over untouched, which
//! directories the new tree has and whose metadata they keep).

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use super::manifest::{Hash, Listed, Manifest, MANIFEST};
use super::scan::{compare_file, hash_file, Compared, Entry, Kind};
use super::{Note, WriteError, MAX_FILE};
use crate::emit::{Artifact, Tree};

/// What a build does with one file of the new tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The file there has the bytes and mode: hard-link it into the new tree.
    Unchanged,
    /// Write the new bytes (absent, dcnc's earlier version, or replaced under `--force`).
    Write,
    /// Something dcnc did not write is there: refuse without `--force`.
    Conflict(Why),
}

/// Why dcnc will not replace what is at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// dcnc wrote it, and it was edited since (its hash is not the manifest's).
    Edited,
    /// A file dcnc did not write sits where dcnc now writes one.
    NotOurs,
    /// Not a regular file ("a symbolic link", ...) where dcnc writes a file.
    NotAFile(&'static str),
    /// Not a directory where dcnc needs one.
    NotADirectory(&'static str),
}

/// A path dcnc would replace and will not without `--force`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub path: PathBuf,
    pub why: Why,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.path.display();
        match &self.why {
            Why::Edited => write!(f, "{p}: edited since dcnc wrote it"),
            Why::NotOurs => write!(f, "{p}: not written by dcnc, and dcnc now generates it"),
            Why::NotAFile(k) => write!(f, "{p}: {k}, where dcnc writes a file"),
            Why::NotADirectory(k) => write!(f, "{p}: {k}, where dcnc writes a directory"),
        }
    }
}

/// The one decision per file of the new tree. `found` is what the directory holds at the path
/// (from its `lstat`), `listed` what the manifest says dcnc wrote there, `compare` reads the
/// file and compares it with the new bytes (called only when the answer depends on the bytes,
/// and never for a file larger than dcnc ever writes).
pub fn decide(
    new: &Artifact,
    found: Option<&Entry>,
    listed: Option<&Listed>,
    force: bool,
    compare: impl FnOnce() -> io::Result<Compared>,
) -> io::Result<Action> {
    let Some(found) = found else {
        return Ok(Action::Write);
    };
    let replace_or = |why| {
        Ok(if force {
            Action::Write
        } else {
            Action::Conflict(why)
        })
    };
    if found.kind != Kind::File {
        return replace_or(Why::NotAFile(found.kind.describe()));
    }
    let same_size = found.size == new.content.len() as u64;
    if !same_size && listed.is_none() {
        return replace_or(Why::NotOurs);
    }
    let compared = if found.size <= MAX_FILE {
        compare()?
    } else {
        Compared::Differs(None)
    };
    let hash = match compared {
        Compared::Same if found.mode == new.mode => return Ok(Action::Unchanged),
        Compared::Same => return Ok(Action::Write),
        Compared::Differs(h) => h,
    };
    match listed {
        Some(l) if hash == Some(l.hash) => Ok(Action::Write),
        Some(_) => replace_or(Why::Edited),
        None => replace_or(Why::NotOurs),
    }
}

/// What a build does with a file the manifest lists and the new tree does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// It is what dcnc wrote: it goes.
    Remove,
    /// It was edited since (or is not a regular file any more): it stays, as the user's.
    Keep,
}

pub fn decide_stale(
    found: &Entry,
    listed: &Listed,
    force: bool,
    hash_found: impl FnOnce() -> io::Result<Option<Hash>>,
) -> io::Result<Stale> {
    if found.kind != Kind::File {
        return Ok(Stale::Keep);
    }
    if force || hash_found()? == Some(listed.hash) {
        Ok(Stale::Remove)
    } else {
        Ok(Stale::Keep)
    }
}

/// A directory of the new tree.
#[derive(Debug, Clone, Copy)]
pub struct Dir {
    /// The directory that was there, whose mode and owner it keeps.
    pub old: Option<Entry>,
    /// Not dcnc's (no file dcnc writes or wrote is under it): it keeps its times too.
    pub foreign: bool,
}

/// What a build will do, decided before it writes anything.
#[derive(Debug, Default)]
pub struct Plan<'t> {
    /// Every file of the new tree, in tree order.
    pub files: Vec<(&'t str, Action)>,
    /// Files dcnc wrote before and removes now.
    pub removed: usize,
    /// Entries dcnc did not write (or no longer owns), hard-linked into the new tree.
    pub carry: Vec<PathBuf>,
    /// Every directory of the new tree but its root, parents first.
    pub dirs: BTreeMap<PathBuf, Dir>,
    pub conflicts: Vec<Conflict>,
    pub notes: Vec<Note>,
}

impl Plan<'_> {
    /// Nothing to write, link or remove: the tree on disk is the new tree, file for file.
    pub fn changes_nothing(&self) -> bool {
        self.removed == 0
            && self.notes.is_empty()
            && self.files.iter().all(|(_, a)| *a == Action::Unchanged)
    }

    pub fn written(&self) -> usize {
        self.files
            .iter()
            .filter(|(_, a)| *a == Action::Write)
            .count()
    }
}

fn ancestors_of<'a>(paths: impl Iterator<Item = &'a Path>) -> BTreeSet<PathBuf> {
    let mut dirs = BTreeSet::new();
    for p in paths {
        for a in p.ancestors().skip(1) {
            if a.as_os_str().is_empty() || !dirs.insert(a.to_path_buf()) {
                break;
            }
        }
    }
    dirs
}

/// Plans writing `tree` over the directory `out` whose entries are `found` and whose manifest
/// is `listed`.
pub fn plan<'t>(
    tree: &'t Tree,
    out: &Path,
    found: &BTreeMap<PathBuf, Entry>,
    listed: &Manifest,
    force: bool,
) -> Result<Plan<'t>, WriteError> {
    let mut plan = Plan::default();
    let io = |rel: &Path, e: io::Error| WriteError::Io(out.join(rel), e);
    let hash = |rel: &Path, e: &Entry| hash_file(&out.join(rel), e, MAX_FILE);
    // Entries that go, with everything under them: replaced under --force, or dcnc's own.
    let mut dropped: BTreeSet<PathBuf> = BTreeSet::from([PathBuf::from(MANIFEST)]);
    let tree_dirs = ancestors_of(tree.keys().map(Path::new));
    for d in &tree_dirs {
        if let Some(e) = found.get(d).filter(|e| e.kind != Kind::Dir) {
            if force {
                dropped.insert(d.clone());
            } else {
                plan.conflicts.push(Conflict {
                    path: d.clone(),
                    why: Why::NotADirectory(e.kind.describe()),
                });
            }
        }
    }
    for (path, a) in tree {
        let rel = Path::new(path);
        let f = found.get(rel);
        let action = decide(a, f, listed.get(path), force, || {
            let f = f.expect("compared only when found");
            compare_file(&out.join(rel), f, a.content.as_bytes(), MAX_FILE)
        })
        .map_err(|e| io(rel, e))?;
        if let Action::Conflict(why) = &action {
            plan.conflicts.push(Conflict {
                path: rel.to_path_buf(),
                why: why.clone(),
            });
        }
        if f.is_some() {
            dropped.insert(rel.to_path_buf());
        }
        plan.files.push((path.as_str(), action));
    }
    let mut kept_stale = BTreeSet::new();
    for (path, l) in listed {
        let rel = Path::new(path);
        if tree.contains_key(path) || !super::safe_relative(path) {
            continue;
        }
        let Some(f) = found.get(rel) else { continue };
        match decide_stale(f, l, force, || hash(rel, f)).map_err(|e| io(rel, e))? {
            Stale::Remove => {
                plan.removed += 1;
                dropped.insert(rel.to_path_buf());
            }
            Stale::Keep => {
                kept_stale.insert(rel.to_path_buf());
                plan.notes.push(Note::KeptEdited(out.join(rel)));
            }
        }
    }
    let under_dropped =
        |rel: &Path| rel.ancestors().any(|a| dropped.contains(a)) && !kept_stale.contains(rel);
    let listed_dirs = ancestors_of(listed.keys().map(Path::new));
    for (rel, e) in found {
        if e.kind != Kind::Dir && !under_dropped(rel) {
            plan.carry.push(rel.clone());
        }
    }
    let carried_dirs = ancestors_of(plan.carry.iter().map(PathBuf::as_path));
    for d in &tree_dirs {
        let old = found.get(d).filter(|e| e.kind == Kind::Dir).copied();
        plan.dirs.insert(
            d.clone(),
            Dir {
                old,
                foreign: false,
            },
        );
    }
    for (rel, e) in found {
        if e.kind != Kind::Dir || under_dropped(rel) || plan.dirs.contains_key(rel) {
            continue;
        }
        let foreign = !listed_dirs.contains(rel);
        if foreign || carried_dirs.contains(rel) {
            let old = Some(*e);
            plan.dirs.insert(rel.clone(), Dir { old, foreign });
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64, mode: u32) -> Entry {
        Entry {
            kind: Kind::File,
            mode,
            size,
            dev: 1,
            ino: 1,
            uid: 0,
            gid: 0,
            atime: (0, 0),
            mtime: (0, 0),
            ctime: (0, 0),
        }
    }

    #[test]
    fn decides_each_case() {
        let new = Artifact {
            content: "new".into(),
            mode: 0o644,
        };
        let (h_new, h_old, h_user) = ([1; 32], [2; 32], [3; 32]);
        let ours = Listed {
            hash: h_old,
            mode: 0o644,
        };
        let d = |found: Option<Entry>, listed: Option<&Listed>, force, h: Hash| {
            let c = if h == h_new {
                Compared::Same
            } else {
                Compared::Differs(Some(h))
            };
            decide(&new, found.as_ref(), listed, force, || Ok(c)).unwrap()
        };
        use Action::*;
        assert_eq!(d(None, None, false, h_user), Write);
        assert_eq!(d(Some(file(3, 0o644)), None, false, h_new), Unchanged);
        assert_eq!(d(Some(file(3, 0o600)), Some(&ours), false, h_new), Write);
        assert_eq!(d(Some(file(9, 0o644)), Some(&ours), false, h_old), Write);
        assert_eq!(
            d(Some(file(9, 0o644)), Some(&ours), false, h_user),
            Conflict(Why::Edited)
        );
        assert_eq!(d(Some(file(9, 0o644)), Some(&ours), true, h_user), Write);
        assert_eq!(
            d(Some(file(3, 0o644)), None, false, h_user),
            Conflict(Why::NotOurs)
        );
        let link = Entry {
            kind: Kind::Symlink,
            ..file(3, 0o777)
        };
        assert_eq!(
            d(Some(link), Some(&ours), false, h_new),
            Conflict(Why::NotAFile("a symbolic link"))
        );
        // A foreign file of another size is a conflict without reading a byte of it.
        let r = decide(&new, Some(&file(1 << 40, 0o644)), None, false, || {
            panic!("read")
        });
        assert_eq!(r.unwrap(), Conflict(Why::NotOurs));
        // Larger than dcnc ever writes: not read, not ours.
        let r = decide(
            &new,
            Some(&file(MAX_FILE + 1, 0o644)),
            Some(&ours),
            false,
            || panic!("read"),
        );
        assert_eq!(r.unwrap(), Conflict(Why::Edited));
        let s = |h, force| decide_stale(&file(1, 0o644), &ours, force, || Ok(Some(h))).unwrap();
        assert_eq!(s(h_old, false), Stale::Remove);
        assert_eq!(s(h_user, false), Stale::Keep);
        assert_eq!(s(h_user, true), Stale::Remove);
    }
}
