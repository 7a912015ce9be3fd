//! The stat record of the last build (`.NAME.dcnc-stat` beside the output directory), which lets
//! an unchanged build or `build --check` finish without rendering or reading the tree.
//!
//! It holds the key of the build's inputs (the spec's bytes, the target, dcnc's version and
//! executable: [`key`]), a note from the caller that is a function of the key alone (the CLI
//! keeps the spec's warnings there, so an unchanged build need not parse the spec to print
//! them: [`note`]), the output directory's inode, and per file dcnc wrote (the manifest
//! included) its inode, size, mode, mtime and ctime. The tree is unchanged when the key is the
//! same and every file still has exactly that `lstat`.
//!
//! Why that is sound: any change to a file's bytes or mode, through any path, sets its ctime to
//! the file system's clock, and no system call sets a ctime back (`utimensat` can restore an
//! mtime, not a ctime; only moving the system clock back could). Replacing or deleting a file
//! changes the inode. So a file whose recorded ctime is *older than the moment the record was
//! known to hold* cannot change without its `lstat` changing. A change within the same tick of
//! the clock as the record could keep the ctime (file systems stamp with a coarse clock), so a
//! record that is not known older ("racy", as git calls it) also carries the file's sha256, and
//! that file is read and hashed instead of trusted. Which records are trusted:
//! * a file dcnc wrote into the private staging directory: when its ctime (from `fstat` of the
//!   written file) is older than the staging directory's ctime after it was completed, before the
//!   swap: nothing else can have written it before the swap, and any change after it is later;
//! * a file found unchanged (compared byte for byte, or hard-linked into the new tree): when its
//!   ctime is older than the build's start (the lock file's ctime, taken first). Linking sets the
//!   ctime, so files hard-linked into a new tree are racy until a build finds them unchanged.
//!
//! The record is a cache: it is written after the output directory is in place, replaced
//! atomically (a write beside it and a rename), and anything unexpected in it (another version,
//! a line it cannot parse, a different directory) makes dcnc do the whole build or check.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::manifest::{sha256, Hash};
use super::scan::{self, Entry, Kind};

const HEADER: &str = "dcnc-stat 2\n";

/// The largest record dcnc reads (a few hundred bytes per file).
const MAX_RECORD: u64 = 64 << 20;

/// What a build knows about one of the files it leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub entry: Entry,
    /// The file's sha256 when its `lstat` alone cannot vouch for it.
    pub racy: Option<Hash>,
}

/// The key of a build's inputs: `parts` (the spec's bytes, the target) with dcnc's version and
/// the identity of its executable (a rebuilt dcnc renders with other code). `None` when the
/// executable cannot be looked at: then there is no record.
pub fn key(parts: &[&[u8]]) -> Option<Hash> {
    let exe = fs::metadata("/proc/self/exe").ok()?;
    let exe = Entry::from_meta(&exe);
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(format!("\0{} {} {} {:?}", exe.dev, exe.ino, exe.size, exe.mtime).as_bytes());
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    Some(h.finalize().into())
}

fn hex(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn line(e: &Entry) -> String {
    format!(
        "{} {} {} {:o} {}.{} {}.{}",
        e.dev, e.ino, e.size, e.mode, e.mtime.0, e.mtime.1, e.ctime.0, e.ctime.1
    )
}

/// Writes the record of `out` (its `lstat` after the build: `root`) and its files, with the
/// caller's `note` (one line, a function of `key` alone); a failure only costs the next build
/// its shortcut, and leaves no stale record.
pub fn write(path: &Path, key: &Hash, note: &str, root: &Entry, files: &BTreeMap<&str, Seen>) {
    let _ = fs::remove_file(path);
    if note.contains('\n') || files.keys().any(|p| p.contains('\n')) {
        return;
    }
    let mut s = String::with_capacity(64 + note.len() + files.len() * 120);
    s.push_str(HEADER);
    s.push_str(&format!(
        "key {}\nnote {note}\nout {}\n",
        hex(key),
        line(root)
    ));
    for (p, seen) in files {
        let racy = seen.racy.map_or_else(|| "-".to_string(), |h| hex(&h));
        s.push_str(&format!("{} {racy} {p}\n", line(&seen.entry)));
    }
    replace(path, &s);
}

/// Replaces the record at `path` with `s`: written beside it and renamed over it.
fn replace(path: &Path, s: &str) {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push("-new");
    let tmp = Path::new(&tmp);
    let _ = fs::remove_file(tmp);
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(tmp)
        .and_then(|mut f| f.write_all(s.as_bytes()))
        .and_then(|()| fs::rename(tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(tmp);
    }
}

/// Removes the record (before a build that changes the tree, or when it is found stale).
pub fn remove(path: &Path) {
    let _ = fs::remove_file(path);
}

fn read(path: &Path) -> Option<String> {
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .ok()?;
    let m = f.metadata().ok()?;
    if !m.is_file() || m.len() > MAX_RECORD {
        return None;
    }
    let mut s = String::new();
    f.take(MAX_RECORD).read_to_string(&mut s).ok()?;
    Some(s)
}

/// The note of the record at `path` when it was written for inputs with `key` (whatever the
/// tree beside it holds now: the note is a function of the key alone). Reads no tree.
pub fn note(path: &Path, key: &Hash) -> Option<String> {
    let text = read(path)?;
    let (note, _, _) = head(&text, key)?;
    Some(note.to_string())
}

/// The record's key line checked against `key`: its note, its `out` line's fields, and the
/// file lines after them.
fn head<'t>(text: &'t str, key: &Hash) -> Option<(&'t str, &'t str, std::str::Lines<'t>)> {
    let mut lines = text.strip_prefix(HEADER)?.lines();
    if lines.next()? != format!("key {}", hex(key)) {
        return None;
    }
    let note = lines.next()?.strip_prefix("note ")?;
    let root = lines.next()?.strip_prefix("out ")?;
    Some((note, root, lines))
}

/// A recorded `lstat`: device, inode, size, mode, mtime and ctime.
type Stat = (u64, u64, u64, u32, (i64, i64), (i64, i64));

fn parse_entry(fields: &[&str]) -> Option<Stat> {
    let time = |s: &str| {
        let (a, b) = s.split_once('.')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    Some((
        fields[0].parse().ok()?,
        fields[1].parse().ok()?,
        fields[2].parse().ok()?,
        u32::from_str_radix(fields[3], 8).ok()?,
        time(fields[4])?,
        time(fields[5])?,
    ))
}

fn matches(e: &Entry, fields: &[&str]) -> bool {
    parse_entry(fields).is_some_and(|(dev, ino, size, mode, mtime, ctime)| {
        (e.dev, e.ino, e.size, e.mode, e.mtime, e.ctime) == (dev, ino, size, mode, mtime, ctime)
    })
}

/// Whether `out` holds exactly what the build recorded at `path` with `key` left there: every
/// recorded file has its recorded `lstat`, and every racy one its recorded sha256. Reads only
/// the record and the racy files. Returns how many files the tree has.
///
/// `trust_before`: the start of the calling build, taken under its lock after every change the
/// build could have raced with. A racy file whose bytes were just hashed right and whose ctime
/// is older than that is then trusted by its `lstat` in the record, rewritten in place (its
/// bytes were read after every change that kept that ctime, and any later change moves it), so
/// only the first no-op after a build that hard-linked files reads them.
pub fn fresh(
    path: &Path,
    key: &Hash,
    out: &Path,
    trust_before: Option<(i64, i64)>,
) -> io::Result<Option<usize>> {
    let Some(text) = read(path) else {
        return Ok(None);
    };
    let Some((note, root, lines)) = head(&text, key) else {
        return Ok(None);
    };
    let root_fields: Vec<&str> = root.split(' ').collect();
    match scan::lstat(out)? {
        // The directory's own times change with any entry added or removed, which need not
        // concern dcnc's files: only its inode must be the one the build left.
        Some(e) if e.kind == Kind::Dir && root_fields.len() == 6 => {
            let same = parse_entry(&root_fields)
                .is_some_and(|(dev, ino, ..)| (dev, ino) == (e.dev, e.ino));
            if !same {
                return Ok(None);
            }
        }
        _ => return Ok(None),
    }
    let lines: Vec<&str> = lines.collect();
    // The `lstat`s are independent and the kernel's path walk is most of their cost: two
    // threads halve it on two idle cores (`BENCHMARKS.md`); the verdict is the same.
    let half = if lines.len() >= PARALLEL_FROM {
        lines.len() / 2
    } else {
        lines.len()
    };
    let (first, second) = lines.split_at(half);
    let check = |part: &[&str]| -> io::Result<Option<Vec<bool>>> {
        let mut p = out.to_path_buf();
        part.iter()
            .map(|l| file_fresh(out, &mut p, l, trust_before))
            .collect::<io::Result<Option<Vec<bool>>>>()
    };
    let (a, b) = if second.is_empty() {
        (check(first)?, Some(Vec::new()))
    } else {
        std::thread::scope(|scope| {
            let b = scope.spawn(|| check(second));
            let a = check(first);
            let b = b.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            Ok::<_, io::Error>((a?, b?))
        })?
    };
    let (Some(a), Some(b)) = (a, b) else {
        return Ok(None);
    };
    if a.iter().chain(&b).any(|&up| up) {
        let mut kept = String::with_capacity(text.len());
        kept.push_str(HEADER);
        kept.push_str(&format!("key {}\nnote {note}\nout {root}\n", hex(key)));
        for (l, up) in lines.iter().zip(a.iter().chain(&b)) {
            match l.splitn(8, ' ').collect::<Vec<_>>().as_slice() {
                [stat @ .., _, name] if *up => {
                    kept.push_str(&format!("{} - {name}\n", stat.join(" ")))
                }
                _ => {
                    kept.push_str(l);
                    kept.push('\n');
                }
            }
        }
        replace(path, &kept);
    }
    Ok(Some(lines.len()))
}

/// Below this many files, one thread.
const PARALLEL_FROM: usize = 1024;

/// Whether the file of record line `l` is as recorded (`None`: it is not); `Some(true)` when it
/// was racy, hashed right, and is now trusted by its `lstat` (see [`fresh`]). `p`: a buffer for
/// the file's path.
fn file_fresh(
    out: &Path,
    p: &mut std::path::PathBuf,
    l: &str,
    trust_before: Option<(i64, i64)>,
) -> io::Result<Option<bool>> {
    let mut it = l.splitn(8, ' ');
    let mut fields = [""; 8];
    for f in &mut fields {
        match it.next() {
            Some(v) => *f = v,
            None => return Ok(None),
        }
    }
    let name = fields[7];
    if !super::safe_relative(name) && name != super::MANIFEST {
        return Ok(None);
    }
    p.as_mut_os_string().clear();
    p.as_mut_os_string().push(out.as_os_str());
    p.push(name);
    (|| {
        let Some(e) = scan::lstat(p)? else {
            return Ok(None);
        };
        if e.kind != Kind::File || !matches(&e, &fields[..6]) {
            return Ok(None);
        }
        if fields[6] == "-" {
            return Ok(Some(false));
        }
        let hashed = scan::hash_file(p, &e, super::MAX_FILE)?;
        if hashed.map(|h| hex(&h)).as_deref() != Some(fields[6]) {
            return Ok(None);
        }
        Ok(Some(trust_before.is_some_and(|before| e.ctime < before)))
    })()
}

/// The sha256 of `bytes` when the ctime of `e` is not older than `before` (see the module docs).
pub fn racy_unless_older(e: &Entry, before: (i64, i64), bytes: &[u8]) -> Seen {
    Seen {
        entry: *e,
        racy: (e.ctime >= before).then(|| sha256(bytes)),
    }
}
