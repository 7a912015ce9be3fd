//! The manifest (`.dcnc-manifest`): what dcnc wrote into an output directory, one
//! `sha256 mode path` line per file, sorted by path. Reading it is bounded and never follows a
//! link: it is opened with `O_NOFOLLOW | O_NONBLOCK`, must be a regular file no larger than
//! [`MAX_FILE`](super::MAX_FILE), and must be UTF-8 with well-formed lines.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::emit::Tree;

pub const MANIFEST: &str = ".dcnc-manifest";

const HEADER: &str = "# files written by dcnc: sha256 mode path\n";

/// A sha256 digest.
pub type Hash = [u8; 32];

pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

fn hex(h: &Hash) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in h {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Hash> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut h = [0u8; 32];
    for (i, out) in h.iter_mut().enumerate() {
        *out = digit(b[2 * i])? << 4 | digit(b[2 * i + 1])?;
    }
    Some(h)
}

/// What the manifest says about one file dcnc wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed {
    pub hash: Hash,
    pub mode: u32,
}

/// A parsed manifest: path -> what dcnc wrote there.
pub type Manifest = BTreeMap<String, Listed>;

/// The digests of a tree's files, computed once per build.
pub fn hashes(tree: &Tree) -> BTreeMap<&str, Hash> {
    tree.iter()
        .map(|(p, a)| (p.as_str(), sha256(a.content.as_bytes())))
        .collect()
}

/// The manifest text of `tree`.
pub fn manifest(tree: &Tree) -> String {
    render(tree, &hashes(tree))
}

pub(super) fn render(tree: &Tree, hashes: &BTreeMap<&str, Hash>) -> String {
    let mut s = String::with_capacity(HEADER.len() + tree.len() * 100);
    s.push_str(HEADER);
    for (path, a) in tree {
        s.push_str(&hex(&hashes[path.as_str()]));
        s.push_str(&format!(" {:o} {path}\n", a.mode));
    }
    s
}

/// Parses manifest text; the error says which line is wrong and how.
pub fn parse(text: &str) -> Result<Manifest, String> {
    let mut m = Manifest::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let (hash, mode, path) = (parts.next(), parts.next(), parts.next());
        let parsed = (|| {
            let hash = unhex(hash?)?;
            let mode = u32::from_str_radix(mode?, 8)
                .ok()
                .filter(|m| *m <= 0o7777)?;
            Some((path?.to_string(), Listed { hash, mode }))
        })();
        match parsed {
            Some((path, listed)) => {
                m.insert(path, listed);
            }
            None => {
                return Err(format!(
                    "line {} is not `sha256 mode path` (64 hex digits, an octal mode, a path)",
                    i + 1
                ))
            }
        }
    }
    Ok(m)
}

/// Why an existing manifest cannot be used.
#[derive(Debug)]
pub enum Unreadable {
    /// A symlink, directory, FIFO, device or socket.
    NotAFile(&'static str),
    TooLarge(u64),
    NotUtf8,
    Malformed(String),
    Io(std::io::Error),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::NotAFile(kind) => write!(f, "it is {kind}, not a regular file"),
            Unreadable::TooLarge(n) => write!(
                f,
                "it is {n} bytes, larger than any manifest dcnc writes ({} bytes at most)",
                super::MAX_FILE
            ),
            Unreadable::NotUtf8 => write!(f, "it is not UTF-8 text"),
            Unreadable::Malformed(why) => write!(f, "{why}"),
            Unreadable::Io(e) => write!(f, "{e}"),
        }
    }
}

/// The parsed manifest of `dir` and its exact text; `None` when there is none.
pub(super) fn read(dir: &Path) -> Result<Option<(Manifest, String)>, Unreadable> {
    let bytes = match super::scan::read_file(&dir.join(MANIFEST), super::MAX_FILE) {
        Ok(super::scan::Read::Bytes(b)) => b,
        Ok(super::scan::Read::Missing) => return Ok(None),
        Ok(super::scan::Read::NotAFile(kind)) => return Err(Unreadable::NotAFile(kind)),
        Ok(super::scan::Read::TooLarge(n)) => return Err(Unreadable::TooLarge(n)),
        Err(e) => return Err(Unreadable::Io(e)),
    };
    let text = String::from_utf8(bytes).map_err(|_| Unreadable::NotUtf8)?;
    let m = parse(&text).map_err(Unreadable::Malformed)?;
    Ok(Some((m, text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_renders_and_locates_bad_lines() {
        let mut tree = Tree::new();
        let a = crate::emit::Artifact {
            content: "x".into(),
            mode: 0o755,
        };
        tree.insert("a b/c.sh".into(), a);
        let m = parse(&manifest(&tree)).unwrap();
        assert_eq!(m["a b/c.sh"].mode, 0o755);
        assert_eq!(m["a b/c.sh"].hash, sha256(b"x"));
        let err = parse("# h\nnot a line\n").unwrap_err();
        assert!(err.starts_with("line 2 "), "{err}");
        assert!(parse(&format!("{} 99 p\n", "0".repeat(64))).is_err());
        assert!(parse(&format!("{} 644\n", "0".repeat(64))).is_err());
    }
}
