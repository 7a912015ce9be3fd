//! What a build or check reports: the errors that stop it (`WriteError`, each with a stable
//! kind and the path it is about) and the notes of what it did or left (`Note`).

use std::path::{Path, PathBuf};

use super::manifest::{self, MANIFEST};
use super::plan::Conflict;
use super::MAX_FILE;

/// Why a build or check could not write or read the output directory. Each has a stable
/// [`kind`](WriteError::kind) and the [`path`](WriteError::path) it is about.
#[derive(Debug)]
pub enum WriteError {
    NotOurs(PathBuf),
    NotADirectory(PathBuf),
    /// The output path is a symbolic link.
    Symlink(PathBuf),
    MountPoint(PathBuf),
    /// The output directory is the current directory or contains it.
    HoldsCwd(PathBuf),
    /// The output path has no parent to build beside (`/`).
    NoParent(PathBuf),
    BadPath(String),
    TooLarge(String, u64),
    /// Files dcnc would replace and did not write (the output directory, the conflicts).
    Conflicts(PathBuf, Vec<Conflict>),
    /// A directory of the old tree dcnc cannot remove files from.
    NotWritable(PathBuf),
    /// The manifest cannot be used.
    Manifest(PathBuf, manifest::Unreadable),
    Owner {
        path: PathBuf,
        uid: u32,
        gid: u32,
        error: std::io::Error,
    },
    Lock(PathBuf, std::io::Error),
    /// Writing the new tree failed at this path (of the output directory); nothing was moved.
    Stage(PathBuf, std::io::Error),
    Io(PathBuf, std::io::Error),
    /// A simulated kill (fault-injection tests).
    #[cfg(test)]
    Injected,
}

impl WriteError {
    /// A stable name for the kind of error, for machine-readable output.
    pub fn kind(&self) -> &'static str {
        match self {
            WriteError::NotOurs(_) => "not-ours",
            WriteError::NotADirectory(_) => "not-a-directory",
            WriteError::Symlink(_) => "symlink",
            WriteError::MountPoint(_) => "mount-point",
            WriteError::HoldsCwd(_) => "holds-current-directory",
            WriteError::NoParent(_) => "no-parent",
            WriteError::BadPath(_) => "bad-path",
            WriteError::TooLarge(..) => "too-large",
            WriteError::Conflicts(..) => "conflicts",
            WriteError::NotWritable(_) => "not-writable",
            WriteError::Manifest(..) => "manifest",
            WriteError::Owner { .. } => "owner",
            WriteError::Lock(..) => "lock",
            WriteError::Stage(..) => "stage",
            WriteError::Io(..) => "io",
            #[cfg(test)]
            WriteError::Injected => "injected",
        }
    }

    /// The path the error is about (for `BadPath` and `TooLarge`, the tree's path).
    pub fn path(&self) -> &Path {
        match self {
            WriteError::NotOurs(p)
            | WriteError::NotADirectory(p)
            | WriteError::Symlink(p)
            | WriteError::MountPoint(p)
            | WriteError::HoldsCwd(p)
            | WriteError::NoParent(p)
            | WriteError::Conflicts(p, _)
            | WriteError::NotWritable(p)
            | WriteError::Manifest(p, _)
            | WriteError::Owner { path: p, .. }
            | WriteError::Lock(p, _)
            | WriteError::Stage(p, _)
            | WriteError::Io(p, _) => p,
            WriteError::BadPath(p) | WriteError::TooLarge(p, _) => Path::new(p),
            #[cfg(test)]
            WriteError::Injected => Path::new(""),
        }
    }
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
            WriteError::Symlink(p) => write!(
                f,
                "{} is a symbolic link; dcnc does not build through links: pass the directory it points to",
                p.display()
            ),
            WriteError::MountPoint(p) => write!(
                f,
                "{} is a mount point: dcnc replaces the output directory in one atomic rename, which a mount point cannot take part in; build into a directory inside it (e.g. -o {}/tree) or mount its parent instead",
                p.display(),
                p.display()
            ),
            WriteError::HoldsCwd(p) => write!(
                f,
                "{} is the current directory or contains it: dcnc replaces the whole output directory, which would leave this shell in a deleted directory; run dcnc from outside it (e.g. from its parent, with -o NAME)",
                p.display()
            ),
            WriteError::NoParent(p) => write!(
                f,
                "{} has no parent directory to build the new tree in; choose a directory below it",
                p.display()
            ),
            WriteError::BadPath(p) => {
                write!(f, "refusing to write `{p}`: it would leave the output directory")
            }
            WriteError::TooLarge(p, n) => write!(
                f,
                "refusing to write `{p}`: {n} bytes is more than dcnc writes into one file ({MAX_FILE} bytes)"
            ),
            WriteError::Conflicts(out, list) => {
                write!(
                    f,
                    "{} holds files dcnc did not write where it writes (nothing was changed):",
                    out.display()
                )?;
                for c in list {
                    write!(f, "\n  {c}")?;
                }
                write!(
                    f,
                    "\nmove them away (or undo the edits), or pass --force to replace them"
                )
            }
            WriteError::NotWritable(p) => write!(
                f,
                "{} is not writable: dcnc must remove the old files from it; make it writable (chmod u+w) or choose another directory (nothing was changed)",
                p.display()
            ),
            WriteError::Manifest(p, why) => write!(
                f,
                "{} cannot be used: {why}; dcnc writes it as a regular UTF-8 file. Delete it and pass --force (dcnc then keeps every file it finds as not its own) (nothing was changed)",
                p.display()
            ),
            WriteError::Owner {
                path,
                uid,
                gid,
                error,
            } => write!(
                f,
                "cannot give the new {} its owner (uid {uid}, gid {gid}): {error}; run the build as that user or as root, or move that directory out (nothing was changed)",
                path.display()
            ),
            WriteError::Lock(p, e) => write!(
                f,
                "cannot take the build lock {}: {e}; dcnc needs to write in the output directory's parent",
                p.display()
            ),
            WriteError::Stage(p, e) => write!(
                f,
                "cannot write the new tree ({}): {e}; the output directory was not changed",
                p.display()
            ),
            WriteError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            #[cfg(test)]
            WriteError::Injected => write!(f, "killed (fault injection)"),
        }
    }
}

impl std::error::Error for WriteError {}

/// Something a build did or left that the user should know; not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// dcnc wrote this file, no longer generates it, and it was changed since: it was kept.
    KeptEdited(PathBuf),
    /// A leftover of an interrupted build was removed.
    Cleaned(PathBuf),
    /// An interrupted build had left no output directory; its tree was put back.
    Restored(PathBuf),
    /// A file that was not dcnc's, found in an old tree, was moved into the output directory.
    Rescued(PathBuf),
    /// An old tree was kept because these files in it could not be moved back (their paths are
    /// taken in the new tree).
    KeptPrevious { dir: PathBuf, files: Vec<PathBuf> },
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::KeptEdited(p) => write!(
                f,
                "kept {}: dcnc wrote it but no longer generates it, and it was changed since (delete it if it is not needed)",
                p.display()
            ),
            Note::Cleaned(p) => {
                write!(f, "removed {}, left by an interrupted build", p.display())
            }
            Note::Restored(p) => write!(
                f,
                "put back {}: an interrupted build had left it missing",
                p.display()
            ),
            Note::Rescued(p) => write!(
                f,
                "moved {} back from an earlier tree: dcnc did not write it",
                p.display()
            ),
            Note::KeptPrevious { dir, files } => {
                write!(
                    f,
                    "kept the earlier tree {}: it holds files dcnc did not write whose paths are taken now:",
                    dir.display()
                )?;
                for p in files {
                    write!(f, " {}", p.display())?;
                }
                write!(f, "; move them where you want them and delete it")
            }
        }
    }
}
