//! Builds killed at every point where they change the file system, a file written into the
//! old tree during a build, and the leftovers of killed builds.

use super::*;

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
