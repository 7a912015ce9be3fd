//! `dcnc import` over the hand-written deployments of `fixtures/import/`: the spec, the report
//! and the round-trip diff of each are snapshot-tested (`snapshots/import@<name>.*`), the
//! import runs twice to the same bytes, `dcnc check` of the written spec agrees with the report,
//! and every deployment whose spec compiles round-trips with no difference but those the import
//! marks as made on purpose (the deployments of `fixtures/import-lossy/` fail that, each at the
//! loss it names). Every directory of
//! `fixtures/import-bad/` (and a plain file) must fail with a located error, exit 2 and nothing
//! written. Adding a case is adding a directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[path = "common/json.rs"]
mod json;

/// Runs dcnc, then the same command with `--message-format json` (`json::json_twin`: it exits
/// alike and prints only lines of the message schema). The JSON run of `import -o SPEC` writes
/// a copy of SPEC's state before the first run, so that both runs see the same output path.
fn dcnc(args: &[&str]) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let mut twin: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    if args.first() == Some(&"import") {
        if let Some(i) = args.iter().position(|a| *a == "-o") {
            let spec = root().join(args[i + 1]);
            let copy = tmp.path().join(spec.file_name().unwrap());
            if spec.exists() {
                fs::copy(&spec, &copy).unwrap();
            }
            twin[i + 1] = copy.to_string_lossy().into_owned();
        }
    }
    let o = Command::new(env!("CARGO_BIN_EXE_dcnc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("dcnc runs");
    json::json_twin(&twin, &root(), &[], &o);
    o
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

fn dirs(under: &str) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(root().join(under))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Deployments without mistakes: the round trip changes nothing heat gets but the container
/// images (marked: they pass none).
const CLEAN: &[&str] = &["custom-roles", "seed-glance-dcn"];
/// Deployments whose imported spec has errors: real problems of the original.
const WITH_ERRORS: &[&str] = &["cephadm-mistakes"];
/// More runs of a fixture, with other options.
const VARIANTS: &[(&str, &str, &[&str])] =
    &[("docs-multibackend", "wallaby", &["--target", "wallaby"])];

struct Run {
    code: i32,
    spec: String,
    report: String,
    diff: String,
}

fn import(name: &str, extra: &[&str], out: &Path) -> Run {
    let dir = format!("fixtures/import/{name}");
    let o = out.to_str().unwrap();
    let mut args = vec!["import", &dir, "-o", o, "--diff", "--force"];
    args.extend(extra);
    let r = dcnc(&args);
    let spec = fs::read_to_string(out).unwrap_or_default();
    let stderr = String::from_utf8(r.stderr).unwrap();
    Run {
        code: r.status.code().unwrap_or(-1),
        spec,
        report: stderr.replace(o, "dcn.yaml"),
        diff: String::from_utf8(r.stdout).unwrap(),
    }
}

#[test]
fn every_deployment_imports_as_its_snapshots_say() {
    let names = dirs("fixtures/import");
    assert!(names.len() >= 4, "four deployments at least: {names:?}");
    let tmp = tempfile::tempdir().unwrap();
    let mut runs: Vec<(String, String, Vec<&str>)> = names
        .iter()
        .map(|n| (n.clone(), n.clone(), Vec::new()))
        .collect();
    for (n, label, extra) in VARIANTS {
        runs.push((n.to_string(), format!("{n}@{label}"), extra.to_vec()));
    }
    for (name, label, extra) in runs {
        let out = tmp.path().join(format!("{label}.yaml"));
        let a = import(&name, &extra, &out);
        let b = import(&name, &extra, &out);
        assert_eq!(a.spec, b.spec, "{label}: the spec is deterministic");
        assert_eq!(a.report, b.report, "{label}: the report is deterministic");
        assert_eq!(a.diff, b.diff, "{label}: the diff is deterministic");
        assert!(!a.spec.is_empty(), "{label}: wrote a spec\n{}", a.report);
        assert!(
            a.spec.starts_with("# yaml-language-server: $schema="),
            "{label}: the schema modeline"
        );
        let errors = WITH_ERRORS.contains(&name.as_str());
        assert_eq!(a.code, if errors { 1 } else { 0 }, "{label}\n{}", a.report);
        // dcnc check of the written spec agrees: it passes, or it fails on the findings
        let check = dcnc(&["check", out.to_str().unwrap()]);
        assert_eq!(
            check.status.code(),
            Some(if errors { 1 } else { 0 }),
            "{label}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        if CLEAN.contains(&name.as_str()) {
            // no difference but the container images: the original pulls from the public
            // registry, dcnc's default `prepare` from the undercloud's (marked)
            let last = a.diff.lines().last().unwrap_or_default();
            assert!(
                last.starts_with("0 differences in the parameters heat gets"),
                "{label}: round trip\n{}",
                a.diff
            );
            let lines: Vec<&str> = a.diff.lines().collect();
            for (i, l) in lines.iter().enumerate() {
                if l.contains("dcnc differs on purpose") {
                    assert_eq!(
                        lines[i - 1],
                        "  ContainerImagePrepare",
                        "{label}\n{}",
                        a.diff
                    );
                }
            }
        }
        // no key of the original ever reaches the spec
        for line in a.spec.lines() {
            assert!(!line.contains("AQ"), "{label}: a key in the spec: {line}");
        }
        settings().bind(|| {
            insta::assert_snapshot!(format!("import@{label}.spec"), a.spec);
            insta::assert_snapshot!(format!("import@{label}.report"), a.report);
            insta::assert_snapshot!(format!("import@{label}.diff"), a.diff);
        });
    }
}

/// Imports `fixtures/import/<name>` in this process (the library, as the CLI does).
fn import_lib(name: &str, extra: &[&str]) -> dcnc::import::Imported {
    let target = match extra {
        ["--target", t] => Some(serde_json::from_value(serde_json::json!(t)).unwrap()),
        [] => None,
        other => panic!("{other:?}"),
    };
    let dir = root().join("fixtures/import").join(name);
    dcnc::import::import(&dir, target, dcnc::import::Options::default())
        .unwrap_or_else(|e| panic!("{name}: {}", dcnc::import::render_errors(&e)))
}

/// Every difference of a round trip that is a loss (no reason it is made on purpose), and every
/// mark that does not say where to read more.
fn losses(rt: &dcnc::import::diff::RoundTrip) -> Vec<String> {
    let mut bad: Vec<String> = (rt.losses().iter())
        .map(|d| format!("{}{}: {}", d.stack, d.phase, d.param))
        .collect();
    for d in &rt.differences {
        if let Some(why) = &d.on_purpose {
            let code = why.rsplit_once(", dcnc explain DCN").map(|(_, c)| c);
            if !code.is_some_and(|c| c.len() == 3 && c.chars().all(|x| x.is_ascii_digit())) {
                bad.push(format!(
                    "{}{}: {}: no explain code: {why}",
                    d.stack, d.phase, d.param
                ));
            }
        }
    }
    bad
}

/// The round trip of every deployment: heat gets from `dcnc build` of the imported spec what it
/// gets from the original, every parameter dcnc owns included, except for the differences the
/// import makes on purpose, each marked in the diff with its reason and its `dcnc explain` code.
/// A deployment whose spec does not compile (its real errors) has no round trip yet.
#[test]
fn every_round_trip_differs_only_on_purpose() {
    let mut runs: Vec<(String, Vec<&str>)> = dirs("fixtures/import")
        .into_iter()
        .map(|n| (n, Vec::new()))
        .collect();
    for (n, _, extra) in VARIANTS {
        runs.push((n.to_string(), extra.to_vec()));
    }
    let mut marked = 0;
    for (name, extra) in runs {
        let imp = import_lib(&name, &extra);
        let rt = imp.round_trip();
        if WITH_ERRORS.contains(&name.as_str()) {
            assert!(!rt.compiled && rt.differences.is_empty(), "{name}");
            continue;
        }
        assert!(rt.compiled, "{name}: {}", rt.text);
        assert_eq!(losses(&rt), Vec::<String>::new(), "{name}:\n{}", rt.text);
        assert!(
            rt.text
                .contains("0 differences in the parameters heat gets"),
            "{name}"
        );
        // each mark is in the text, under its parameter, and the report lists import's own
        for d in &rt.differences {
            let why = d.on_purpose.as_ref().unwrap();
            assert!(
                rt.text.contains(&format!(
                    "  {}\n      dcnc differs on purpose: {why}\n",
                    d.param
                )),
                "{name}: {d:?}"
            );
            marked += 1;
        }
        let report = imp.report_text("dcn.yaml");
        for o in &imp.report.on_purpose {
            assert!(report.contains(&o.mark()), "{name}: {o:?}\n{report}");
        }
    }
    assert!(
        marked >= 10,
        "{marked} marked differences over the fixtures"
    );
}

/// What the round-trip test catches: a spec that loses an owned value of the original (here
/// central's store description, the import's `store.description`, deleted from the spec) leaves
/// unmarked differences, at central's deploys and in each edge's view of central's store.
#[test]
fn a_lost_owned_value_is_a_loss_in_the_round_trip() {
    let mut imp = import_lib("docs-multibackend", &[]);
    let line = "    description: 'central rbd glance store'\n";
    assert!(imp.spec.contains(line), "{}", imp.spec);
    imp.spec = imp.spec.replace(line, "");
    let rt = imp.round_trip();
    let lost = losses(&rt);
    for want in [
        "control-plane (first deploy): GlanceStoreDescription",
        "control-plane (update): GlanceStoreDescription",
        "dcn0: GlanceMultistoreConfig",
        "dcn1: GlanceMultistoreConfig",
    ] {
        assert!(
            lost.iter().any(|l| l == want),
            "{want} in {lost:?}\n{}",
            rt.text
        );
    }
    assert!(
        !rt.text
            .contains("0 differences in the parameters heat gets"),
        "{}",
        rt.text
    );
    // and a mark holds only for the change it names: the renamed store now differs inside too
    let edge = rt
        .differences
        .iter()
        .find(|d| d.stack == "dcn0" && d.param == "GlanceMultistoreConfig")
        .unwrap();
    assert_eq!(edge.on_purpose, None);
}

/// Deployments whose import loses a value (`fixtures/import-lossy/`): the round-trip test finds
/// each loss, unmarked, and nothing else.
#[test]
fn a_deployment_the_spec_cannot_hold_fails_the_round_trip() {
    let expect: &[(&str, &[&str])] = &[("edge-ntp", &["edge1: NtpServer"])];
    let names = dirs("fixtures/import-lossy");
    assert_eq!(names.len(), expect.len(), "{names:?}: say what each loses");
    for (name, lost) in expect {
        let dir = root().join("fixtures/import-lossy").join(name);
        let imp = dcnc::import::import(&dir, None, dcnc::import::Options::default())
            .unwrap_or_else(|e| panic!("{name}: {}", dcnc::import::render_errors(&e)));
        let rt = imp.round_trip();
        assert_eq!(&losses(&rt), lost, "{name}\n{}", rt.text);
        assert!(
            !rt.text
                .contains("0 differences in the parameters heat gets"),
            "{name}"
        );
    }
}

/// The deployment with mistakes has no round trip until they are fixed: with the fixes the book's
/// adopt guide makes (scripts/book-outputs.sh, `adopt-fix`), what differs from the original is
/// exactly what those fixes change, nothing the import lost.
#[test]
fn the_mistakes_fixed_the_round_trip_differs_in_the_fixes_only() {
    let mut imp = import_lib("cephadm-mistakes", &[]);
    assert!(!imp.round_trip().compiled);
    let fixed: Vec<&str> = (imp.spec.lines())
        .filter(|l| {
            ![
                "CinderVolumeCluster: dcn0",
                "GlangeBackendID",
                "NovaAZAttach",
                "show_multiple_locations",
            ]
            .iter()
            .any(|x| l.contains(x))
                && *l != "    parameters:"
                && *l != "glance:"
        })
        .collect();
    imp.spec = fixed.join("\n").replace(
        "172.16.11.185, 172.16.11.66]",
        "172.16.11.185, 172.16.11.187]",
    ) + "\n";
    let rt = imp.round_trip();
    assert!(rt.compiled, "{}\n{}", rt.text, imp.spec);
    // the fixes: the typo and the wrong parameters go, dcnc sets CinderVolumeCluster itself,
    // show_multiple_locations (ignored by tht-18) goes; dcn1's mon is in the export, not a value
    let fixes = [
        "control-plane (first deploy): GlanceShowMultipleLocations",
        "control-plane (update): GlanceShowMultipleLocations",
        "dcn0: GlangeBackendID",
        "dcn1: CinderVolumeCluster",
        "dcn1: GlangeBackendID",
        "dcn1: NovaAZAttach",
    ];
    assert_eq!(losses(&rt), fixes, "{}", rt.text);
    // Marked: dcn0's and dcn1's store ids, where every cephadm stack's deploy exports its
    // client keys (CephClientConfigVars: THT's default is not where `export ceph` reads), and
    // every stack's container images (none: the public registry; dcnc's `prepare`).
    let mut marked: Vec<String> = (rt.differences.iter())
        .filter(|d| d.on_purpose.is_some())
        .map(|d| format!("{}{}: {}", d.stack, d.phase, d.param))
        .collect();
    marked.sort();
    assert_eq!(
        marked,
        [
            "control-plane (first deploy): CephClientConfigVars",
            "control-plane (first deploy): ContainerImagePrepare",
            "control-plane (update): CephClientConfigVars",
            "control-plane (update): ContainerImagePrepare",
            "dcn0: CephClientConfigVars",
            "dcn0: ContainerImagePrepare",
            "dcn0: GlanceBackendID",
            "dcn1: CephClientConfigVars",
            "dcn1: ContainerImagePrepare",
            "dcn1: GlanceBackendID",
        ],
        "{}",
        rt.text
    );
    // The counts are compared, not skipped: the original's come from the baremetal file its
    // `node provision -o ~/deployed-metal-$STACK.yaml` reads (control-plane/baremetal.yaml), so a
    // spec with one controller more differs in ControllerCount, unmarked.
    let first = imp.spec.find("count: 3").expect("the controllers' count");
    imp.spec
        .replace_range(first..first + "count: 3".len(), "count: 4");
    let rt = imp.round_trip();
    assert!(rt.compiled, "{}", rt.text);
    assert!(
        losses(&rt)
            .iter()
            .any(|l| l == "control-plane (first deploy): ControllerCount"),
        "{}",
        rt.text
    );
}

/// `dcnc import DIR --against SPEC`: the round trip of a spec the user edited, nothing written;
/// exit 0 for the imported spec itself, 1 for a spec that drops an owned value, 2 for no spec.
#[test]
fn against_compares_an_edited_spec_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("dcn.yaml");
    let s = spec.to_str().unwrap();
    let dir = "fixtures/import/docs-multibackend";
    assert_eq!(import("docs-multibackend", &[], &spec).code, 0);
    let r = dcnc(&["import", dir, "--against", s]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let text = String::from_utf8(r.stdout).unwrap();
    assert!(
        text.contains("0 differences in the parameters heat gets, and 17"),
        "{text}"
    );
    let edited = fs::read_to_string(&spec)
        .unwrap()
        .replace("    description: 'central rbd glance store'\n", "");
    fs::write(&spec, &edited).unwrap();
    let r = dcnc(&["import", dir, "--against", s]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stdout).contains("GlanceStoreDescription"));
    assert!(String::from_utf8_lossy(&r.stderr).contains("not marked on purpose"));
    let missing = tmp.path().join("none.yaml");
    let r = dcnc(&["import", dir, "--against", missing.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(&spec).unwrap(),
        edited,
        "SPEC is only read"
    );
    let entries: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "nothing written beside it");
    assert!(
        !root().join("dcn.yaml").exists(),
        "no dcn.yaml written by default"
    );
}

#[test]
fn the_mistakes_are_found_in_the_original_files() {
    let tmp = tempfile::tempdir().unwrap();
    let r = import("cephadm-mistakes", &[], &tmp.path().join("dcn.yaml"));
    for (code, at) in [
        ("DCN039", "dcn0/glance.yaml:5:3"), // GlangeBackendID
        ("DCN039", "dcn1/az.yaml:5:3"),     // NovaAZAttach
        ("DCN019", "dcn1/az.yaml:4:24"),    // CinderVolumeCluster: dcn0 at dcn1
        ("DCN015", "control-plane/dcn_ceph_external.yaml:14:33"), // a mon of dcn0 at dcn1
    ] {
        let found = r
            .report
            .split("\n\n")
            .any(|block| block.contains(code) && block.contains(&format!("--> {at}")));
        assert!(found, "{code} at {at}\n{}", r.report);
    }
    assert!(r.report.contains("did you mean `NovaCrossAZAttach`?"));
    assert!(r.report.contains("did you mean `GlanceBackendID`?"));
}

#[test]
fn bad_directories_fail_located_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dcn.yaml");
    let o = out.to_str().unwrap();
    let mut cases: Vec<(String, &str)> = vec![
        ("fixtures/import-bad/README".into(), "is not a directory"),
        ("fixtures/import-bad/nope".into(), "No such file"),
    ];
    let expect = [
        ("binary-env", "glance.yaml:2:21"),
        ("no-deploy", "no `openstack overcloud deploy`"),
        ("no-scripts", "holds no deploy script"),
        ("yaml-error", "glance.yaml:4:14"),
    ];
    for d in dirs("fixtures/import-bad") {
        let what = expect
            .iter()
            .find(|(n, _)| *n == d)
            .unwrap_or_else(|| panic!("fixtures/import-bad/{d}: say what it must report"))
            .1;
        cases.push((format!("fixtures/import-bad/{d}"), what));
    }
    for (dir, what) in cases {
        let r = dcnc(&["import", &dir, "-o", o, "--diff"]);
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{dir}: {err}");
        assert!(err.contains(what), "{dir}: {what}\n{err}");
        assert!(err.contains("nothing written"), "{dir}: {err}");
        assert!(
            r.stdout.is_empty(),
            "{dir}: no diff of what was not imported"
        );
        assert!(!out.exists(), "{dir}: wrote {o}");
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "{dir}: left a file"
        );
        let name = dir.rsplit('/').next().unwrap();
        settings().bind(|| insta::assert_snapshot!(format!("import-bad@{name}"), err));
    }
    // every broken file at once
    let r = dcnc(&["import", "fixtures/import-bad/yaml-error", "-o", o]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("yaml-error/az.yaml:2:2") && err.contains("yaml-error/glance.yaml:4:14"),
        "{err}"
    );
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dcn.yaml");
    fs::write(&out, "mine\n").unwrap();
    let o = out.to_str().unwrap();
    let r = dcnc(&["import", "fixtures/import/seed-glance-dcn", "-o", o]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("--force"));
    assert_eq!(fs::read_to_string(&out).unwrap(), "mine\n");
    let r = dcnc(&[
        "import",
        "fixtures/import/seed-glance-dcn",
        "-o",
        o,
        "--force",
    ]);
    assert_eq!(r.status.code(), Some(0));
    assert!(fs::read_to_string(&out).unwrap().contains("central:"));
    let leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left beside it");
}

/// Fixtures whose trees import back to themselves; the others name, by key reference
/// (`key: {env|file}`), where a deploy reads a key, which no file of the tree says.
const REBUILDS: &[&str] = &[
    "e2e-local",
    "five-edges",
    "glance-cache",
    "network-data",
    "renamed-roles",
    "seed-multistore",
];

/// The round trip on dcnc's own output: import the tree `dcnc build` made of a spec, build the
/// imported spec, and get the very same tree, every file and mode, for every target. Only the
/// spec's `glance.distribute_images` (the images an operator wants copied, which no heat
/// parameter holds) shapes files import cannot see: where a spec lists some, its
/// distribute-images.sh, README and manifest are left out of the comparison.
#[test]
fn a_tree_dcnc_built_imports_to_a_spec_that_builds_it_again() {
    let tmp = tempfile::tempdir().unwrap();
    let mut done = 0;
    for name in REBUILDS {
        let spec = root().join(format!("fixtures/{name}.yaml"));
        let text = fs::read_to_string(&spec).unwrap();
        let targets: Vec<String> = text
            .lines()
            .find_map(|l| l.strip_prefix("# dcnc-test: targets="))
            .map(|t| t.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_else(|| vec!["wallaby".into()]);
        for t in targets {
            let first = tmp.path().join(format!("{name}-{t}-first"));
            let again = tmp.path().join(format!("{name}-{t}-again"));
            let imported = tmp.path().join(format!("{name}-{t}.yaml"));
            let (f, a, i) = (
                first.to_str().unwrap(),
                again.to_str().unwrap(),
                imported.to_str().unwrap(),
            );
            let s = spec.to_str().unwrap();
            assert!(dcnc(&["build", s, "-o", f, "--target", &t])
                .status
                .success());
            let r = dcnc(&["import", f, "-o", i, "--target", &t, "--diff"]);
            assert_eq!(
                r.status.code(),
                Some(0),
                "{name}/{t}: {}",
                String::from_utf8_lossy(&r.stderr)
            );
            // and heat gets the same from both, nothing marked: the tree's own container images
            // (`prepare`) are the spec's
            let out = String::from_utf8_lossy(&r.stdout);
            assert!(
                out.ends_with("\n0 differences in the parameters heat gets.\n"),
                "{name}/{t}: the round trip\n{out}"
            );
            let b = dcnc(&["build", i, "-o", a]);
            assert!(
                b.status.success(),
                "{name}/{t}: {}",
                String::from_utf8_lossy(&b.stderr)
            );
            let mut args = vec!["-r"];
            if text.contains("distribute_images:") {
                args.extend([
                    "-x",
                    "distribute-images.sh",
                    "-x",
                    "README.md",
                    "-x",
                    ".dcnc-manifest",
                ]);
            }
            args.extend([f, a]);
            let diff = Command::new("diff").args(&args).output().unwrap();
            assert!(
                diff.status.success(),
                "{name}/{t}: the rebuilt tree differs\n{}",
                String::from_utf8_lossy(&diff.stdout)
            );
            done += 1;
        }
    }
    assert!(done >= 10, "{done} trees");
}

/// A built tree whose spec names its own ContainerImagePrepare file (`container_images: <abs
/// path>`): with that file where the tree's deploy.sh says (the imported directory stands for
/// the home), the import reads it, maps it back to the same path and the rebuilt tree is the
/// same; the file's name says nothing (it is not containers-prepare-parameter.yaml). Without the
/// file import cannot tell what it holds: it stays an environment file.
#[test]
fn a_built_tree_with_a_containers_file_imports_back_to_it() {
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(root().join("fixtures/seed-multistore.yaml")).unwrap();
    let spec = tmp.path().join("spec.yaml");
    fs::write(
        &spec,
        format!("{text}\ncontainer_images: /home/stack/images/mirror.yaml\n"),
    )
    .unwrap();
    for t in ["wallaby", "tht-18"] {
        let first = tmp.path().join(format!("{t}-first"));
        let again = tmp.path().join(format!("{t}-again"));
        let imported = tmp.path().join(format!("{t}.yaml"));
        let (f, a, i) = (
            first.to_str().unwrap(),
            again.to_str().unwrap(),
            imported.to_str().unwrap(),
        );
        let b = dcnc(&["build", spec.to_str().unwrap(), "-o", f, "--target", t]);
        assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
        fs::create_dir_all(first.join("images")).unwrap();
        fs::write(
            first.join("images/mirror.yaml"),
            "parameter_defaults:\n  ContainerImagePrepare:\n    - push_destination: true\n      set: {namespace: mirror.example.com/tripleo}\n",
        )
        .unwrap();
        let r = dcnc(&["import", f, "-o", i, "--target", t, "--diff"]);
        assert_eq!(
            r.status.code(),
            Some(0),
            "{t}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let out = String::from_utf8_lossy(&r.stdout);
        assert!(
            out.ends_with("\n0 differences in the parameters heat gets.\n"),
            "{t}: the round trip\n{out}"
        );
        let got = fs::read_to_string(&imported).unwrap();
        assert!(
            got.contains("\ncontainer_images: /home/stack/images/mirror.yaml\n"),
            "{t}\n{got}"
        );
        assert!(
            !got.contains("mirror.yaml\n    -"),
            "{t}: not an environment file\n{got}"
        );
        let b = dcnc(&["build", i, "-o", a]);
        assert!(
            b.status.success(),
            "{t}: {}",
            String::from_utf8_lossy(&b.stderr)
        );
        let diff = Command::new("diff")
            .args(["-r", "-x", "images", f, a])
            .output()
            .unwrap();
        assert!(
            diff.status.success(),
            "{t}: the rebuilt tree differs\n{}",
            String::from_utf8_lossy(&diff.stdout)
        );
    }
}

/// What import writes from the names it reads (the directory, stack and cluster names in the
/// spec's comments) stays on its line: a directory named with a newline, a carriage return, a
/// line separator and a terminal escape gives the spec one comment line with them escaped, and
/// the same settings as the plain directory.
#[test]
fn hostile_names_stay_in_their_comment_line() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    let hostile = tmp
        .path()
        .join("x\nregion: evil\r# \u{2028}glance: {}\u{85}\u{1b}[2J\u{202e}");
    for dir in [&plain, &hostile] {
        let cp = Command::new("cp")
            .arg("-r")
            .arg(root().join("fixtures/import/seed-glance-dcn"))
            .arg(dir)
            .status()
            .unwrap();
        assert!(cp.success());
    }
    let spec_of = |dir: &Path| {
        let out = dir.with_extension("yaml");
        let r = Command::new(env!("CARGO_BIN_EXE_dcnc"))
            .arg("import")
            .arg(dir)
            .arg("-o")
            .arg(&out)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(
            r.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        fs::read_to_string(out).unwrap()
    };
    let (want, got) = (spec_of(&plain), spec_of(&hostile));
    let comment = got.lines().nth(1).unwrap();
    assert!(
        comment.contains(r"x\u{a}region: evil\u{d}# \u{2028}glance: {}\u{85}\u{1b}[2J\u{202e}"),
        "{comment}"
    );
    let body = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&got), body(&want));
    assert_eq!(got.lines().count(), want.lines().count());
    assert!(!got.contains(['\r', '\u{85}', '\u{2028}', '\u{1b}', '\u{202e}']));
}
