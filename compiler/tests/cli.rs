//! Integration tests that drive the `dcnc` binary over the fixtures.
//!
//! Adding a case is adding a file: a good spec under `fixtures/` (its `# dcnc-test: targets=...`
//! header says which release targets to build it for), or a bad one under `fixtures/bad/` (its
//! `# expect: DCNxxx` lines say which diagnostics it must produce). Snapshots live in `snapshots/`.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn dcnc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dcnc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("dcnc runs")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

/// Values of `# key: value` header lines of a fixture.
fn header(text: &str, key: &str) -> Vec<String> {
    let prefix = format!("# {key}");
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim_start_matches([':', '=']).trim().to_string())
        .collect()
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// Every file under `dir` (relative path -> (mode, content)), the manifest included.
fn read_tree(dir: &Path) -> BTreeMap<String, (u32, String)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
                out.insert(rel, (mode, fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out
}

#[test]
fn good_fixtures_build_deterministically_and_match_snapshots() {
    let fixtures = yaml_files(&root().join("fixtures"));
    assert!(
        fixtures.len() >= 2,
        "fixtures/ has the seed and five-edges specs"
    );
    for spec in fixtures {
        let text = fs::read_to_string(&spec).unwrap();
        let name = spec.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            text.starts_with("# yaml-language-server: $schema="),
            "{name} starts with the schema modeline"
        );
        let targets = header(&text, "dcnc-test: targets")
            .first()
            .map(|t| t.split(',').map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_else(|| vec![String::new()]);
        for target in targets {
            let tmp = tempfile::tempdir().unwrap();
            let mut trees = Vec::new();
            for run in ["a", "b"] {
                let out = tmp.path().join(run);
                let mut args = vec!["build", spec.to_str().unwrap(), "-o", out.to_str().unwrap()];
                if !target.is_empty() {
                    args.extend(["--target", &target]);
                }
                let o = dcnc(&args);
                assert!(
                    o.status.success(),
                    "{name} {target}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                trees.push(read_tree(&out));
            }
            assert_eq!(trees[0], trees[1], "{name} {target}: two builds differ");
            let tree = &trees[0];
            let mut snap = String::new();
            for (path, (mode, content)) in tree {
                if path.ends_with(".sh") {
                    assert_eq!(*mode, 0o755, "{path} is executable");
                } else {
                    assert_eq!(*mode, 0o644, "{path} is not executable");
                }
                assert!(!content.contains("AQ"), "{path}: no cephx key material");
                snap.push_str(&format!("=== {path} ({mode:o})\n{content}\n"));
            }
            settings().bind(|| {
                insta::assert_snapshot!(format!("build@{name}@{target}"), snap);
            });
        }
    }
}

#[test]
fn bad_fixtures_report_located_diagnostics() {
    let fixtures = yaml_files(&root().join("fixtures/bad"));
    assert!(!fixtures.is_empty());
    let mut covered = std::collections::BTreeSet::new();
    for spec in fixtures {
        let text = String::from_utf8_lossy(&fs::read(&spec).unwrap()).into_owned();
        let name = spec.file_name().unwrap().to_string_lossy().into_owned();
        let rel = format!("fixtures/bad/{name}");
        let expected = header(&text, "expect");
        assert!(!expected.is_empty(), "{name} declares `# expect: DCNxxx`");

        // Warnings are denied, so fixtures of warning-level checks fail too.
        let human = dcnc(&["check", &rel, "--deny-warnings"]);
        assert_eq!(human.status.code(), Some(1), "{name} exits 1");
        let stderr = String::from_utf8(human.stderr).unwrap();

        let json = dcnc(&["check", &rel, "--message-format", "json", "--deny-warnings"]);
        assert_eq!(json.status.code(), Some(1));
        let lines = String::from_utf8(json.stdout).unwrap();
        let diags: Vec<serde_json::Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        for code in &expected {
            let found = diags.iter().find(|d| d["code"] == code.as_str());
            let d = found.unwrap_or_else(|| panic!("{name}: no {code} in {lines}"));
            // Only problems of the spec as a whole have no position.
            if !["empty.yaml", "no-edges.yaml"].contains(&name.as_str()) {
                assert!(d["line"].as_u64().unwrap() > 0, "{name}: {code} has a line");
                assert!(
                    d["column"].as_u64().unwrap() > 0,
                    "{name}: {code} has a column"
                );
            }
            assert_eq!(d["file"], rel.as_str());
            covered.insert(code.clone());
        }
        settings().bind(|| {
            insta::assert_snapshot!(format!("check@{name}"), stderr);
        });
    }
    // `dcnc import`'s own code is covered by the directories of fixtures/import-bad.
    let mut import_bad: Vec<PathBuf> = fs::read_dir(root().join("fixtures/import-bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    import_bad.sort();
    let out = tempfile::tempdir().unwrap();
    let spec = out.path().join("dcn.yaml");
    for d in import_bad {
        let r = dcnc(&["import", d.to_str().unwrap(), "-o", spec.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&r.stderr).into_owned();
        for w in err.split(['[', ']']) {
            if w.starts_with("DCN") && w.len() == 6 {
                covered.insert(w.to_string());
            }
        }
    }
    // Every diagnostic code has a bad fixture.
    let catalogue = String::from_utf8(dcnc(&["explain"]).stdout).unwrap();
    let codes: Vec<&str> = catalogue
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert!(codes.len() >= 28, "{codes:?}");
    for code in codes {
        assert!(
            covered.contains(code),
            "no fixture in fixtures/bad expects {code}"
        );
    }
}

#[test]
fn huge_and_odd_inputs_end_in_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    // 50 MB of edges: stopped by the parser's budget, not by running out of memory.
    let big = tmp.path().join("big.yaml");
    let mut text = String::from(
        "central:\n  fsid: 6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60\n  mons: [10.0.0.1]\nedges:\n",
    );
    let mut i = 0u64;
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&format!(
            "  - name: e{i}\n    fsid: 00000000-0000-4000-8000-{i:012x}\n    mons: [10.9.9.9]\n    glance_api: 10.8.8.8\n"
        ));
        i += 1;
    }
    fs::write(&big, &text).unwrap();
    let o = dcnc(&["check", big.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("too large"), "{err}");
    // A path through a regular file: an I/O error, exit 2.
    let o = dcnc(&["check", "fixtures/seed-multistore.yaml/x.yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn io_and_usage_errors_exit_2() {
    let o = dcnc(&["check", "fixtures/no-such-spec.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-spec.yaml"));
    let o = dcnc(&["check", "fixtures"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a directory"));
    let o = dcnc(&["bogus"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn build_refuses_a_directory_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("mine.txt"), "keep").unwrap();
    let out = tmp.path().to_str().unwrap();
    let o = dcnc(&["build", "fixtures/seed-multistore.yaml", "-o", out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("mine.txt")).unwrap(),
        "keep"
    );
}

#[test]
fn graph_prints_dot_mermaid_and_order() {
    let dot = dcnc(&["graph", "fixtures/seed-multistore.yaml"]);
    assert!(dot.status.success());
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(dot.starts_with("digraph dcn {"));
    assert!(dot.contains("\"export-control-plane\" -> \"deploy-dcn0\""));
    let mmd = dcnc(&[
        "graph",
        "fixtures/seed-multistore.yaml",
        "--format",
        "mermaid",
    ]);
    assert!(String::from_utf8(mmd.stdout)
        .unwrap()
        .starts_with("flowchart LR"));
    let order = dcnc(&[
        "graph",
        "fixtures/seed-multistore.yaml",
        "--format",
        "order",
    ]);
    let order = String::from_utf8(order.stdout).unwrap();
    let pos = |s: &str| order.find(s).unwrap_or_else(|| panic!("{s} in {order}"));
    assert!(pos("deploy-control-plane") < pos("export-control-plane"));
    assert!(pos("export-control-plane") < pos("deploy-dcn0"));
    assert!(pos("deploy-dcn1") < pos("gather-edge-ceph-clients"));
    assert!(pos("gather-edge-ceph-clients") < pos("update-control-plane"));
}

#[test]
fn explain_knows_every_code() {
    let o = dcnc(&["explain", "DCN010"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("cluster name"));
    assert_eq!(dcnc(&["explain", "DCN999"]).status.code(), Some(2));
}

/// The committed schema is what the spec types generate. `DCNC_UPDATE_SCHEMA=1` rewrites it.
#[test]
fn committed_schema_is_current() {
    let path = root().join("schema/dcn.schema.json");
    let o = dcnc(&["schema"]);
    assert!(o.status.success());
    let fresh = String::from_utf8(o.stdout).unwrap();
    if std::env::var_os("DCNC_UPDATE_SCHEMA").is_some() {
        fs::write(&path, &fresh).unwrap();
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "schema/dcn.schema.json is stale: run `DCNC_UPDATE_SCHEMA=1 cargo test --test cli committed_schema_is_current`"
    );
}

/// Every `fixtures/changes/*.yaml` names the spec it changes (`plan-from=`): the plan from that
/// spec and the `build --check` report of the new spec against the old tree are snapshot-tested.
#[test]
fn change_fixtures_plan_and_diff() {
    let fixtures = yaml_files(&root().join("fixtures/changes"));
    assert!(!fixtures.is_empty());
    for new in fixtures {
        let text = fs::read_to_string(&new).unwrap();
        let name = new.file_name().unwrap().to_string_lossy().into_owned();
        let line = header(&text, "dcnc-test:");
        let field = |key: &str| {
            line.iter()
                .flat_map(|l| l.split_whitespace())
                .find_map(|w| w.strip_prefix(key))
                .unwrap_or_else(|| panic!("{name}: header names {key}"))
                .to_string()
        };
        let old = new.parent().unwrap().join(field("plan-from="));
        let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
        for target in field("targets=").split(',') {
            let plan = dcnc(&["plan", old, new, "--target", target]);
            assert!(
                plan.status.success(),
                "{}",
                String::from_utf8_lossy(&plan.stderr)
            );
            let json = dcnc(&["plan", old, new, "--target", target, "--format", "json"]);
            let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
            assert!(
                !json["run"].as_array().unwrap().is_empty(),
                "{name}: something to run"
            );

            let tmp = tempfile::tempdir().unwrap();
            let out = tmp.path().join("out");
            let out = out.to_str().unwrap();
            assert!(dcnc(&["build", old, "-o", out, "--target", target])
                .status
                .success());
            let check = dcnc(&["build", new, "-o", out, "--target", target, "--check"]);
            assert_eq!(
                check.status.code(),
                Some(1),
                "{name}: the old tree is out of date"
            );
            let same = dcnc(&["plan", new, new, "--target", target]);
            assert!(String::from_utf8_lossy(&same.stdout).starts_with("nothing to do"));

            let snap = format!(
                "$ dcnc plan OLD NEW --target {target}\n{}\n$ dcnc build NEW -o OLD_TREE --check\n{}",
                String::from_utf8(plan.stdout).unwrap(),
                String::from_utf8(check.stdout).unwrap()
            );
            settings().bind(|| {
                insta::assert_snapshot!(format!("change@{name}@{target}"), snap);
            });
        }
    }
}

/// The book's reference pages are what `dcnc docs` generates. `DCNC_UPDATE_DOCS=1` rewrites them.
#[test]
fn committed_reference_pages_are_current() {
    let committed = root().join("book/src/reference");
    let tmp = tempfile::tempdir().unwrap();
    let target = if std::env::var_os("DCNC_UPDATE_DOCS").is_some() {
        committed.clone()
    } else {
        tmp.path().to_path_buf()
    };
    assert!(dcnc(&["docs", target.to_str().unwrap()]).status.success());
    for page in ["cli.md", "spec.md", "checks.md"] {
        let fresh = fs::read_to_string(target.join(page)).unwrap();
        let old = fs::read_to_string(committed.join(page)).unwrap_or_default();
        assert!(
            old == fresh,
            "book/src/reference/{page} is stale: run `DCNC_UPDATE_DOCS=1 cargo test --test cli committed_reference_pages_are_current`"
        );
    }
}
