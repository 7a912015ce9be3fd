//! The stat record: an unchanged tree known by it, racy and bad records, a killed build
//! leaving none stale, and hard-linked files.

use super::*;

fn keyed(key: u8) -> Options<'static> {
    Options {
        key: Some([key; 32]),
        ..Options::default()
    }
}

/// The racy marks of the record beside `out` (`-`: trusted by its lstat).
fn racy_marks(out: &Path) -> Vec<String> {
    racy_by_path(out).into_iter().map(|(_, m)| m).collect()
}

/// The record's files (sorted by path: the manifest, `.dcnc-manifest`, first) with their marks.
fn racy_by_path(out: &Path) -> Vec<(String, String)> {
    let names = swap::Names::new(out.parent().unwrap(), out.file_name().unwrap());
    let text = fs::read_to_string(names.stat()).unwrap();
    text.lines()
        .skip(4)
        .map(|l| {
            let f: Vec<&str> = l.splitn(8, ' ').collect();
            (f[7].to_string(), f[6].to_string())
        })
        .collect()
}

/// Whether the record makes `file` of `out` racy (checked by hash).
fn is_racy(out: &Path, file: &str) -> bool {
    let marks = racy_by_path(out);
    let (_, m) = (marks.iter().find(|(p, _)| p == file))
        .unwrap_or_else(|| panic!("{file} is not in the record: {marks:?}"));
    m != "-"
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
            if i < 4 {
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
        good.replace("dcnc-stat 2", "dcnc-stat 1"),
        good.replacen("\nnote ", "\nnot ", 1),
        good.replacen(" - ", " x ", 1),
        good.lines().take(4).collect::<Vec<_>>().join("\n") + "\n1 2 3\n",
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
    // (`b` and the manifest may be racy too: written in the clock tick the staging completed.
    // The record is sorted by path, the manifest first: `a` is looked up by name, as a test
    // that read the first line read the manifest's mark, which depends on the clock.)
    assert!(is_racy(&out, "a"));
    // `build --check` reads and writes nothing: it hashes `a` and leaves the record as it is.
    assert!(check_unchanged(&out, &[2; 32]).is_some());
    assert!(is_racy(&out, "a"));
    // A no-op build a clock tick later hashes `a` right and then trusts its lstat.
    std::thread::sleep(std::time::Duration::from_millis(30));
    let fresh = |key: u8| unchanged(&out, &[key; 32], &Options::default()).unwrap();
    assert!(fresh(2).is_some());
    assert_eq!(racy(&out), vec![false; 3], "the manifest, a, b");
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
    assert!(is_racy(&out, "a"));
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

#[test]
fn a_large_tree_is_checked_in_two_halves_and_an_edit_in_either_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // More files than `stamp` checks on one thread: the record's lines are split in two.
    let names: Vec<String> = (0..1500).map(|i| format!("d{}/f{i:04}", i % 7)).collect();
    let files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1234")).collect();
    let t = tree(&files);
    write_tree_with(&t, &out, &keyed(1)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    write_tree_with(&t, &out, &keyed(1)).unwrap();
    let fresh = |key: u8| unchanged(&out, &[key; 32], &Options::default()).unwrap();
    assert_eq!(fresh(1).map(|w| w.unchanged), Some(1500));
    assert_eq!(check_unchanged(&out, &[1; 32]), Some(1500));
    // The record is sorted by path: d0/... in the first half, d6/... in the second.
    for edited in ["d0/f0000", "d6/f1497"] {
        let x = out.join(edited);
        let before = scan::lstat(&x).unwrap().unwrap();
        fs::write(&x, "9999").unwrap();
        set_mtime(&x, before.mtime);
        assert!(check_unchanged(&out, &[1; 32]).is_none(), "{edited}");
        assert_eq!(fresh(1), None, "{edited}");
        fs::write(&x, "1234").unwrap();
        write_tree_with(&t, &out, &keyed(1)).unwrap();
        assert!(check_unchanged(&out, &[1; 32]).is_some(), "{edited}");
    }
}
