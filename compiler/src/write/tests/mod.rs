//! Tests of the whole write phase: rebuilds, foreign files, conflicts, leftovers, and builds
//! killed at every point where they change the file system (see `fault`). This file holds the
//! helpers they share; `build.rs` rebuilds, checks and the output path, `kills.rs` builds killed
//! at every point and their leftovers, `foreign.rs` files and directories dcnc did not write,
//! `record.rs` the stat record of an unchanged build.

mod build;
mod foreign;
mod kills;
mod record;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::emit::Artifact;

fn tree(files: &[(&str, &str)]) -> Tree {
    files
        .iter()
        .map(|(p, c)| {
            let a = Artifact {
                content: c.to_string(),
                mode: 0o644,
            };
            (p.to_string(), a)
        })
        .collect()
}

/// Everything under `dir` without following links: path -> what it is (a file's mode and bytes,
/// a link's target, a directory's mode).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut m = BTreeMap::new();
    for (rel, e) in scan::walk(dir).unwrap() {
        let p = dir.join(&rel);
        let what = match e.kind {
            Kind::File => format!(
                "file {:o} {}",
                e.mode,
                String::from_utf8_lossy(&fs::read(&p).unwrap())
            ),
            Kind::Dir => format!("dir {:o}", e.mode),
            Kind::Symlink => format!("link {}", fs::read_link(&p).unwrap().display()),
            Kind::Other => "other".to_string(),
        };
        m.insert(rel, what);
    }
    m
}

/// The names in `dir`.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn conflicts(err: WriteError) -> Vec<(String, Why)> {
    match err {
        WriteError::Conflicts(_, list) => list
            .into_iter()
            .map(|c| (c.path.display().to_string(), c.why))
            .collect(),
        other => panic!("not a conflict: {other}"),
    }
}

const OLD: &[(&str, &str)] = &[
    ("README.md", "old readme\n"),
    ("ceph/a.conf", "a\n"),
    ("ceph/b.conf", "b\n"),
    ("stacks/dcn0/deploy.sh", "old deploy\n"),
    ("stacks/dcn1/deploy.sh", "dcn1\n"),
];
const NEW: &[(&str, &str)] = &[
    ("README.md", "new readme\n"),
    ("ceph/a.conf", "a\n"),
    ("stacks/dcn0/deploy.sh", "new deploy\n"),
    ("stacks/dcn2/deploy.sh", "dcn2\n"),
];

/// An output directory built from OLD, plus files and directories of the user's.
fn built_with_foreign_files(out: &Path) {
    write_tree(&tree(OLD), out, false).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    fs::create_dir(out.join("empty")).unwrap();
    fs::create_dir(out.join("stacks/dcn0/mine")).unwrap();
    fs::write(out.join("stacks/dcn0/mine/x"), "x").unwrap();
    std::os::unix::fs::symlink("../README.md", out.join("stacks/link")).unwrap();
}

/// `out` holds exactly OLD or NEW plus the user's files (and a manifest matching the tree).
fn old_or_new(out: &Path, user: &BTreeMap<PathBuf, String>) -> &'static str {
    let snap = snapshot(out);
    for (name, files) in [("old", OLD), ("new", NEW)] {
        let t = tree(files);
        let mut want = user.clone();
        want.insert(
            PathBuf::from(MANIFEST),
            format!("file 644 {}", manifest(&t)),
        );
        for (p, a) in &t {
            want.insert(PathBuf::from(p), format!("file 644 {}", a.content));
            for d in Path::new(p)
                .ancestors()
                .skip(1)
                .filter(|d| !d.as_os_str().is_empty())
            {
                want.insert(d.to_path_buf(), "dir 755".into());
            }
        }
        if snap == want {
            return name;
        }
    }
    panic!(
        "{} is neither the old nor the new tree: {snap:#?}",
        out.display()
    );
}

/// The user's entries of a tree built by `built_with_foreign_files`.
fn user_entries(out: &Path) -> BTreeMap<PathBuf, String> {
    let t = tree(OLD);
    snapshot(out)
        .into_iter()
        .filter(|(p, _)| {
            let s = p.to_str().unwrap();
            !t.contains_key(s) && s != MANIFEST && !["ceph", "stacks/dcn1"].contains(&s)
        })
        .collect()
}
