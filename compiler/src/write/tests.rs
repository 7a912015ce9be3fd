//! Tests of the whole write phase: rebuilds, foreign files, conflicts, leftovers, and builds
//! killed at every point where they change the file system (see `fault`).

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

fn mtime(p: &Path) -> std::time::SystemTime {
    fs::metadata(p).unwrap().modified().unwrap()
}

#[test]
fn rebuild_drops_stale_files_keeps_foreign_ones_and_leaves_no_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_tree(&tree(&[("a/x", "1"), ("b", "2")]), &out, false).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let w = write_tree(&tree(&[("a/y", "3"), ("b", "2")]), &out, false).unwrap();
    assert_eq!(
        w,
        Written {
            written: 1,
            unchanged: 1,
            removed: 1,
            notes: vec![],
        }
    );
    assert!(!out.join("a/x").exists());
    assert_eq!(fs::read_to_string(out.join("a/y")).unwrap(), "3");
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out")]);
}

#[test]
fn unchanged_files_keep_their_mtime() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_tree(&tree(&[("a", "1"), ("b", "2")]), &out, false).unwrap();
    let before = (mtime(&out.join("a")), mtime(&out.join("b")));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let w = write_tree(&tree(&[("a", "1"), ("b", "2")]), &out, false).unwrap();
    assert_eq!(w.written, 0);
    let w = write_tree(&tree(&[("a", "1"), ("b", "3")]), &out, false).unwrap();
    assert_eq!(w.written, 1);
    assert_eq!(
        mtime(&out.join("a")),
        before.0,
        "unchanged file not rewritten"
    );
    assert_ne!(mtime(&out.join("b")), before.1);
}

#[test]
fn check_reports_missing_changed_and_extra() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_tree(
        &tree(&[("a", "1\n"), ("b", "2\n"), ("c", "3\n")]),
        &out,
        false,
    )
    .unwrap();
    fs::write(out.join("hand-made"), "x").unwrap();
    let drift = check_tree(&tree(&[("a", "1\n"), ("b", "two\n"), ("d", "4\n")]), &out).unwrap();
    assert_eq!(drift.missing, vec!["d".to_string()]);
    assert_eq!(drift.extra, vec!["c".to_string()]);
    assert_eq!(drift.changed.len(), 1);
    assert!(
        drift.changed[0].1.contains("-2\n+two\n"),
        "{}",
        drift.changed[0].1
    );
    assert!(
        check_tree(&tree(&[("a", "1\n"), ("b", "2\n"), ("c", "3\n")]), &out)
            .unwrap()
            .is_clean()
    );
}

#[test]
fn refuses_foreign_directories_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("precious"), "x").unwrap();
    let err = write_tree(&tree(&[("a", "1")]), dir.path(), false).unwrap_err();
    assert!(matches!(err, WriteError::NotOurs(_)));
    write_tree(&tree(&[("a", "1")]), dir.path(), true).unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("precious")).unwrap(),
        "x"
    );
}

#[test]
fn paths_cannot_escape() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["../x", "/etc/x", "a/../../x", "", MANIFEST] {
        let err = write_tree(&tree(&[(bad, "1")]), &dir.path().join("o"), false).unwrap_err();
        assert!(matches!(err, WriteError::BadPath(_)), "{bad}");
    }
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

#[test]
fn a_build_killed_at_any_point_leaves_the_old_or_the_new_tree_and_the_next_build_recovers() {
    for no_exchange in [false, true] {
        fault::set_no_exchange(no_exchange);
        let mut points = None;
        let mut k = 0;
        let mut seen = BTreeSet::new();
        while points.is_none_or(|n| k < n) {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out");
            built_with_foreign_files(&out);
            let user = user_entries(&out);
            fault::arm(Some(k));
            let r = write_tree(&tree(NEW), &out, false);
            let crashed = fault::crashed();
            fault::arm(None);
            if !crashed {
                points = Some(k);
                assert!(r.is_ok(), "{r:?}");
            } else if points.is_none() && k > 10_000 {
                panic!("no end");
            }
            // Only the fallback (no exchange) has an instant without `out`.
            if out.exists() || !no_exchange {
                seen.insert(old_or_new(&out, &user));
            } else {
                seen.insert("missing");
            }
            // A crash in the cleanup of the crash.
            if crashed && k % 5 == 0 {
                fault::arm(Some(k / 5));
                let _ = write_tree(&tree(NEW), &out, false);
                fault::arm(None);
            }
            let w = write_tree(&tree(NEW), &out, false).unwrap();
            assert_eq!(
                old_or_new(&out, &user),
                "new",
                "no_exchange={no_exchange} k={k} {w:?}"
            );
            assert_eq!(names(dir.path()), vec!["out"], "k={k}: leftovers");
            k += 1;
        }
        fault::set_no_exchange(false);
        let points = points.unwrap();
        assert!(points > 20, "{points} points");
        assert!(seen.contains("old") && seen.contains("new"), "{seen:?}");
        assert_eq!(seen.contains("missing"), no_exchange, "{seen:?}");
    }
}

#[test]
fn a_file_written_into_the_old_tree_during_the_build_is_kept() {
    let mut k = 0;
    loop {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        built_with_foreign_files(&out);
        let late = [out.join("late.txt"), out.join("stacks/dcn1/late.txt")];
        let wrote = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let (paths, log) = (late.clone(), wrote.clone());
        // The user writes by path, into whatever tree is at `out` at that moment.
        fault::arm_action(k, move || {
            for p in &paths {
                if p.parent().unwrap().is_dir() {
                    fs::write(p, "late").unwrap();
                    log.borrow_mut().push(p.clone());
                }
            }
        });
        write_tree(&tree(NEW), &out, false).unwrap();
        let ran = fault::passed() > k;
        fault::arm(None);
        if !ran {
            break;
        }
        assert!(wrote.borrow().contains(&late[0]), "k={k}");
        for p in wrote.borrow().iter() {
            assert_eq!(
                fs::read_to_string(p).unwrap(),
                "late",
                "k={k}: {}",
                p.display()
            );
        }
        assert_eq!(names(dir.path()), vec!["out"], "k={k}");
        // The next build keeps them as the user's.
        write_tree(&tree(NEW), &out, false).unwrap();
        for p in wrote.borrow().iter() {
            assert_eq!(
                fs::read_to_string(p).unwrap(),
                "late",
                "k={k}: {}",
                p.display()
            );
        }
        k += 1;
    }
    assert!(k > 20, "{k} points");
}

#[test]
fn foreign_directories_keep_mode_owner_and_times_and_empty_ones_survive() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    built_with_foreign_files(&out);
    let private = out.join("private");
    fs::create_dir(&private).unwrap();
    fs::write(private.join("secret"), "s").unwrap();
    fs::set_permissions(&private, fs::Permissions::from_mode(0o700)).unwrap();
    // Files are created with the effective uid.
    let root = scan::lstat(&private).unwrap().unwrap().uid == 0;
    if root {
        std::os::unix::fs::lchown(&private, Some(65534), Some(65534)).unwrap();
    }
    let t = rustix::fs::Timespec {
        tv_sec: 1_000_000_000,
        tv_nsec: 5,
    };
    let times = rustix::fs::Timestamps {
        last_access: t,
        last_modification: t,
    };
    rustix::fs::utimensat(
        rustix::fs::CWD,
        &private,
        &times,
        rustix::fs::AtFlags::empty(),
    )
    .unwrap();
    fs::set_permissions(out.join("stacks/dcn0"), fs::Permissions::from_mode(0o750)).unwrap();
    let before = scan::lstat(&private).unwrap().unwrap();
    write_tree(&tree(NEW), &out, false).unwrap();
    let after = scan::lstat(&private).unwrap().unwrap();
    assert_eq!((after.mode, after.mtime), (0o700, before.mtime));
    if root {
        assert_eq!((after.uid, after.gid), (65534, 65534));
    }
    assert!(out.join("empty").is_dir() && out.join("stacks/dcn0/mine").is_dir());
    assert_eq!(
        scan::lstat(&out.join("stacks/dcn0")).unwrap().unwrap().mode,
        0o750
    );
    assert_eq!(
        fs::read_link(out.join("stacks/link")).unwrap(),
        Path::new("../README.md")
    );
    // A directory dcnc made and no longer needs goes with its files.
    assert!(!out.join("stacks/dcn1").exists() && !out.join("ceph/b.conf").exists());
}

#[test]
fn files_dcnc_did_not_write_are_not_replaced_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_tree(&tree(OLD), &out, false).unwrap();
    // 1.18: a file of the user's at a path dcnc newly generates; an edited dcnc file.
    fs::create_dir_all(out.join("stacks/dcn2")).unwrap();
    fs::write(out.join("stacks/dcn2/deploy.sh"), "mine").unwrap();
    fs::write(out.join("README.md"), "edited").unwrap();
    let before = snapshot(&out);
    let err = write_tree(&tree(NEW), &out, false).unwrap_err();
    assert!(err.to_string().contains("stacks/dcn2/deploy.sh"), "{err}");
    assert_eq!(err.kind(), "conflicts");
    assert_eq!(
        conflicts(err),
        vec![
            ("README.md".into(), Why::Edited),
            ("stacks/dcn2/deploy.sh".into(), Why::NotOurs)
        ]
    );
    assert_eq!(snapshot(&out), before, "nothing changed");
    assert_eq!(names(dir.path()), vec!["out"]);
    write_tree(&tree(NEW), &out, true).unwrap();
    assert_eq!(
        fs::read_to_string(out.join("stacks/dcn2/deploy.sh")).unwrap(),
        "dcn2\n"
    );
}

#[test]
fn an_edited_file_dcnc_no_longer_generates_is_kept_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_tree(&tree(OLD), &out, false).unwrap();
    fs::write(out.join("stacks/dcn1/deploy.sh"), "my edit").unwrap();
    let w = write_tree(&tree(NEW), &out, false).unwrap();
    assert_eq!(
        w.notes,
        vec![Note::KeptEdited(out.join("stacks/dcn1/deploy.sh"))]
    );
    assert_eq!(
        fs::read_to_string(out.join("stacks/dcn1/deploy.sh")).unwrap(),
        "my edit"
    );
    assert!(!fs::read_to_string(out.join(MANIFEST))
        .unwrap()
        .contains("dcn1"));
    // 2.2: a manifest that lists the user's file (forged, stale or merged) does not delete it.
    let mut m = fs::read_to_string(out.join(MANIFEST)).unwrap();
    fs::write(out.join("notes.txt"), "mine").unwrap();
    m.push_str(&format!("{} 644 notes.txt\n", "ab".repeat(32)));
    // 2.1: paths that leave the directory are ignored.
    fs::write(dir.path().join("outside.txt"), "decoy").unwrap();
    m.push_str(&format!("{} 644 ../outside.txt\n", "ab".repeat(32)));
    fs::write(out.join(MANIFEST), m).unwrap();
    let w = write_tree(&tree(NEW), &out, false).unwrap();
    assert!(
        w.notes.contains(&Note::KeptEdited(out.join("notes.txt"))),
        "{w:?}"
    );
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    assert_eq!(
        fs::read_to_string(dir.path().join("outside.txt")).unwrap(),
        "decoy"
    );
}

#[test]
fn links_where_dcnc_writes_are_conflicts_and_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let decoy = dir.path().join("decoy");
    fs::create_dir(&decoy).unwrap();
    fs::write(decoy.join("a.conf"), "decoy").unwrap();
    fs::write(decoy.join("file"), "decoy").unwrap();
    write_tree(&tree(OLD), &out, false).unwrap();
    // 2.4: a directory of the tree replaced by a link; 2.3: a file replaced by a link.
    fs::remove_dir_all(out.join("ceph")).unwrap();
    std::os::unix::fs::symlink(&decoy, out.join("ceph")).unwrap();
    fs::remove_file(out.join("README.md")).unwrap();
    std::os::unix::fs::symlink(decoy.join("file"), out.join("README.md")).unwrap();
    let err = write_tree(&tree(NEW), &out, false).unwrap_err();
    assert!(
        !err.to_string().contains("dcnc-new"),
        "no temporary path: {err}"
    );
    assert_eq!(
        conflicts(err),
        vec![
            ("ceph".into(), Why::NotADirectory("a symbolic link")),
            ("README.md".into(), Why::NotAFile("a symbolic link")),
        ]
    );
    write_tree(&tree(NEW), &out, true).unwrap();
    assert!(out.join("ceph").is_dir() && !out.join("ceph").is_symlink());
    assert_eq!(
        fs::read_to_string(out.join("README.md")).unwrap(),
        "new readme\n"
    );
    assert_eq!(snapshot(&decoy).len(), 2);
    assert_eq!(fs::read_to_string(decoy.join("a.conf")).unwrap(), "decoy");
    write_tree(&tree(OLD), &out, false).unwrap();
    // 2.5, 2.6: links of the user's, one of them where dcnc wrote a file, one to a directory
    // under which the manifest lists a file.
    fs::remove_file(out.join("stacks/dcn1/deploy.sh")).unwrap();
    std::os::unix::fs::symlink(decoy.join("file"), out.join("stacks/dcn1/deploy.sh")).unwrap();
    std::os::unix::fs::symlink(&decoy, out.join("stacks/dcn0/etc")).unwrap();
    let mut m = fs::read_to_string(out.join(MANIFEST)).unwrap();
    m.push_str(&format!("{} 644 stacks/dcn0/etc/file\n", "ab".repeat(32)));
    fs::write(out.join(MANIFEST), m).unwrap();
    write_tree(&tree(NEW), &out, false).unwrap();
    assert!(out.join("stacks/dcn1/deploy.sh").is_symlink());
    assert!(out.join("stacks/dcn0/etc").is_symlink());
    assert_eq!(fs::read_to_string(decoy.join("file")).unwrap(), "decoy");
}

#[test]
fn a_manifest_that_is_not_a_regular_utf8_file_is_refused_by_name() {
    type Make = fn(&Path);
    let cases: [(&str, Make); 5] = [
        ("link to /dev/zero", |m| {
            std::os::unix::fs::symlink("/dev/zero", m).unwrap()
        }),
        ("fifo", |m| {
            rustix::fs::mkfifoat(
                rustix::fs::CWD,
                m,
                rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
            )
            .unwrap()
        }),
        ("directory", |m| fs::create_dir(m).unwrap()),
        ("not utf-8", |m| {
            fs::write(m, b"# files\n\xff\xfe\n").unwrap()
        }),
        ("too large", |m| {
            fs::File::create(m).unwrap().set_len(MAX_FILE + 1).unwrap()
        }),
    ];
    for (what, make) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        write_tree(&tree(OLD), &out, false).unwrap();
        let m = out.join(MANIFEST);
        fs::remove_file(&m).unwrap();
        make(&m);
        let err = write_tree(&tree(NEW), &out, false).unwrap_err();
        assert_eq!(err.kind(), "manifest", "{what}: {err}");
        assert_eq!(err.path(), m, "{what}");
        assert!(!err.to_string().contains("dcnc-new"), "{what}: {err}");
        assert_eq!(
            check_tree(&tree(NEW), &out).unwrap_err().kind(),
            "manifest",
            "{what}"
        );
        // --force recovers: the manifest is replaced, every file found is kept as the user's or
        // replaced where dcnc writes.
        write_tree(&tree(NEW), &out, true).unwrap();
        assert!(check_tree(&tree(NEW), &out).unwrap().is_clean(), "{what}");
        assert!(out.join("stacks/dcn1/deploy.sh").exists(), "{what}");
    }
}

#[test]
fn huge_sparse_fifo_and_non_utf8_entries_are_never_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("home");
    fs::create_dir_all(out.join(".cache")).unwrap();
    fs::File::create(out.join(".cache/sparse"))
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    rustix::fs::mkfifoat(rustix::fs::CWD, out.join("fifo"), rustix::fs::Mode::RUSR).unwrap();
    let odd = out.join(std::ffi::OsStr::from_bytes(b"bad\xffname"));
    fs::write(&odd, "odd").unwrap();
    // 1.15, 1.16: refused before it is walked.
    assert!(matches!(
        write_tree(&tree(OLD), &out, false),
        Err(WriteError::NotOurs(_))
    ));
    // With --force the entries come along untouched (1.22: a name that is not UTF-8, too).
    write_tree(&tree(OLD), &out, true).unwrap();
    write_tree(&tree(NEW), &out, false).unwrap();
    assert_eq!(
        fs::metadata(out.join(".cache/sparse")).unwrap().len(),
        1 << 40
    );
    assert_eq!(
        scan::lstat(&out.join("fifo")).unwrap().unwrap().kind,
        Kind::Other
    );
    assert_eq!(fs::read_to_string(&odd).unwrap(), "odd");
    // A sparse file where dcnc writes is a conflict, not read.
    fs::File::create(out.join("README.md"))
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    let err = write_tree(&tree(OLD), &out, false).unwrap_err();
    assert_eq!(conflicts(err), vec![("README.md".into(), Why::Edited)]);
    assert!(!check_tree(&tree(NEW), &out).unwrap().is_clean());
}

#[test]
fn long_names_odd_outputs_and_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    // 1.21: the longest name a directory can have.
    let out = dir.path().join("o".repeat(255));
    write_tree(&tree(OLD), &out, false).unwrap();
    write_tree(&tree(NEW), &out, false).unwrap();
    assert_eq!(names(dir.path()), vec!["o".repeat(255)]);
    // 1.12: a link at the output path.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&out, &link).unwrap();
    let err = write_tree(&tree(OLD), &link, false).unwrap_err();
    assert_eq!((err.kind(), err.path()), ("symlink", link.as_path()));
    assert!(check_tree(&tree(OLD), &link).is_err());
    // 1.13: a file.
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    assert_eq!(
        write_tree(&tree(OLD), &file, false).unwrap_err().kind(),
        "not-a-directory"
    );
    // 1.14: the root.
    assert_eq!(
        write_tree(&tree(OLD), Path::new("/"), false)
            .unwrap_err()
            .kind(),
        "no-parent"
    );
    assert!(
        check_out(&out, dir.path(), &OsString::from("o".repeat(255)))
            .unwrap()
            .is_some()
    );
}

#[test]
fn an_output_directory_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o750)).unwrap();
    write_tree(&tree(OLD), &out, false).unwrap();
    write_tree(&tree(NEW), &out, false).unwrap();
    assert_eq!(scan::lstat(&out).unwrap().unwrap().mode, 0o750);
}

#[test]
fn leftovers_of_killed_builds_are_cleaned_and_what_they_hold_of_the_users_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    built_with_foreign_files(&out);
    let n = swap::Names::new(dir.path(), std::ffi::OsStr::new("out"));
    // A staging directory killed while incomplete.
    let a = n.staging(&swap::new_id());
    fs::create_dir_all(a.join("stacks")).unwrap();
    fs::write(a.join(stage::INCOMPLETE), "").unwrap();
    fs::write(a.join("stacks/half"), "hal").unwrap();
    // An old tree killed while being removed, holding a file of the user's and a dcnc file.
    let b = n.staging(&swap::new_id());
    fs::create_dir_all(b.join("stacks/dcn1")).unwrap();
    fs::write(b.join("stacks/dcn1/deploy.sh"), "dcn1\n").unwrap();
    fs::write(b.join(MANIFEST), manifest(&tree(OLD))).unwrap();
    fs::write(b.join("stacks/users.txt"), "mine").unwrap();
    // A file of the user's whose path is taken: that tree stays, and is reported.
    let c = n.staging(&swap::new_id());
    fs::create_dir(&c).unwrap();
    fs::write(c.join("README.md"), "my readme").unwrap();
    // Not ours: another directory's, and a symlink with our name.
    let other = dir.path().join(".outx.dcnc-new-0123456789abcdef");
    fs::create_dir(&other).unwrap();
    let w = write_tree(&tree(NEW), &out, false).unwrap();
    assert!(
        !a.exists() && !b.exists() && c.exists() && other.exists(),
        "{w:?}"
    );
    assert_eq!(
        fs::read_to_string(out.join("stacks/users.txt")).unwrap(),
        "mine"
    );
    assert!(!out.join("stacks/dcn1").exists());
    assert!(w.notes.contains(&Note::Cleaned(a.clone())), "{w:?}");
    assert!(
        w.notes
            .contains(&Note::Rescued(out.join("stacks/users.txt"))),
        "{w:?}"
    );
    assert!(w.notes.iter().any(|n| matches!(n, Note::KeptPrevious { dir, files } if dir == &c && files == &[PathBuf::from("README.md")])), "{w:?}");
}

#[test]
fn dot_and_dotdot_outputs_resolve_to_a_parent_and_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_tree(&tree(OLD), &out, false).unwrap();
    let (p, n) = parent_and_name(&out.join("stacks/..")).unwrap();
    let real = fs::canonicalize(&out).unwrap();
    assert_eq!(
        (p.as_path(), n.as_os_str()),
        (real.parent().unwrap(), std::ffi::OsStr::new("out"))
    );
    assert_eq!(parent_and_name(&out.join(".")).unwrap().1, "out");
}

fn keyed(key: u8) -> Options<'static> {
    Options {
        key: Some([key; 32]),
        ..Options::default()
    }
}

/// The racy marks of the record beside `out` (`-`: trusted by its lstat).
fn racy_marks(out: &Path) -> Vec<String> {
    let names = swap::Names::new(out.parent().unwrap(), out.file_name().unwrap());
    let text = fs::read_to_string(names.stat()).unwrap();
    text.lines()
        .skip(3)
        .map(|l| l.split(' ').nth(6).unwrap().to_string())
        .collect()
}

/// Sets the mtime (and atime) of `p` to `t`, as `touch -r` or `cp -p` would.
fn set_mtime(p: &Path, t: (i64, i64)) {
    let ts = rustix::fs::Timespec {
        tv_sec: t.0,
        tv_nsec: t.1 as _,
    };
    let times = rustix::fs::Timestamps {
        last_access: ts,
        last_modification: ts,
    };
    rustix::fs::utimensat(rustix::fs::CWD, p, &times, rustix::fs::AtFlags::empty()).unwrap();
}

#[test]
fn an_unchanged_tree_is_known_by_its_record_and_any_change_to_a_file_undoes_that() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let t = tree(&[("a/x", "1234"), ("b", "5678")]);
    let w = write_tree_with(&t, &out, &keyed(1)).unwrap();
    assert_eq!(w.written, 2);
    let fresh = |key: u8| unchanged(&out, &[key; 32], &Options::default()).unwrap();
    assert_eq!(fresh(1).map(|w| (w.written, w.unchanged)), Some((0, 2)));
    assert_eq!(check_unchanged(&out, &[1; 32]), Some(2), "a/x and b");
    // Other inputs: no shortcut.
    assert_eq!(fresh(2), None);
    assert!(check_unchanged(&out, &[2; 32]).is_none());

    // After a clock tick, a build that finds nothing changed trusts every file by its lstat.
    std::thread::sleep(std::time::Duration::from_millis(30));
    let w = write_tree_with(&t, &out, &keyed(1)).unwrap();
    assert_eq!(w.written, 0);
    assert_eq!(racy_marks(&out), vec!["-"; 3], "a/x, b and the manifest");
    assert!(fresh(1).is_some());

    // The same size and the same mtime, other bytes: the ctime tells.
    let x = out.join("a/x");
    let before = scan::lstat(&x).unwrap().unwrap();
    fs::write(&x, "9999").unwrap();
    set_mtime(&x, before.mtime);
    let after = scan::lstat(&x).unwrap().unwrap();
    assert_eq!((after.size, after.mtime), (before.size, before.mtime));
    assert_eq!(fresh(1), None);
    assert!(check_unchanged(&out, &[1; 32]).is_none());
    assert_eq!(check_tree(&t, &out).unwrap().changed.len(), 1);
    let w = write_tree_with(&t, &out, &keyed(1)).unwrap_err();
    assert_eq!(
        w.kind(),
        "conflicts",
        "an edited file of dcnc's is a conflict"
    );
    fs::write(&x, "1234").unwrap();

    // Mode, a replacement with the same bytes (another inode), a removal, the manifest.
    std::thread::sleep(std::time::Duration::from_millis(30));
    write_tree_with(&t, &out, &keyed(1)).unwrap();
    assert!(fresh(1).is_some());
    fs::set_permissions(out.join("b"), fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(fresh(1), None);
    fs::set_permissions(out.join("b"), fs::Permissions::from_mode(0o644)).unwrap();
    write_tree_with(&t, &out, &keyed(1)).unwrap();
    fs::remove_file(out.join("b")).unwrap();
    fs::write(out.join("b"), "5678").unwrap();
    assert_eq!(fresh(1), None);
    write_tree_with(&t, &out, &keyed(1)).unwrap();
    fs::remove_file(out.join("b")).unwrap();
    assert_eq!(fresh(1), None);
    write_tree_with(&t, &out, &keyed(1)).unwrap();
    let m = out.join(MANIFEST);
    let text = fs::read_to_string(&m).unwrap();
    fs::write(&m, text.replace("644 b", "644 c")).unwrap();
    assert_eq!(fresh(1), None);
}

#[test]
fn a_racy_record_is_checked_by_hash_and_a_bad_or_foreign_record_is_no_shortcut() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let t = tree(&[("a", "1234")]);
    write_tree_with(&t, &out, &keyed(1)).unwrap();
    let names = swap::Names::new(dir.path(), std::ffi::OsStr::new("out"));
    let record = names.stat();
    // Mark every file racy, as a record made in the same clock tick as an edit would be: the
    // file is then hashed, and an edit that kept its whole lstat is still found.
    let text = fs::read_to_string(&record).unwrap();
    let racy: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i < 3 {
                return format!("{l}\n");
            }
            let mut f: Vec<&str> = l.splitn(8, ' ').collect();
            let p = out.join(f[7]);
            let h = manifest::sha256(&fs::read(&p).unwrap());
            let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
            f[6] = &hex;
            format!("{}\n", f.join(" "))
        })
        .collect();
    fs::write(&record, &racy).unwrap();
    assert!(check_unchanged(&out, &[1; 32]).is_some());
    let a = scan::lstat(&out.join("a")).unwrap().unwrap();
    fs::write(out.join("a"), "9999").unwrap();
    // Pretend the edit kept every field of the lstat: only the hash can tell.
    let l = format!(
        "{} {} {} {:o} {}.{} {}.{}",
        a.dev, a.ino, a.size, a.mode, a.mtime.0, a.mtime.1, a.ctime.0, a.ctime.1
    );
    let now = scan::lstat(&out.join("a")).unwrap().unwrap();
    let l_now = format!(
        "{} {} {} {:o} {}.{} {}.{}",
        now.dev, now.ino, now.size, now.mode, now.mtime.0, now.mtime.1, now.ctime.0, now.ctime.1
    );
    fs::write(&record, racy.replace(&l, &l_now)).unwrap();
    assert!(check_unchanged(&out, &[1; 32]).is_none());
    fs::write(out.join("a"), "1234").unwrap();

    // Garbage, another version, a link, another directory at the same path.
    write_tree_with(&t, &out, &keyed(1)).unwrap();
    let good = fs::read_to_string(&record).unwrap();
    for bad in [
        "garbage".to_string(),
        good.replace("dcnc-stat 1", "dcnc-stat 2"),
        good.replacen(" - ", " x ", 1),
        good.lines().take(3).collect::<Vec<_>>().join("\n") + "\n1 2 3\n",
    ] {
        fs::write(&record, bad).unwrap();
        assert!(check_unchanged(&out, &[1; 32]).is_none());
    }
    fs::write(dir.path().join("elsewhere"), &good).unwrap();
    fs::remove_file(&record).unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), &record).unwrap();
    assert!(
        check_unchanged(&out, &[1; 32]).is_none(),
        "a record is never read through a link"
    );
    fs::remove_file(&record).unwrap();
    fs::write(&record, &good).unwrap();
    assert!(check_unchanged(&out, &[1; 32]).is_some());
    fs::rename(&out, dir.path().join("moved")).unwrap();
    fs::create_dir(&out).unwrap();
    for e in fs::read_dir(dir.path().join("moved")).unwrap() {
        let e = e.unwrap();
        fs::rename(e.path(), out.join(e.file_name())).unwrap();
    }
    assert!(
        check_unchanged(&out, &[1; 32]).is_none(),
        "another directory"
    );
}

#[test]
fn a_build_that_changes_the_tree_replaces_its_record_and_a_killed_one_leaves_none_stale() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_tree_with(&tree(&[("a", "1")]), &out, &keyed(1)).unwrap();
    write_tree_with(&tree(&[("a", "2")]), &out, &keyed(2)).unwrap();
    assert!(check_unchanged(&out, &[1; 32]).is_none());
    assert!(check_unchanged(&out, &[2; 32]).is_some());
    assert_eq!(fs::read_to_string(out.join("a")).unwrap(), "2");
    // Killed at every point of a build that changes the tree: the record never vouches for
    // a tree that is not there.
    for k in 0.. {
        fault::arm(Some(k));
        let r = write_tree_with(&tree(&[("a", "3")]), &out, &keyed(3));
        let crashed = fault::crashed();
        fault::arm(None);
        if !crashed {
            r.unwrap();
            assert!(check_unchanged(&out, &[3; 32]).is_some());
            break;
        }
        assert!(
            check_unchanged(&out, &[3; 32]).is_none(),
            "killed at {k}: no record of the new tree"
        );
        if check_unchanged(&out, &[2; 32]).is_some() {
            assert_eq!(
                fs::read_to_string(out.join("a")).unwrap(),
                "2",
                "killed at {k}"
            );
        }
        write_tree_with(&tree(&[("a", "2")]), &out, &keyed(2)).unwrap();
        assert!(
            check_unchanged(&out, &[2; 32]).is_some(),
            "after the recovery of {k}"
        );
        assert!(k < 1000, "no end");
    }
}

#[test]
fn files_linked_into_a_new_tree_are_hashed_until_a_no_op_build_finds_them_right() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_tree_with(&tree(&[("a", "1"), ("b", "2")]), &out, &keyed(1)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    // `b` changes; `a` is hard-linked into the new tree, which moves its ctime: racy.
    let t = tree(&[("a", "1"), ("b", "3")]);
    assert_eq!(write_tree_with(&t, &out, &keyed(2)).unwrap().written, 1);
    let racy = |out: &Path| {
        racy_marks(out)
            .into_iter()
            .map(|m| m != "-")
            .collect::<Vec<_>>()
    };
    // (`b` and the manifest may be racy too: written in the clock tick the staging completed.)
    assert!(racy(&out)[0], "a");
    // `build --check` reads and writes nothing: it hashes `a` and leaves the record as it is.
    assert!(check_unchanged(&out, &[2; 32]).is_some());
    assert!(racy(&out)[0]);
    // A no-op build a clock tick later hashes `a` right and then trusts its lstat.
    std::thread::sleep(std::time::Duration::from_millis(30));
    let fresh = |key: u8| unchanged(&out, &[key; 32], &Options::default()).unwrap();
    assert!(fresh(2).is_some());
    assert_eq!(racy(&out), vec![false; 3], "a, b, the manifest");
    assert!(check_unchanged(&out, &[2; 32]).is_some());
    // Still, an edit that keeps size and mtime is found.
    let a = out.join("a");
    let before = scan::lstat(&a).unwrap().unwrap();
    fs::write(&a, "9").unwrap();
    set_mtime(&a, before.mtime);
    assert!(check_unchanged(&out, &[2; 32]).is_none());
    assert_eq!(fresh(2), None);
    // A racy file whose bytes are wrong is never trusted, nor its record rewritten.
    fs::write(&a, "1").unwrap();
    write_tree_with(&tree(&[("a", "1"), ("b", "4")]), &out, &keyed(3)).unwrap();
    assert!(racy(&out)[0]);
    let record = swap::Names::new(dir.path(), std::ffi::OsStr::new("out")).stat();
    let text = fs::read_to_string(&record).unwrap();
    let before = scan::lstat(&a).unwrap().unwrap();
    fs::write(&a, "7").unwrap();
    let now = scan::lstat(&a).unwrap().unwrap();
    let l = |e: &scan::Entry| {
        format!(
            "{} {} {} {:o} {}.{} {}.{}",
            e.dev, e.ino, e.size, e.mode, e.mtime.0, e.mtime.1, e.ctime.0, e.ctime.1
        )
    };
    // As if the edit had kept every field of the lstat: only the hash can tell.
    let forged = text.replace(&l(&before), &l(&now));
    assert_ne!(forged, text);
    fs::write(&record, &forged).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    assert_eq!(fresh(3), None);
    assert_eq!(fs::read_to_string(&record).unwrap(), forged);
}
