//! The write phase through the real binary: builds killed by SIGKILL at spread delays,
//! concurrent builds of one directory, and the file-system cases of the reliability audit
//! (`shared/reference/reliability-2026-12.md` §1, §2) that need a process of their own:
//! another user, a mount, the current directory.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn dcnc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dcnc"));
    c.env("NO_COLOR", "1").stdin(Stdio::null());
    c
}

#[path = "common/json.rs"]
mod json;

/// `dcnc build SPEC -o OUT`, then the same build with `--message-format json`
/// (`json::json_twin`): a build that succeeded does nothing the second time, one that was
/// refused is refused again before anything moves, and either prints only message lines.
fn build(spec: &Path, out: &Path) -> Output {
    let args = [
        "build".as_ref(),
        spec.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ];
    let o = dcnc().args(args).output().unwrap();
    json::json_twin(&args, &std::env::current_dir().unwrap(), &[], &o);
    o
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "{:?}: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every entry under `dir`, links not followed: path -> mode and bytes (or link target).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut m = BTreeMap::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in fs::read_dir(dir.join(&rel)).unwrap() {
            let e = e.unwrap();
            let rel = rel.join(e.file_name());
            let meta = fs::symlink_metadata(dir.join(&rel)).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            let what = if meta.is_dir() {
                stack.push(rel.clone());
                format!("dir {mode:o}")
            } else if meta.is_symlink() {
                format!("link {}", fs::read_link(dir.join(&rel)).unwrap().display())
            } else {
                let bytes = fs::read(dir.join(&rel)).unwrap();
                format!("file {mode:o} {}", String::from_utf8_lossy(&bytes))
            };
            m.insert(rel, what);
        }
    }
    m
}

/// The entries of `dir`, but for the stat record a finished build leaves beside its output
/// (`.NAME.dcnc-stat`: a cache, not a leftover).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !(n.starts_with('.') && n.ends_with(".dcnc-stat")))
        .collect();
    v.sort();
    v
}

/// Two specs whose trees differ in many files: `gen-spec.py n` and the same with another NTP.
fn two_specs(dir: &Path, n: u32) -> (PathBuf, PathBuf) {
    let o = Command::new("python3")
        .arg(root().join("scripts/gen-spec.py"))
        .arg(n.to_string())
        .output()
        .expect("python3 runs scripts/gen-spec.py");
    assert!(o.status.success(), "{}", stderr(&o));
    let a = String::from_utf8(o.stdout).unwrap();
    let b = a.replace(
        "ntp: [0.pool.ntp.org, 1.pool.ntp.org]",
        "ntp: [2.pool.ntp.org]",
    );
    assert_ne!(a, b);
    let (pa, pb) = (dir.join("a.yaml"), dir.join("b.yaml"));
    fs::write(&pa, a).unwrap();
    fs::write(&pb, b).unwrap();
    (pa, pb)
}

/// Audit 1.4–1.7: kill -9 a build at spread delays, over and over; the output directory is
/// always exactly one of the two trees (with the user's file), and a build after the kills
/// leaves no leftover.
#[test]
fn builds_killed_at_any_moment_leave_one_whole_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_specs(tmp.path(), 20);
    let work = tmp.path().join("w");
    fs::create_dir(&work).unwrap();
    let mut trees = Vec::new();
    for (i, spec) in [&a, &b].iter().enumerate() {
        let out = tmp.path().join(format!("ref{i}"));
        ok(&build(spec, &out));
        let mut t = snapshot(&out);
        t.insert("mine.txt".into(), "file 644 mine".into());
        trees.push(t);
    }
    let out = work.join("out");
    ok(&build(&a, &out));
    fs::write(out.join("mine.txt"), "mine").unwrap();
    fs::set_permissions(out.join("mine.txt"), fs::Permissions::from_mode(0o644)).unwrap();
    // How long a build that changes the tree takes here (debug binary, loaded machine...).
    let t0 = Instant::now();
    ok(&build(&b, &out));
    ok(&build(&a, &out));
    let full = t0.elapsed() / 2;
    let kills = 24;
    let mut outcome = [0usize; 2];
    for i in 0..kills {
        let spec = if i % 2 == 0 { &b } else { &a };
        // The write phase is the end of a build: most kills land in its second half.
        let delay = full.mul_f64(0.2 + 1.0 * f64::from(i) / f64::from(kills));
        let mut child = dcnc()
            .args([
                "build".as_ref(),
                spec.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
            ])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let now = snapshot(&out);
        let which = trees.iter().position(|t| *t == now);
        let Some(which) = which else {
            let diff: Vec<_> = now
                .keys()
                .filter(|p| trees.iter().all(|t| t.get(*p) != now.get(*p)))
                .take(5)
                .collect();
            panic!("kill {i} after {delay:?}: the tree is neither A nor B: {diff:?}");
        };
        outcome[which] += 1;
    }
    eprintln!(
        "{kills} kills over {full:?} builds: the tree was A {} times, B {} times",
        outcome[0], outcome[1]
    );
    ok(&build(&b, &out));
    assert_eq!(snapshot(&out), trees[1]);
    assert_eq!(names(&work), vec!["out"], "leftovers after {outcome:?}");
}

/// Audit 1.23, 1.24: concurrent builds of one directory wait for each other; each succeeds and
/// the tree is the one or the other, never a mix.
#[test]
fn concurrent_builds_of_one_directory_take_turns() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_specs(tmp.path(), 5);
    let (ra, rb) = (tmp.path().join("ra"), tmp.path().join("rb"));
    ok(&build(&a, &ra));
    ok(&build(&b, &rb));
    let (ta, tb) = (snapshot(&ra), snapshot(&rb));
    let out = tmp.path().join("w/out");
    ok(&build(&a, &out));
    for _ in 0..4 {
        let spawn = |spec: &Path| {
            dcnc()
                .args([
                    "build".as_ref(),
                    spec.as_os_str(),
                    "-o".as_ref(),
                    out.as_os_str(),
                ])
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (ca, cb) = (spawn(&b), spawn(&a));
        ok(&ca.wait_with_output().unwrap());
        ok(&cb.wait_with_output().unwrap());
        let now = snapshot(&out);
        assert!(now == ta || now == tb, "a mixed tree");
        assert_eq!(names(&tmp.path().join("w")), vec!["out"]);
    }
}

/// Audit 1.20: `-o .`, `-o ./` and `-o ..` from inside the tree are refused with the reason and
/// what to do; nothing changes.
#[test]
fn the_current_directory_is_never_swapped_away() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_specs(tmp.path(), 1);
    let out = tmp.path().join("out");
    ok(&build(&a, &out));
    let before = snapshot(&out);
    for (cwd, o) in [(&out, "."), (&out, "./"), (&out.join("stacks"), "..")] {
        let r = dcnc()
            .current_dir(cwd)
            .args(["build".as_ref(), b.as_os_str(), "-o".as_ref(), o.as_ref()])
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(2), "-o {o}: {}", stderr(&r));
        assert!(
            stderr(&r).contains("current directory")
                && stderr(&r).contains("run dcnc from outside it"),
            "-o {o}: {}",
            stderr(&r)
        );
    }
    assert_eq!(snapshot(&out), before);
    assert_eq!(names(tmp.path()), vec!["a.yaml", "b.yaml", "out"]);
    // From beside it, `-o out/.` is the same directory and builds.
    let r = dcnc()
        .current_dir(tmp.path())
        .args(["build", "b.yaml", "-o", "out/."])
        .output()
        .unwrap();
    ok(&r);
}

/// Runs `dcnc ARGS` as an unprivileged user (uid 65534 via setpriv when root).
fn as_nobody(args: &[&std::ffi::OsStr]) -> Output {
    let root = fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    let mut c = if root.unwrap_or(false) {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_dcnc"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_dcnc"))
    };
    c.args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("setpriv runs")
}

/// Audit 1.10: a read-only (0555) output directory fails before anything is moved, and says so.
#[test]
fn a_read_only_output_directory_fails_before_anything_moves() {
    let tmp = tempfile::tempdir().unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let (a, b) = two_specs(tmp.path(), 1);
    let p3 = tmp.path().join("p3");
    fs::create_dir(&p3).unwrap();
    fs::set_permissions(&p3, fs::Permissions::from_mode(0o777)).unwrap();
    let out = p3.join("out");
    let r = as_nobody(&[
        "build".as_ref(),
        a.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    ok(&r);
    fs::set_permissions(&out, fs::Permissions::from_mode(0o555)).unwrap();
    let before = snapshot(&out);
    let r = as_nobody(&[
        "build".as_ref(),
        b.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("is not writable") && stderr(&r).contains("nothing was changed"),
        "{}",
        stderr(&r)
    );
    assert_eq!(snapshot(&out), before);
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o7777,
        0o555
    );
    assert_eq!(names(&p3), vec!["out"]);
}

/// Audit 1.19 (and 1.9): a mount point at the output path is refused up front with what to do.
#[test]
fn a_mount_point_is_refused_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _) = two_specs(tmp.path(), 1);
    let out = tmp.path().join("mnt");
    fs::create_dir(&out).unwrap();
    // A private mount namespace: the tmpfs is gone when the command ends.
    let r = Command::new("unshare")
        .args(["--mount", "--map-root-user", "sh", "-c"])
        .arg(r#"mount -t tmpfs tmpfs "$1" && echo x > "$1/mine" && exec "$2" build "$3" -o "$1""#)
        .arg("sh")
        .args([
            out.as_os_str(),
            env!("CARGO_BIN_EXE_dcnc").as_ref(),
            a.as_os_str(),
        ])
        .arg("--force")
        .output()
        .expect("unshare runs");
    assert_eq!(r.status.code(), Some(2), "{}", stderr(&r));
    assert!(
        stderr(&r).contains("is a mount point") && stderr(&r).contains("-o "),
        "{}",
        stderr(&r)
    );
    assert_eq!(names(tmp.path()), vec!["a.yaml", "b.yaml", "mnt"]);
}

/// Audit 2.8, 2.7: a FIFO or a link to /dev/zero as the manifest ends in a clear error at once.
#[test]
fn a_fifo_or_device_manifest_neither_hangs_nor_eats_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_specs(tmp.path(), 1);
    let out = tmp.path().join("out");
    ok(&build(&a, &out));
    let m = out.join(".dcnc-manifest");
    for make in ["fifo", "zero"] {
        fs::remove_file(&m).unwrap();
        match make {
            "fifo" => assert!(Command::new("mkfifo").arg(&m).status().unwrap().success()),
            _ => std::os::unix::fs::symlink("/dev/zero", &m).unwrap(),
        }
        for check in [false, true] {
            let mut c = dcnc();
            c.args([
                "build".as_ref(),
                b.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
            ]);
            if check {
                c.arg("--check");
            }
            let mut child = c.stderr(Stdio::piped()).spawn().unwrap();
            let t0 = Instant::now();
            while child.try_wait().unwrap().is_none() {
                if t0.elapsed() > Duration::from_secs(20) {
                    let _ = child.kill();
                    panic!("{make} manifest: dcnc hangs");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let r = child.wait_with_output().unwrap();
            assert_eq!(r.status.code(), Some(2), "{make}");
            assert!(
                stderr(&r).contains(".dcnc-manifest cannot be used"),
                "{make}: {}",
                stderr(&r)
            );
        }
    }
    fs::remove_file(&m).unwrap();
    fs::write(&m, "").unwrap();
}

/// Audit 1.18, 2.2: a file of the user's where dcnc now writes is named, not overwritten; an
/// edited file dcnc no longer generates is kept with a warning.
#[test]
fn conflicts_and_kept_files_are_reported_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, _) = two_specs(tmp.path(), 2);
    let (one, _) = {
        let d = tmp.path().join("one");
        fs::create_dir(&d).unwrap();
        two_specs(&d, 1)
    };
    let out = tmp.path().join("out");
    ok(&build(&one, &out));
    fs::create_dir_all(out.join("stacks/dcn1")).unwrap();
    fs::write(out.join("stacks/dcn1/deploy.sh"), "mine").unwrap();
    let r = build(&a, &out);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        stderr(&r).contains("stacks/dcn1/deploy.sh: not written by dcnc"),
        "{}",
        stderr(&r)
    );
    assert_eq!(
        fs::read_to_string(out.join("stacks/dcn1/deploy.sh")).unwrap(),
        "mine"
    );
    fs::remove_file(out.join("stacks/dcn1/deploy.sh")).unwrap();
    ok(&build(&a, &out));
    fs::write(out.join("stacks/dcn1/deploy.sh"), "edited").unwrap();
    let r = build(&one, &out);
    ok(&r);
    assert!(
        stderr(&r).contains("warning: kept ") && stderr(&r).contains("stacks/dcn1/deploy.sh"),
        "{}",
        stderr(&r)
    );
    assert_eq!(
        fs::read_to_string(out.join("stacks/dcn1/deploy.sh")).unwrap(),
        "edited"
    );
}

fn check(spec: &Path, out: &Path) -> Output {
    dcnc()
        .args([
            "build".as_ref(),
            "--check".as_ref(),
            spec.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ])
        .output()
        .unwrap()
}

/// Issue 20: an unchanged build and `build --check` use the stat record of the last build and
/// write nothing; an edit that keeps a file's size and mtime is still found by both; a changed
/// spec is built in full.
#[test]
fn unchanged_builds_use_the_stat_record_and_still_find_an_edit_that_keeps_size_and_mtime() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_specs(tmp.path(), 3);
    let out = tmp.path().join("out");
    ok(&build(&a, &out));
    assert!(tmp.path().join(".out.dcnc-stat").is_file());
    // A clock tick later, a build that finds the tree unchanged trusts every file by its lstat.
    std::thread::sleep(Duration::from_millis(30));
    let o = build(&a, &out);
    ok(&o);
    assert!(stderr(&o).contains(" 0 files written"), "{}", stderr(&o));
    let before = snapshot(&out);
    let o = build(&a, &out);
    ok(&o);
    assert!(stderr(&o).contains("0 files written"), "{}", stderr(&o));
    let o = check(&a, &out);
    ok(&o);
    assert!(stderr(&o).contains("up to date"), "{}", stderr(&o));
    assert_eq!(snapshot(&out), before);

    let conf = out.join("stacks/dcn1/nova.conf");
    let text = fs::read_to_string(&conf).unwrap();
    let mtime = fs::metadata(&conf).unwrap().modified().unwrap();
    let edited = text.replacen("rbd", "xyz", 1);
    assert_eq!(edited.len(), text.len());
    fs::write(&conf, &edited).unwrap();
    fs::File::options()
        .write(true)
        .open(&conf)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(fs::metadata(&conf).unwrap().modified().unwrap(), mtime);
    let o = check(&a, &out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("changed: stacks/dcn1/nova.conf"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = build(&a, &out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nova.conf"), "{}", stderr(&o));
    fs::write(&conf, &text).unwrap();

    // Another spec: built, not skipped.
    let o = build(&b, &out);
    ok(&o);
    assert!(!stderr(&o).contains(" 0 files written"), "{}", stderr(&o));
    let o = check(&a, &out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// Issue 20: an unchanged build and `build --check` take the spec's warnings from the stat
/// record instead of parsing the spec, and print them exactly as a build that compiles it does,
/// in every message format and with `--deny-warnings`; another spec of the same size is built.
#[test]
fn unchanged_builds_print_the_warnings_a_compiling_build_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = two_specs(tmp.path(), 3);
    let out = tmp.path().join("out");
    let record = tmp.path().join(".out.dcnc-stat");
    let run = |spec: &Path, extra: &[&str]| {
        dcnc()
            .args(["build".as_ref(), spec.as_os_str()])
            .args(["-o".as_ref(), out.as_os_str()])
            .args(extra)
            .output()
            .unwrap()
    };
    ok(&run(&a, &[]));
    let formats: [&[&str]; 9] = [
        &[],
        &["--message-format", "json"],
        &["--message-format", "short"],
        &["--message-format", "github"],
        &["--check"],
        &["--check", "--message-format", "json"],
        &["--check", "--message-format", "github"],
        &["--deny-warnings"],
        &["--check", "--deny-warnings", "--message-format", "json"],
    ];
    for f in formats {
        // The record's warnings, with no parse of the spec ...
        ok(&run(&a, &[]));
        assert!(
            fs::read_to_string(&record).unwrap().contains("\nnote [["),
            "the record keeps the warnings"
        );
        let cached = run(&a, f);
        // ... and the warnings of a build that compiles the spec (no record).
        fs::remove_file(&record).unwrap();
        let compiled = run(&a, f);
        let said = |o: &Output| {
            (
                o.status.code(),
                stderr(o),
                String::from_utf8_lossy(&o.stdout).into_owned(),
            )
        };
        assert_eq!(said(&cached), said(&compiled), "{f:?}");
        assert!(
            format!(
                "{}{}",
                stderr(&cached),
                String::from_utf8_lossy(&cached.stdout)
            )
            .contains("DCN050"),
            "{f:?}: {}",
            stderr(&cached)
        );
        if f.contains(&"--deny-warnings") {
            assert_eq!(cached.status.code(), Some(1), "{f:?}");
        }
    }
    // Another spec (the same length) over that tree: built in full.
    ok(&run(&a, &[]));
    fs::write(
        &b,
        fs::read_to_string(&b)
            .unwrap()
            .replace("ntp: [2.pool.ntp.org]", "ntp: [3.pool.ntp.org]"),
    )
    .unwrap();
    let o = run(&b, &[]);
    ok(&o);
    assert!(!stderr(&o).contains(" 0 files written"), "{}", stderr(&o));
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=dcnc test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("git runs");
    ok(&o);
    o
}

/// Issue 20: the stat record is local state of one checkout. The `.gitignore` of `dcnc init`
/// keeps it out of the repository, so a `git clone` of the committed tree has none, and its
/// `build --check` reads every file; a record carried along anyway (committed, or copied with
/// the tree) names other inodes and vouches for nothing, so an edit that keeps a file's size
/// and mtime is still found there.
#[test]
fn a_clone_of_the_committed_tree_has_no_stat_record_and_checks_by_reading() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    ok(&dcnc()
        .args(["init".as_ref(), repo.as_os_str()])
        .output()
        .unwrap());
    let (a, _) = two_specs(&repo, 3);
    let out = repo.join("deploy");
    ok(&build(&a, &out));
    let record = repo.join(".deploy.dcnc-stat");
    assert!(record.is_file());
    // What `--check` says of a tree: the same whether the record vouched for it or not.
    let said = |o: &Output| {
        ok(o);
        let e = stderr(o);
        e[e.find(": up to date").unwrap_or(0)..].to_string()
    };
    let here = said(&check(&a, &out));
    assert!(here.starts_with(": up to date ("), "{here}");
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "deploy"]);
    let files = String::from_utf8(git(&repo, &["ls-files"]).stdout).unwrap();
    assert!(
        files.lines().any(|l| l == "deploy/.dcnc-manifest"),
        "{files}"
    );
    assert!(
        !files.contains("dcnc-stat"),
        "the record is not committed: {files}"
    );

    git(tmp.path(), &["clone", "-q", "repo", "clone"]);
    let clone = tmp.path().join("clone");
    let (spec, tree) = (clone.join("a.yaml"), clone.join("deploy"));
    assert!(!clone.join(".deploy.dcnc-stat").exists());
    assert_eq!(said(&check(&spec, &tree)), here);

    // The checkout's record copied into the clone: other inodes, so no shortcut, and an edit
    // that keeps the file's size and mtime is found.
    fs::copy(&record, clone.join(".deploy.dcnc-stat")).unwrap();
    assert_eq!(said(&check(&spec, &tree)), here);
    let conf = tree.join("stacks/dcn1/nova.conf");
    let text = fs::read_to_string(&conf).unwrap();
    let mtime = fs::metadata(&conf).unwrap().modified().unwrap();
    fs::write(&conf, text.replacen("rbd", "xyz", 1)).unwrap();
    fs::File::options()
        .write(true)
        .open(&conf)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let o = check(&spec, &tree);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("changed: stacks/dcn1/nova.conf"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
