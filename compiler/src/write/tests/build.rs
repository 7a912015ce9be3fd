//! Rebuilds, `build --check`, foreign directories refused, paths that would escape, and odd
//! output paths.

use super::*;

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
