//! Writing the output tree: the only phase that touches the file system.
//!
//! A manifest (`.dcnc-manifest`: sha256, mode and path of every file) records what dcnc wrote.
//! A build makes the new tree in a staging directory beside the output directory and swaps the
//! two with one atomic exchange. What holds, whatever the directory holds and wherever the build
//! is killed:
//!
//! * **The output path always holds the old tree or the new one, complete.** The swap is one
//!   `renameat2(RENAME_EXCHANGE)`; see [`swap`] for the fallback where a file system lacks it.
//!   Leftovers of an interrupted build are found by name and cleaned up by the next build, under
//!   the lock; files in them that are not dcnc's are moved back, never deleted.
//! * **No file dcnc did not write is deleted or overwritten** without `--force`: entries it did
//!   not write are carried into the new tree as hard links (symlinks, FIFOs and sockets
//!   included), directories with their mode and owner (and times, when not dcnc's), empty ones
//!   too; a file written into the old tree during the build is moved into the new one. A file at
//!   a path dcnc now generates, and a file dcnc wrote that was edited since (its sha256 is not the
//!   manifest's), are conflicts reported by name before anything is written; an edited file dcnc
//!   no longer generates is kept and reported. `--force` replaces such files; it never deletes
//!   files dcnc does not generate.
//! * **Bounded work for any directory.** A directory without a manifest is refused (without
//!   `--force`) before it is walked; the walk never follows a symlink and reads no bytes; only
//!   files at paths the manifest or the new tree names are hashed, opened without following links
//!   or blocking, and only when no larger than [`MAX_FILE`], the most dcnc ever writes. Names
//!   need not be UTF-8.
//! * **One build per directory at a time** ([`lock`]); a second one waits.
//! * **Checks before moves.** A read-only directory, a mount point, a symlink at the output
//!   path, an output directory that contains the current directory, a conflict or an owner dcnc
//!   cannot keep: each is reported before anything is moved.
//! * Unchanged files are hard-linked, so their mtimes survive; when nothing changed, nothing is
//!   written at all. dcnc never writes outside the output directory and its `.NAME.dcnc-*`
//!   siblings.
//! * **An unchanged build costs an `lstat` per file.** A build given the key of its inputs
//!   leaves a stat record beside the tree (`.NAME.dcnc-stat`, see [`stamp`] for why it is
//!   sound); [`unchanged`] and [`check_unchanged`] then vouch for an unchanged tree without
//!   rendering or reading it, and any change to a file dcnc wrote, even one that keeps its size
//!   and mtime, makes them fall back to the whole build or comparison.
//!
//! This file holds `write_tree` and the checks of the output path before anything moves;
//! `error.rs` the errors and notes, `drift.rs` `build --check`'s comparison.

mod drift;
mod error;
mod fault;
mod lock;
mod manifest;
mod plan;
mod scan;
mod stage;
mod stamp;
mod swap;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Component, Path, PathBuf};

pub use drift::{check_tree, Drift};
pub use error::{Note, WriteError};
pub use manifest::{manifest, MANIFEST};
pub use plan::{Conflict, Why};
pub use stamp::key as inputs_key;

use crate::emit::Tree;
use scan::{Entry, Kind};

/// The largest file dcnc writes (its manifest included). A larger file at a path dcnc wrote is
/// not dcnc's, and is never read.
pub const MAX_FILE: u64 = 256 << 20;

/// How a build runs.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// Replace files dcnc did not write where it writes, and take over a directory without a
    /// manifest.
    pub force: bool,
    /// Called before waiting for another build of the same directory, with its PID if known.
    pub on_wait: Option<&'a dyn Fn(Option<u32>)>,
    /// The key of the build's inputs ([`inputs_key`]): when given, the build leaves a record of
    /// the tree beside it, which [`unchanged`] and [`check_unchanged`] use (see `stamp`).
    pub key: Option<manifest::Hash>,
    /// One line kept in that record with the key, a function of the key alone ([`note`]).
    pub note: &'a str,
}

/// What a build did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub notes: Vec<Note>,
}

/// A relative path made only of normal components: it cannot leave the directory it is joined to.
fn safe_relative(p: &str) -> bool {
    !p.is_empty()
        && p != MANIFEST
        && p != stage::INCOMPLETE
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// The output directory's parent and name; `-o .`, `-o ..` and the like are resolved.
fn parent_and_name(out: &Path) -> Result<(PathBuf, OsString), WriteError> {
    let io = |e| WriteError::Io(out.to_path_buf(), e);
    let (parent, name) = match out.file_name() {
        Some(name) => {
            let parent = match out.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            (parent, name.to_os_string())
        }
        None => {
            let real = fs::canonicalize(out).map_err(io)?;
            match (real.parent(), real.file_name()) {
                (Some(p), Some(n)) => (p.to_path_buf(), n.to_os_string()),
                _ => return Err(WriteError::NoParent(out.to_path_buf())),
            }
        }
    };
    Ok((parent, name))
}

/// What is at the output path: `None` when nothing; an error for anything dcnc must not
/// replace as a whole.
fn check_out(out: &Path, parent: &Path, name: &OsString) -> Result<Option<Entry>, WriteError> {
    let io = |e| WriteError::Io(out.to_path_buf(), e);
    let Some(e) = scan::lstat(out).map_err(io)? else {
        return Ok(None);
    };
    match e.kind {
        Kind::Dir => {}
        Kind::Symlink => return Err(WriteError::Symlink(out.to_path_buf())),
        _ => return Err(WriteError::NotADirectory(out.to_path_buf())),
    }
    let real = fs::canonicalize(parent).map_err(io)?.join(name);
    if std::env::current_dir().is_ok_and(|cwd| cwd.starts_with(&real)) {
        return Err(WriteError::HoldsCwd(out.to_path_buf()));
    }
    let mount_root = rustix::fs::statx(
        rustix::fs::CWD,
        out,
        rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
        rustix::fs::StatxFlags::BASIC_STATS,
    )
    .ok()
    .filter(|s| {
        s.stx_attributes_mask
            .contains(rustix::fs::StatxAttributes::MOUNT_ROOT)
    })
    .map(|s| {
        s.stx_attributes
            .contains(rustix::fs::StatxAttributes::MOUNT_ROOT)
    });
    let other_device = scan::lstat(parent)
        .map_err(io)?
        .is_some_and(|p| p.dev != e.dev);
    if mount_root.unwrap_or(false) || other_device {
        return Err(WriteError::MountPoint(out.to_path_buf()));
    }
    Ok(Some(e))
}

/// The manifest of `out` (empty when there is none and `--force` was given, or when it is
/// unusable and `--force` was given). Refuses a non-empty directory without one, before walking
/// it.
fn read_manifest(
    out: &Path,
    force: bool,
) -> Result<(manifest::Manifest, Option<String>), WriteError> {
    match manifest::read(out) {
        Ok(Some((m, text))) => Ok((m, Some(text))),
        Ok(None) => {
            let mut entries =
                fs::read_dir(out).map_err(|e| WriteError::Io(out.to_path_buf(), e))?;
            if entries.next().is_some() && !force {
                return Err(WriteError::NotOurs(out.to_path_buf()));
            }
            Ok(Default::default())
        }
        Err(_) if force => Ok(Default::default()),
        Err(why) => Err(WriteError::Manifest(out.join(MANIFEST), why)),
    }
}

/// Writes `tree` into `out`, replacing what an earlier build wrote (see the module docs).
pub fn write_tree(tree: &Tree, out: &Path, force: bool) -> Result<Written, WriteError> {
    write_tree_with(
        tree,
        out,
        &Options {
            force,
            ..Options::default()
        },
    )
}

/// The output directory's parent, name and sibling names, as a build uses them.
fn names_of(out: &Path) -> Result<(PathBuf, OsString, swap::Names), WriteError> {
    let (parent, name) = parent_and_name(out)?;
    let names = swap::Names::new(&parent, &name);
    Ok((parent, name, names))
}

/// A build whose inputs have `key` over the tree the last such build left in `out`, unchanged:
/// it writes nothing, and needs neither rendering nor reading the tree (only `lstat` of each
/// file, and reading the few files the record cannot vouch for). `None`: do the build. Leftovers
/// of an interrupted build are cleaned up first, as a build does.
pub fn unchanged(
    out: &Path,
    key: &manifest::Hash,
    opts: &Options,
) -> Result<Option<Written>, WriteError> {
    let out: &Path = &out.components().collect::<PathBuf>();
    let (parent, name, names) = names_of(out)?;
    if scan::lstat(&parent).ok().flatten().is_none() {
        return Ok(None);
    }
    let lock_path = names.lock();
    let _lock = lock::Lock::take(&lock_path, opts.on_wait.unwrap_or(&|_| {}))
        .map_err(|e| WriteError::Lock(lock_path.clone(), e))?;
    // This build's start on the file system's clock (the lock file was just written).
    let start = scan::lstat(&lock_path).ok().flatten().map(|e| e.ctime);
    let mut notes = Vec::new();
    swap::recover(&names, out, &mut notes)?;
    if check_out(out, &parent, &name)?.is_none() {
        return Ok(None);
    }
    let record = names.stat();
    let fresh = stamp::fresh(&record, key, out, start);
    match fresh.map_err(|e| WriteError::Io(out.to_path_buf(), e))? {
        Some(files) => Ok(Some(Written {
            written: 0,
            unchanged: files.saturating_sub(1),
            removed: 0,
            notes,
        })),
        None => Ok(None),
    }
}

/// `build --check` of inputs with `key` over the tree the last such build left in `out`: how
/// many files the tree has (the manifest not counted) when it is certainly unchanged (see
/// [`unchanged`]); `None` means: compare it.
pub fn check_unchanged(out: &Path, key: &manifest::Hash) -> Option<usize> {
    let out: &Path = &out.components().collect::<PathBuf>();
    let (_, _, names) = names_of(out).ok()?;
    let files = stamp::fresh(&names.stat(), key, out, None).ok()??;
    Some(files.saturating_sub(1))
}

/// The note (`Options::note`) of the last build of `out` whose inputs had `key`, if its record
/// is still there: a function of the key alone, whatever the tree holds now. Reads only the
/// record.
pub fn recorded_note(out: &Path, key: &manifest::Hash) -> Option<String> {
    let out: &Path = &out.components().collect::<PathBuf>();
    let (_, _, names) = names_of(out).ok()?;
    stamp::note(&names.stat(), key)
}

/// [`write_tree`] with all its options.
pub fn write_tree_with(tree: &Tree, out: &Path, opts: &Options) -> Result<Written, WriteError> {
    if let Some(bad) = tree.keys().find(|p| !safe_relative(p)) {
        return Err(WriteError::BadPath(bad.clone()));
    }
    if let Some((p, a)) = tree.iter().find(|(_, a)| a.content.len() as u64 > MAX_FILE) {
        return Err(WriteError::TooLarge(p.clone(), a.content.len() as u64));
    }
    // `out/.` and `out/` are `out`.
    let out: &Path = &out.components().collect::<PathBuf>();
    let (parent, name) = parent_and_name(out)?;
    fs::create_dir_all(&parent).map_err(|e| WriteError::Io(parent.clone(), e))?;
    let names = swap::Names::new(&parent, &name);
    let lock_path = names.lock();
    let _lock = lock::Lock::take(&lock_path, opts.on_wait.unwrap_or(&|_| {}))
        .map_err(|e| WriteError::Lock(lock_path.clone(), e))?;
    // The build's start on the file system's clock (the lock file was just written).
    let start = scan::lstat(&lock_path)
        .ok()
        .flatten()
        .map_or((i64::MIN, 0), |e| e.ctime);
    let record = names.stat();
    let mut notes = Vec::new();
    swap::recover(&names, out, &mut notes)?;
    let root = check_out(out, &parent, &name)?;

    let hashes = manifest::hashes(tree);
    let manifest_text = manifest::render(tree, &hashes);
    let (listed, old_text, found) = match root {
        None => Default::default(),
        Some(_) => {
            let (listed, text) = read_manifest(out, opts.force)?;
            let found = scan::walk(out).map_err(|(p, e)| WriteError::Io(p, e))?;
            (listed, text, found)
        }
    };
    let plan = plan::plan(tree, out, &found, &listed, opts.force)?;
    if !plan.conflicts.is_empty() {
        return Err(WriteError::Conflicts(out.to_path_buf(), plan.conflicts));
    }
    let unchanged = plan.files.len() - plan.written();
    notes.extend(plan.notes.iter().cloned());
    if root.is_some() && plan.changes_nothing() && old_text.as_deref() == Some(&manifest_text) {
        if let (Some(key), Some(root)) = (&opts.key, &root) {
            let r = (record.as_path(), key, opts.note);
            record_no_op(r, root, tree, &found, &manifest_text, start);
        }
        return Ok(Written {
            written: 0,
            unchanged,
            removed: 0,
            notes,
        });
    }
    // Every directory of the old tree loses its entries when the old tree is removed.
    if root.is_some() {
        check_writable(out, &found)?;
    }

    stamp::remove(&record);
    let id = swap::new_id();
    let staging = names.staging(&id);
    let swapped = stage::stage(out, &staging, tree, &plan, &manifest_text, root.as_ref()).and_then(
        |written| {
            let old = swap::swap(&staging, out, root.is_some(), &names.aside(&id))?;
            Ok((written, old))
        },
    );
    let (staged, old) = match swapped {
        Ok(w) => w,
        Err(e) => {
            if !fault::crashed() && scan::lstat(&staging).is_ok_and(|s| s.is_some()) {
                let _ = fs::remove_dir_all(&staging);
            }
            return Err(e);
        }
    };
    if let Some(old) = old {
        drain_old(old, out, &plan, &found, &mut notes)?;
    }
    if let (Some(key), Ok(Some(root))) = (&opts.key, scan::lstat(out)) {
        record_build(
            (&record, key, opts.note),
            &root,
            out,
            tree,
            &manifest_text,
            &staged,
            start,
        );
    }
    Ok(Written {
        written: staged.written,
        unchanged,
        removed: plan.removed,
        notes,
    })
}

/// The stat record of a build that changed nothing: every file was just compared with the new
/// bytes after its `lstat`, so each is recorded as seen then (or the record is removed when a
/// file is not a regular one).
fn record_no_op(
    (record, key, note): (&Path, &manifest::Hash, &str),
    root: &Entry,
    tree: &Tree,
    found: &BTreeMap<PathBuf, Entry>,
    manifest_text: &str,
    start: (i64, i64),
) {
    // Every file was just compared with the new bytes after its lstat.
    let seen = |p: &str, bytes: &[u8]| {
        let e = found.get(Path::new(p))?;
        (e.kind == Kind::File).then(|| stamp::racy_unless_older(e, start, bytes))
    };
    let files: Option<BTreeMap<&str, stamp::Seen>> = tree
        .iter()
        .map(|(p, a)| Some((p.as_str(), seen(p, a.content.as_bytes())?)))
        .chain(std::iter::once(
            seen(MANIFEST, manifest_text.as_bytes()).map(|s| (MANIFEST, s)),
        ))
        .collect();
    match files {
        Some(files) => stamp::write(record, key, note, root, &files),
        None => stamp::remove(record),
    }
}

/// Every directory of the old tree (and the tree itself) must be writable: the old tree's
/// entries are removed from each.
fn check_writable(out: &Path, found: &BTreeMap<PathBuf, Entry>) -> Result<(), WriteError> {
    let dirs = std::iter::once(PathBuf::new()).chain(
        found
            .iter()
            .filter(|(_, e)| e.kind == Kind::Dir)
            .map(|(p, _)| p.clone()),
    );
    for rel in dirs {
        let path = out.join(&rel);
        let access = rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK;
        if rustix::fs::accessat(rustix::fs::CWD, &path, access, rustix::fs::AtFlags::EACCESS)
            .is_err()
        {
            return Err(WriteError::NotWritable(path));
        }
    }
    Ok(())
}

/// The old tree, swapped aside: what the scan saw (what is dcnc's, or linked into the new tree)
/// is removed; anything else was written during the build and moves into the new tree. What
/// cannot move is kept, and so is the whole old tree when draining fails (the next build
/// finishes the cleanup).
fn drain_old(
    old: PathBuf,
    out: &Path,
    plan: &plan::Plan,
    found: &BTreeMap<PathBuf, Entry>,
    notes: &mut Vec<Note>,
) -> Result<(), WriteError> {
    let linked: std::collections::BTreeSet<&Path> = plan
        .carry
        .iter()
        .map(PathBuf::as_path)
        .chain(
            plan.files
                .iter()
                .filter(|(_, a)| *a == plan::Action::Unchanged)
                .map(|(p, _)| Path::new(*p)),
        )
        .collect();
    let mut known = |rel: &Path, e: &Entry| {
        found.get(rel).is_some_and(|s| {
            s.same_inode(e) && (e.kind == Kind::Dir || s.ctime == e.ctime || linked.contains(rel))
        })
    };
    match swap::drain(&old, out, &mut known) {
        Ok(d) => {
            notes.extend(d.rescued.iter().map(|r| Note::Rescued(out.join(r))));
            if !d.left.is_empty() {
                notes.push(Note::KeptPrevious {
                    dir: old,
                    files: d.left,
                });
            }
        }
        #[cfg(test)]
        Err(e @ WriteError::Injected) => return Err(e),
        // The new tree is in place; the next build finishes the cleanup.
        Err(_) => notes.push(Note::KeptPrevious {
            dir: old,
            files: Vec::new(),
        }),
    }
    Ok(())
}

/// The stat record of a build that changed the tree, written once the new tree is in place:
/// each file as staged, or (hard-linked from the old tree, whose removal moved its ctime) as
/// `lstat` sees it now.
fn record_build(
    (record, key, note): (&Path, &manifest::Hash, &str),
    root: &Entry,
    out: &Path,
    tree: &Tree,
    manifest_text: &str,
    staged: &stage::Staged,
    start: (i64, i64),
) {
    let bytes = |p: &str| match tree.get(p) {
        Some(a) => a.content.as_bytes(),
        None => manifest_text.as_bytes(),
    };
    // A file hard-linked from the old tree had its ctime moved again when the old tree
    // was removed: its `lstat` is taken now (it is racy, so it is checked by hash).
    let mut files = BTreeMap::new();
    let mut whole = true;
    for (p, f) in &staged.files {
        let entry = if f.written {
            Some(f.entry)
        } else {
            scan::lstat(&out.join(p))
                .ok()
                .flatten()
                .filter(|e| e.kind == Kind::File)
        };
        let Some(entry) = entry else {
            whole = false;
            break;
        };
        let before = if f.written { staged.done } else { start };
        files.insert(
            p.as_str(),
            stamp::racy_unless_older(&entry, before, bytes(p)),
        );
    }
    if whole {
        stamp::write(record, key, note, root, &files);
    } else {
        stamp::remove(record);
    }
}

#[cfg(test)]
mod tests;
