//! The files of a deployment directory, as import read them: where each one is, its text, and
//! locations into them (`file:line:col`). The only part of import that touches the file system.

use std::path::{Path, PathBuf};

use crate::diag::Span;

/// An index into [`Sources::files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A place in one of the files read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Self {
        Loc { file, span }
    }
}

/// What kind of file it looks like, from its name and first line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Script,
    Yaml,
    Json,
    Ini,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Relative to the directory imported, with `/` separators.
    pub path: String,
    pub text: String,
    pub kind: Kind,
    /// A here-document of a script, written to this path when the script runs.
    pub written_by: Option<Loc>,
}

/// Every file import read.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
    /// Files of the directory that are none of the kinds import reads.
    pub ignored: Vec<String>,
}

/// Why a directory cannot be imported: a located error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// The file, as shown to the user.
    pub path: String,
    pub span: Option<Span>,
    pub message: String,
    pub help: Option<String>,
    /// The file's text as far as it can be shown (for the source line under the message).
    pub text: String,
    /// DCN001 for YAML syntax, DCN043 for the rest.
    pub code: crate::diag::Code,
}

impl ImportError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ImportError {
            path: path.into(),
            span: None,
            message: message.into(),
            help: None,
            text: String::new(),
            code: crate::diag::Code::ImportInput,
        }
    }

    pub fn syntax(mut self) -> Self {
        self.code = crate::diag::Code::Syntax;
        self
    }

    pub fn at(mut self, span: Span, text: &str) -> Self {
        self.span = Some(span);
        // control characters (a binary file's) would garble the terminal
        self.text = text
            .chars()
            .map(|c| {
                if c.is_control() && c != '\n' && c != '\t' {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .collect();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Limits that keep a hostile directory from exhausting time or memory.
pub const MAX_FILES: usize = 5000;
pub const MAX_DEPTH: usize = 12;
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
pub const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;

impl Sources {
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn path(&self, id: FileId) -> &str {
        &self.get(id).path
    }

    /// The file at `path` (relative, `/`-separated), if it was read.
    pub fn find(&self, path: &str) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    pub fn ids(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.files.len()).map(|i| FileId(i as u32))
    }

    /// Adds a file (a here-document, or one read from disk). A path already present keeps the
    /// file read first.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        if let Some(id) = self.find(&file.path) {
            return id;
        }
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// `file:line:col` of a location.
    pub fn show(&self, loc: Loc) -> String {
        format!(
            "{}:{}:{}",
            self.path(loc.file),
            loc.span.line,
            loc.span.column
        )
    }
}

/// The kind of a file, or `None` for files import does not read.
pub fn kind_of(path: &Path, first_bytes: &[u8]) -> Option<Kind> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_string());
    match ext.as_deref() {
        Some("sh" | "bash") => Some(Kind::Script),
        Some("yaml" | "yml") => Some(Kind::Yaml),
        Some("json") => Some(Kind::Json),
        Some("conf" | "ini" | "cfg") => Some(Kind::Ini),
        _ if first_bytes.starts_with(b"#!") => {
            let line = first_bytes
                .split(|b| *b == b'\n')
                .next()
                .unwrap_or_default();
            let line = String::from_utf8_lossy(line);
            (line.contains("bash") || line.ends_with("/sh") || line.contains("/sh "))
                .then_some(Kind::Script)
        }
        _ => None,
    }
}

/// Reads every script, YAML, JSON and INI file under `dir` (hidden directories skipped, symlinks
/// to directories not followed). Fails on the first file that cannot be read as text.
pub fn read_dir(dir: &Path) -> Result<Sources, ImportError> {
    let shown = dir.display().to_string();
    let meta = std::fs::metadata(dir).map_err(|e| {
        ImportError::new(&shown, format!("cannot be read: {e}"))
            .help("pass the directory that holds the deployment (for example a copy of the stack user's home on the undercloud)")
    })?;
    if !meta.is_dir() {
        return Err(ImportError::new(&shown, "is not a directory").help(
            "pass the directory that holds the deployment: the stacks' directories or their files",
        ));
    }
    let mut out = Sources::default();
    let mut paths: Vec<(String, PathBuf)> = Vec::new();
    walk(dir, dir, 0, &mut paths, &mut out.ignored)?;
    paths.sort();
    let mut total = 0u64;
    for (rel, abs) in paths {
        let meta = std::fs::metadata(&abs).map_err(|e| ImportError::new(&rel, e.to_string()))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(ImportError::new(
                &rel,
                format!(
                    "is {} bytes; dcnc import reads files of at most {MAX_FILE_BYTES}",
                    meta.len()
                ),
            ));
        }
        total += meta.len();
        if total > MAX_TOTAL_BYTES {
            return Err(ImportError::new(
                &shown,
                format!("holds more than {MAX_TOTAL_BYTES} bytes of scripts and YAML"),
            )
            .help("import the directory of the deployment only"));
        }
        let bytes = std::fs::read(&abs).map_err(|e| ImportError::new(&rel, e.to_string()))?;
        let Some(kind) = kind_of(&abs, &bytes[..bytes.len().min(256)]) else {
            out.ignored.push(rel);
            continue;
        };
        let text = text_of(&rel, bytes)?;
        out.files.push(SourceFile {
            path: rel,
            text,
            kind,
            written_by: None,
        });
        if out.files.len() > MAX_FILES {
            return Err(ImportError::new(
                &shown,
                format!("holds more than {MAX_FILES} scripts and YAML files"),
            )
            .help("import the directory of the deployment only"));
        }
    }
    out.ignored.sort();
    Ok(out)
}

/// The text of a file, or a located error at its first byte that is not UTF-8 (or a NUL).
pub fn text_of(rel: &str, bytes: Vec<u8>) -> Result<String, ImportError> {
    let bad_at = |valid: &[u8]| {
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let last = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[last..]).chars().count() as u32 + 1;
        Span::new(line, column, 1)
    };
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        return Err(ImportError::new(rel, "is a binary file (it holds a NUL byte)")
            .at(bad_at(&bytes[..nul]), &lossy)
            .help("dcnc import reads scripts, YAML, JSON and INI text; move binary files out of the directory"));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let span = bad_at(valid);
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        ImportError::new(rel, "is not UTF-8 text")
            .at(span, &lossy)
            .help("save the file as UTF-8, or move it out of the directory")
    })
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    out: &mut Vec<(String, PathBuf)>,
    ignored: &mut Vec<String>,
) -> Result<(), ImportError> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let rel_of = |p: &Path| {
        p.strip_prefix(root)
            .unwrap_or(p)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| ImportError::new(rel_of(dir), e.to_string()))?;
    let mut list: Vec<_> = entries.filter_map(Result::ok).collect();
    list.sort_by_key(|e| e.file_name());
    for e in list {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if name.starts_with('.') {
            continue;
        }
        if ft.is_dir() {
            walk(root, &path, depth + 1, out, ignored)?;
        } else if ft.is_file() || (ft.is_symlink() && path.is_file()) {
            out.push((rel_of(&path), path));
        } else {
            ignored.push(rel_of(&path));
        }
        if out.len() > MAX_FILES * 4 {
            return Err(ImportError::new(
                rel_of(root),
                format!("holds more than {} files", MAX_FILES * 4),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_utf8_is_located() {
        let e = text_of("a.yaml", b"a: 1\nb: \xff\n".to_vec()).unwrap_err();
        assert_eq!(e.span, Some(Span::new(2, 4, 1)));
        let e = text_of("a.yaml", b"ab\x00c".to_vec()).unwrap_err();
        assert_eq!(e.span, Some(Span::new(1, 3, 1)));
        assert!(e.message.contains("binary"));
    }

    #[test]
    fn kinds_by_name_and_shebang() {
        assert_eq!(kind_of(Path::new("x/deploy.sh"), b""), Some(Kind::Script));
        assert_eq!(
            kind_of(Path::new("dcnN"), b"#!/bin/bash\n"),
            Some(Kind::Script)
        );
        assert_eq!(kind_of(Path::new("g.YAML"), b""), Some(Kind::Yaml));
        assert_eq!(kind_of(Path::new("glance-api.conf"), b""), Some(Kind::Ini));
        assert_eq!(kind_of(Path::new("overcloud-full.qcow2"), b"QFI"), None);
        assert_eq!(kind_of(Path::new("run"), b"#!/usr/bin/python3\n"), None);
    }
}
