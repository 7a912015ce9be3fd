//! What dcnc did not write: foreign directories and files, edited files, links, a manifest
//! that is not dcnc's, and entries never read.

use super::*;

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
