//! Looking at an output directory without trusting it: the walk never follows a symbolic link
//! (every entry is `lstat`ed, only real directories are entered), and it reads no file's bytes.
//! Files are read only where the tree needs them ([`hash_file`], [`read_file`]): opened with
//! `O_NOFOLLOW | O_NONBLOCK` (a FIFO or a link swapped in after the `lstat` cannot block or
//! redirect the read), checked to be the same regular file, and read up to a cap in fixed-size
//! chunks, never into a buffer sized by what the file claims.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read as _};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::Hash;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

impl Kind {
    pub fn of(t: fs::FileType) -> Kind {
        if t.is_file() {
            Kind::File
        } else if t.is_dir() {
            Kind::Dir
        } else if t.is_symlink() {
            Kind::Symlink
        } else {
            Kind::Other
        }
    }

    /// "a directory", "a symbolic link", ...
    pub fn describe(self) -> &'static str {
        match self {
            Kind::File => "a regular file",
            Kind::Dir => "a directory",
            Kind::Symlink => "a symbolic link",
            Kind::Other => "a FIFO, socket or device",
        }
    }
}

/// One entry of a directory, from its `lstat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits (with setuid, setgid, sticky).
    pub mode: u32,
    pub size: u64,
    pub dev: u64,
    pub ino: u64,
    pub uid: u32,
    pub gid: u32,
    /// (seconds, nanoseconds)
    pub atime: (i64, i64),
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
}

impl Entry {
    pub fn from_meta(m: &fs::Metadata) -> Entry {
        Entry {
            kind: Kind::of(m.file_type()),
            mode: m.mode() & 0o7777,
            size: m.size(),
            dev: m.dev(),
            ino: m.ino(),
            uid: m.uid(),
            gid: m.gid(),
            atime: (m.atime(), m.atime_nsec()),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }

    /// The same inode as `other`.
    pub fn same_inode(&self, other: &Entry) -> bool {
        self.dev == other.dev && self.ino == other.ino
    }
}

/// `lstat` of `path`; `None` when it does not exist.
pub fn lstat(path: &Path) -> io::Result<Option<Entry>> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(Entry::from_meta(&m))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every entry under `root` (not `root` itself), by path relative to it. Names need not be UTF-8.
/// An error carries the path it happened at.
pub fn walk(root: &Path) -> Result<BTreeMap<PathBuf, Entry>, (PathBuf, io::Error)> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![PathBuf::new()];
    while let Some(rel) = dirs.pop() {
        let dir = root.join(&rel);
        let entries = fs::read_dir(&dir).map_err(|e| (dir.clone(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| (dir.clone(), e))?;
            let rel = rel.join(entry.file_name());
            // DirEntry::metadata is fstatat(dir, name, AT_SYMLINK_NOFOLLOW): no link followed.
            let meta = entry.metadata().map_err(|e| (root.join(&rel), e))?;
            let e = Entry::from_meta(&meta);
            if e.kind == Kind::Dir {
                dirs.push(rel.clone());
            }
            found.insert(rel, e);
        }
    }
    Ok(found)
}

/// Opens `path` for reading only if it is the regular file `expect` describes (when given) and
/// is no larger than `max`.
fn open_regular(path: &Path, expect: Option<&Entry>, max: u64) -> io::Result<Opened> {
    let before = match expect {
        Some(e) => *e,
        None => match lstat(path)? {
            Some(e) => e,
            None => return Ok(Opened::Missing),
        },
    };
    if before.kind != Kind::File {
        return Ok(Opened::NotAFile(before.kind.describe()));
    }
    if before.size > max {
        return Ok(Opened::TooLarge(before.size));
    }
    let flags = (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits();
    let f = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags as i32)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Opened::Missing),
        // ELOOP: it became a symlink since the lstat.
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            return Ok(Opened::NotAFile(Kind::Symlink.describe()))
        }
        Err(e) => return Err(e),
    };
    let now = Entry::from_meta(&f.metadata()?);
    if now.kind != Kind::File || !now.same_inode(&before) {
        return Ok(Opened::NotAFile("a file that changed while dcnc read it"));
    }
    if now.size > max {
        return Ok(Opened::TooLarge(now.size));
    }
    Ok(Opened::File(f, now.size))
}

enum Opened {
    File(fs::File, u64),
    Missing,
    NotAFile(&'static str),
    TooLarge(u64),
}

/// A read buffer for the file `entry` describes: 64 KiB, or less for a small file.
fn chunk(entry: &Entry) -> usize {
    (entry.size as usize).saturating_add(1).min(64 * 1024)
}

/// The outcome of reading a file that may be anything.
#[derive(Debug)]
pub enum Read<T> {
    Bytes(T),
    Missing,
    /// What it is instead ("a symbolic link", ...).
    NotAFile(&'static str),
    TooLarge(u64),
}

/// The bytes of `path` if it is a regular file of at most `max` bytes.
pub fn read_file(path: &Path, max: u64) -> io::Result<Read<Vec<u8>>> {
    Ok(match open_regular(path, None, max)? {
        Opened::File(f, size) => {
            let mut bytes = Vec::with_capacity(size.min(max) as usize);
            f.take(max + 1).read_to_end(&mut bytes)?;
            if bytes.len() as u64 > max {
                Read::TooLarge(bytes.len() as u64)
            } else {
                Read::Bytes(bytes)
            }
        }
        Opened::Missing => Read::Missing,
        Opened::NotAFile(k) => Read::NotAFile(k),
        Opened::TooLarge(n) => Read::TooLarge(n),
    })
}

/// How a file compares with the bytes dcnc would write there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    /// The same bytes (no digest computed).
    Same,
    /// Other bytes, and their sha256 (`None`: not readable as that regular file, or too large).
    Differs(Option<Hash>),
}

/// Compares the regular file `entry` describes at `path` with `expected`, reading it in
/// 64 KiB chunks and at most `max` bytes; the digest is computed only when they differ.
pub fn compare_file(path: &Path, entry: &Entry, expected: &[u8], max: u64) -> io::Result<Compared> {
    let Opened::File(f, _) = open_regular(path, Some(entry), max)? else {
        return Ok(Compared::Differs(None));
    };
    let mut hasher: Option<Sha256> = None;
    let mut buf = vec![0u8; chunk(entry)];
    let mut total = 0usize;
    let mut f = f.take(max + 1);
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        if (total + n) as u64 > max {
            return Ok(Compared::Differs(None));
        }
        match &mut hasher {
            Some(h) => h.update(chunk),
            None if expected.get(total..total + n) == Some(chunk) => {}
            None => {
                // The first difference: the digest covers the equal prefix, then the rest.
                let mut h = Sha256::new();
                h.update(&expected[..total]);
                h.update(chunk);
                hasher = Some(h);
            }
        }
        total += n;
    }
    Ok(match hasher {
        None if total == expected.len() => Compared::Same,
        None => {
            let mut h = Sha256::new();
            h.update(&expected[..total]);
            Compared::Differs(Some(h.finalize().into()))
        }
        Some(h) => Compared::Differs(Some(h.finalize().into())),
    })
}

/// The sha256 of the regular file `entry` describes at `path`, read in 64 KiB chunks and at most
/// `max` bytes; `None` when it is not that file any more or is larger than `max`.
pub fn hash_file(path: &Path, entry: &Entry, max: u64) -> io::Result<Option<Hash>> {
    let Opened::File(f, _) = open_regular(path, Some(entry), max)? else {
        return Ok(None);
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; chunk(entry)];
    let mut total = 0u64;
    let mut f = f.take(max + 1);
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > max {
            return Ok(None);
        }
        hasher.update(&buf[..n]);
    }
    Ok(Some(hasher.finalize().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_follows_links_blocks_on_fifos_or_reads_past_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("f"), "12345").unwrap();
        std::os::unix::fs::symlink(d.join("f"), d.join("link")).unwrap();
        rustix::fs::mkfifoat(rustix::fs::CWD, d.join("fifo"), rustix::fs::Mode::RUSR).unwrap();
        let sparse = fs::File::create(d.join("sparse")).unwrap();
        sparse.set_len(1 << 40).unwrap();
        assert!(matches!(read_file(&d.join("f"), 5).unwrap(), Read::Bytes(b) if b == b"12345"));
        assert!(matches!(
            read_file(&d.join("f"), 4).unwrap(),
            Read::TooLarge(5)
        ));
        assert!(matches!(
            read_file(&d.join("link"), 100).unwrap(),
            Read::NotAFile("a symbolic link")
        ));
        assert!(matches!(
            read_file(&d.join("fifo"), 100).unwrap(),
            Read::NotAFile(_)
        ));
        assert!(matches!(
            read_file(&d.join("sparse"), 1 << 20).unwrap(),
            Read::TooLarge(_)
        ));
        assert!(matches!(
            read_file(&d.join("none"), 1).unwrap(),
            Read::Missing
        ));
        let e = lstat(&d.join("sparse")).unwrap().unwrap();
        assert_eq!(hash_file(&d.join("sparse"), &e, 1 << 20).unwrap(), None);
        let e = lstat(&d.join("f")).unwrap().unwrap();
        assert_eq!(
            hash_file(&d.join("f"), &e, 5).unwrap(),
            Some(super::super::manifest::sha256(b"12345"))
        );
        let c = |exp: &[u8]| compare_file(&d.join("f"), &e, exp, 5).unwrap();
        assert_eq!(c(b"12345"), Compared::Same);
        let h = Some(super::super::manifest::sha256(b"12345"));
        for other in [&b"12"[..], b"12346", b"123456", b"x"] {
            assert_eq!(c(other), Compared::Differs(h), "{other:?}");
        }
        let found = walk(d).unwrap();
        assert_eq!(found[Path::new("link")].kind, Kind::Symlink);
        assert_eq!(found[Path::new("fifo")].kind, Kind::Other);
    }
}
