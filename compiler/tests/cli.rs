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

use dcnc::cli::message::{DriftKind, Message};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[path = "common/json.rs"]
mod json;
use json::json_lines;

/// Runs dcnc (see [`dcnc_env`]).
fn dcnc(args: &[&str]) -> Output {
    dcnc_env(args, &[])
}

/// Runs dcnc with `env`; unless the command chooses its `--message-format` or is `init` (which
/// never writes over the files of its first run), runs it again with `--message-format json` to
/// check that the same command then exits alike and prints only JSON lines of the documented
/// schema (`json::json_twin`). `init` speaks JSON in `every_command_and_failure_speaks_json`.
fn dcnc_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let o = run(args, env);
    if !args.iter().any(|a| a.starts_with("--message-format")) && args.first() != Some(&"init") {
        json::json_twin(args, &root(), env, &o);
    }
    o
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dcnc"));
    c.args(args).current_dir(root()).env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("dcnc runs")
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
    text.split(['\n', '\r'])
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
    // Every fixture's diagnostics in the short, github and json formats, snapshot-tested together.
    let mut formats = [String::new(), String::new(), String::new()];
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
        assert!(
            !stderr.chars().any(|c| c.is_control() && c != '\n'),
            "{name}: no control character reaches the terminal: {stderr:?}"
        );

        let args = ["check", &rel, "--message-format", "json", "--deny-warnings"];
        let json = dcnc(&args);
        assert_eq!(json.status.code(), Some(1));
        let lines = json_lines(&args, &json);
        let diags: Vec<&dcnc::diag::DiagnosticLine> = lines
            .iter()
            .filter_map(|m| match m {
                Message::Diagnostic(d) => Some(d),
                _ => None,
            })
            .collect();
        for code in &expected {
            let found = diags.iter().find(|d| d.code == *code);
            let d = found.unwrap_or_else(|| panic!("{name}: no {code} in {lines:?}"));
            // Only problems of the spec as a whole have no position.
            if !["empty.yaml", "no-edges.yaml"].contains(&name.as_str()) {
                assert!(d.line.unwrap() > 0, "{name}: {code} has a line");
                assert!(d.column.unwrap() > 0, "{name}: {code} has a column");
            }
            assert_eq!(d.file, rel);
            covered.insert(code.clone());
        }
        formats[2].push_str(&format!(
            "$ dcnc check {rel} --message-format json --deny-warnings\n"
        ));
        formats[2].push_str(&String::from_utf8(json.stdout).unwrap());
        for (i, format) in ["short", "github"].into_iter().enumerate() {
            let o = dcnc(&["check", &rel, "--message-format", format, "--deny-warnings"]);
            assert_eq!(o.status.code(), Some(1), "{name} {format}");
            let (out, err) = (
                String::from_utf8(o.stdout).unwrap(),
                String::from_utf8(o.stderr).unwrap(),
            );
            // short: one line per diagnostic on stderr, and the summary; github: one workflow
            // command per diagnostic (and the denied warnings) on stdout.
            let diag_lines = if format == "short" { &err } else { &out };
            let n = diag_lines
                .lines()
                .filter(|l| l.contains("[DCN") || l.contains("title=DCN"))
                .count();
            assert_eq!(n, diags.len(), "{name} {format}: one line per diagnostic");
            formats[i].push_str(&format!(
                "$ dcnc check {rel} --message-format {format} --deny-warnings\n{out}{err}"
            ));
        }
        settings().bind(|| {
            insta::assert_snapshot!(format!("check@{name}"), stderr);
        });
    }
    settings().bind(|| {
        for (format, text) in ["short", "github", "json"].iter().zip(&formats) {
            insta::assert_snapshot!(format!("format@{format}"), text);
        }
    });
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
    // The round trip's mark (DCN095) is covered by the deployments of fixtures/import: their
    // `--diff` marks what dcnc changes on purpose with `dcnc explain CODE`.
    let mut deployments: Vec<PathBuf> = fs::read_dir(root().join("fixtures/import"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    deployments.sort();
    for d in deployments {
        let r = dcnc(&[
            "import",
            d.to_str().unwrap(),
            "-o",
            spec.to_str().unwrap(),
            "--force",
            "--diff",
        ]);
        let diff = String::from_utf8_lossy(&r.stdout).into_owned();
        for (_, after) in diff
            .match_indices("dcnc explain ")
            .map(|(i, _)| diff.split_at(i + 13))
        {
            if let Some(code) = after.get(..6).filter(|c| c.starts_with("DCN")) {
                covered.insert(code.to_string());
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
    // The schema of `--message-format json` lines.
    let path = root().join("schema/dcnc-messages.schema.json");
    let o = dcnc(&["schema", "--messages"]);
    let fresh = String::from_utf8(o.stdout).unwrap();
    assert!(fresh.contains("\"summary\""));
    if std::env::var_os("DCNC_UPDATE_SCHEMA").is_some() {
        fs::write(&path, &fresh).unwrap();
    }
    assert!(
        fs::read_to_string(&path).unwrap_or_default() == fresh,
        "schema/dcnc-messages.schema.json is stale: run `DCNC_UPDATE_SCHEMA=1 cargo test --test cli committed_schema_is_current`"
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
    for page in ["cli.md", "spec.md", "checks.md", "messages.md"] {
        let fresh = fs::read_to_string(target.join(page)).unwrap();
        let old = fs::read_to_string(committed.join(page)).unwrap_or_default();
        assert!(
            old == fresh,
            "book/src/reference/{page} is stale: run `DCNC_UPDATE_DOCS=1 cargo test --test cli committed_reference_pages_are_current`"
        );
    }
}

/// Every command and every kind of failure, with `--message-format json`: only message lines of
/// the documented schema on stdout (checked by `dcnc` for every call of every test), and the
/// line types each case must print.
#[test]
fn every_command_and_failure_speaks_json() {
    let tmp = tempfile::tempdir().unwrap();
    let t = |p: &str| tmp.path().join(p).to_string_lossy().into_owned();
    let types = |args: &[&str]| -> Vec<String> {
        let mut a = args.to_vec();
        a.extend(["--message-format", "json"]);
        let o = dcnc_env(&a, &[]);
        json_lines(&a, &o)
            .iter()
            .map(|m| {
                serde_json::to_value(m).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    // A spec without warnings, so that every line type below is the command's own.
    let seed = "fixtures/five-edges.yaml";
    let out = t("out");
    let spec = t("imported.yaml");
    let init = t("init");
    let cases: Vec<(Vec<&str>, &[&str])> = vec![
        (vec!["check", seed], &["summary"]),
        (
            vec!["check", "fixtures/bad/no-edges.yaml"],
            &["diagnostic", "summary"],
        ),
        (
            vec!["check", "fixtures/bad/no-edges.yaml", "--deny-warnings"],
            &["diagnostic", "error", "summary"],
        ),
        (
            vec!["check", "fixtures/bad/not-utf8.yaml"],
            &["diagnostic", "summary"],
        ),
        (
            vec!["check", "fixtures/no-such-spec.yaml"],
            &["error", "summary"],
        ),
        (vec!["check", "fixtures"], &["error", "summary"]),
        (vec!["check"], &["error", "summary"]),
        (vec!["check", seed, "--no-such-flag"], &["error", "summary"]),
        (
            vec!["check", seed, "--target", "grizzly"],
            &["error", "summary"],
        ),
        (vec!["bogus"], &["error", "summary"]),
        (vec![], &["error", "summary"]),
        (vec!["--help"], &["document", "summary"]),
        (vec!["check", "--help"], &["document", "summary"]),
        (vec!["--version"], &["document", "summary"]),
        (vec!["build", seed, "-o", &out], &["summary"]),
        (vec!["build", seed, "-o", &out, "--check"], &["summary"]),
        (vec!["build", seed, "-o", "fixtures"], &["error", "summary"]),
        (
            vec!["build", seed, "-o", "README.md"],
            &["error", "summary"],
        ),
        (vec!["graph", seed], &["graph", "summary"]),
        (
            vec!["graph", seed, "--format", "order"],
            &["graph", "summary"],
        ),
        (
            vec!["graph", "fixtures/bad/no-edges.yaml"],
            &["diagnostic", "graph", "summary"],
        ),
        (vec!["plan", seed, seed], &["plan", "summary"]),
        (
            vec!["plan", seed, seed, "--format", "json"],
            &["plan", "summary"],
        ),
        (
            vec![
                "plan",
                "fixtures/bad/no-edges.yaml",
                "fixtures/bad/copy-image-missing.yaml",
            ],
            &["diagnostic", "plan", "summary"],
        ),
        (
            vec!["plan", seed, "fixtures/bad/many-errors.yaml"],
            &["diagnostic", "summary"],
        ),
        (vec!["targets"], &["targets", "summary"]),
        (vec!["schema"], &["document", "summary"]),
        (vec!["schema", "--messages"], &["document", "summary"]),
        (vec!["explain", "DCN010"], &["explanation", "summary"]),
        (vec!["explain", "DCN999"], &["error", "summary"]),
        (vec!["completions", "bash"], &["document", "summary"]),
        (vec!["man"], &["document", "summary"]),
        (vec!["init", &init], &["file", "summary"]),
        (vec!["init", &init], &["error", "summary"]),
        (
            vec!["import", "fixtures/import-bad/no-deploy", "-o", &spec],
            &["diagnostic", "error", "summary"],
        ),
        (
            vec![
                "import",
                "fixtures/import/custom-roles",
                "-o",
                &spec,
                "--force",
            ],
            &["document", "summary"],
        ),
        (
            vec![
                "import",
                "fixtures/import/cephadm-mistakes",
                "-o",
                &spec,
                "--force",
                "--diff",
            ],
            &["diagnostic", "document", "summary"],
        ),
        (
            vec!["import", "fixtures/import/seed-glance-dcn", "-o", &spec],
            &["error", "summary"],
        ),
    ];
    for (args, expected) in cases {
        let mut got = types(&args);
        // Warnings the specs happen to have are not what a case is about.
        if !expected.contains(&"diagnostic") {
            got.retain(|t| t != "diagnostic");
        }
        got.dedup();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        want.dedup();
        assert_eq!(got, want, "{args:?}");
    }
    // build --check with drift: one line per file, the diff as a field.
    let deploy = tmp.path().join("out/stacks/dcn0/deploy.sh");
    fs::write(&deploy, "#!/bin/bash\necho edited by hand\n").unwrap();
    fs::remove_file(tmp.path().join("out/stacks/dcn1/deploy.sh")).unwrap();
    let args = [
        "build",
        seed,
        "-o",
        &out,
        "--check",
        "--message-format",
        "json",
    ];
    let o = dcnc_env(&args, &[]);
    assert_eq!(o.status.code(), Some(1));
    let lines = json_lines(&args, &o);
    let drift: Vec<_> = lines
        .iter()
        .filter_map(|m| match m {
            Message::Drift(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(drift.len(), 2, "{lines:?}");
    let changed = drift.iter().find(|d| d.kind == DriftKind::Changed).unwrap();
    assert_eq!(changed.path, "stacks/dcn0/deploy.sh");
    assert!(changed
        .diff
        .as_deref()
        .unwrap()
        .contains("-echo edited by hand"));
    let missing = drift.iter().find(|d| d.kind == DriftKind::Missing).unwrap();
    assert_eq!(missing.path, "stacks/dcn1/deploy.sh");
    assert!(missing.diff.is_none());
    match lines.last().unwrap() {
        Message::Summary(s) => {
            assert_eq!((s.missing, s.changed, s.extra), (Some(1), Some(1), Some(0)))
        }
        m => panic!("{m:?}"),
    }
    // man DIR and docs DIR: a line per file written.
    for cmd in ["man", "docs"] {
        let dir = t(cmd);
        let got = types(&[cmd, &dir]);
        assert!(
            got.iter().filter(|t| *t == "file").count() >= 4,
            "{cmd}: {got:?}"
        );
    }
}

/// The JSON check fails a command that prints a line that is not JSON, or JSON that is not a
/// message of the schema: the real output of `dcnc check` with such a line put in.
#[test]
fn the_json_check_refuses_a_stray_line() {
    let args = [
        "check",
        "fixtures/five-edges.yaml",
        "--message-format",
        "json",
    ];
    let good = run(&args, &[]);
    json_lines(&args, &good);
    for (stray, why) in [
        ("checking fixtures/five-edges.yaml", "not a JSON line"),
        ("\u{1b}[1merror\u{1b}[0m: x", "not a JSON line"),
        (r#"{"type":"progress","done":1}"#, "not of schema"),
        (r#"{"type":"summary","exit_code":"0"}"#, "not of schema"),
    ] {
        let mut o = good.clone();
        o.stdout = [format!("{stray}\n").as_bytes(), &good.stdout].concat();
        let e = std::panic::catch_unwind(|| json_lines(&args, &o)).expect_err(stray);
        let msg = e.downcast_ref::<String>().unwrap();
        assert!(msg.contains(why), "{stray}: {msg}");
    }
}

/// Colour: never when not asked on a non-terminal, `--color always` and CLICOLOR_FORCE force it,
/// NO_COLOR and `--color never` turn it off.
#[test]
fn colour_follows_flags_and_environment() {
    let bad = ["check", "fixtures/bad/many-errors.yaml"];
    let coloured = |extra: &[&str], env: &[(&str, &str)]| {
        let mut a = bad.to_vec();
        a.extend(extra);
        let mut c = Command::new(env!("CARGO_BIN_EXE_dcnc"));
        c.args(&a)
            .current_dir(root())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(1));
        String::from_utf8(o.stderr).unwrap().contains('\u{1b}')
    };
    assert!(!coloured(&[], &[]), "not a terminal: no colour");
    assert!(coloured(&["--color", "always"], &[]));
    assert!(coloured(&["--color=always"], &[("NO_COLOR", "1")]));
    assert!(coloured(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!coloured(
        &[],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    ));
    assert!(!coloured(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    // A usage error is coloured by the same rule.
    let o = dcnc_env(&["check", "--color", "always"], &[]);
    assert!(String::from_utf8_lossy(&o.stderr).contains('\u{1b}'));
    assert_eq!(o.status.code(), Some(2));
}

/// Rendering stays linear (finding 3.20): 100,000 diagnostics on one line, and one on each of
/// 30,000 lines. Human output shows at most 100 and counts the rest; each shown source line is a
/// window of the long line; `short` lists every one. (Times are measured by `cargo bench --bench
/// diagnostics`, not here.)
#[test]
fn many_diagnostics_and_long_lines_render_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let head = "ceph: {osd_devices: [/dev/sdb]}\ncentral:\n  fsid: 6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60\n  mons: [10.0.0.1]\nedges:\n  - name: dcn0\n    fsid: 7b0d8f63-3c20-4f1b-8d66-2e304b5c6d71\n    mons: [172.16.13.10]\n    glance_api: 172.16.13.212\n";
    let one_line = format!(
        "{head}glance: {{import_methods: [copy-image,{}]}}\n",
        vec!["zz"; 100_000].join(",")
    );
    let mut per_line = format!("{head}glance:\n  import_methods:\n    - copy-image\n");
    for i in 0..30_000 {
        per_line.push_str(&format!("    - zz{i}\n"));
    }
    for (name, text, n) in [
        ("one-line.yaml", one_line, 100_000),
        ("per-line.yaml", per_line, 30_000),
    ] {
        let spec = tmp.path().join(name);
        fs::write(&spec, text).unwrap();
        let spec = spec.to_str().unwrap();
        let o = dcnc_env(&["check", spec], &[]);
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8(o.stderr).unwrap();
        let headings = err
            .lines()
            .filter(|l| l.starts_with("error[") || l.starts_with("warning["))
            .count();
        assert_eq!(headings, 100, "{name}: 100 shown");
        assert!(
            err.contains(" more not shown ("),
            "{name}: the rest counted"
        );
        let last = err.lines().last().unwrap();
        assert!(
            last.starts_with(&format!("failed: {n} errors, ")) && last.ends_with(spec),
            "{name}: {last}"
        );
        assert!(
            err.lines().all(|l| l.chars().count() < 300),
            "{name}: lines are windows"
        );
        let o = dcnc_env(&["check", spec, "--message-format", "short"], &[]);
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(
            err.lines().filter(|l| l.contains("error[DCN024]")).count(),
            n
        );
    }
    // The window keeps the real column.
    let o = dcnc_env(
        &["check", tmp.path().join("one-line.yaml").to_str().unwrap()],
        &[],
    );
    let err = String::from_utf8(o.stderr).unwrap();
    // Warnings of the whole spec (no location) come first; then the errors, in order.
    let unlocated = err.lines().filter(|l| l.starts_with("warning[")).count();
    let last = err.lines().rev().find(|l| l.contains("--> ")).unwrap();
    let col = 1 + "glance: {import_methods: [copy-image,".len() + 3 * (99 - unlocated);
    assert!(
        last.ends_with(&format!(":10:{col}")),
        "{last} (100th value at column {col})"
    );
}

/// The committed completion scripts and man pages are what the CLI generates.
/// `DCNC_UPDATE_COMPLETIONS=1` rewrites them.
#[test]
fn committed_completions_and_man_pages_are_current() {
    let update = std::env::var_os("DCNC_UPDATE_COMPLETIONS").is_some();
    let dir = root().join("contrib/completions");
    for (shell, file) in [
        ("bash", "dcnc.bash"),
        ("zsh", "_dcnc"),
        ("fish", "dcnc.fish"),
    ] {
        let o = dcnc(&["completions", shell]);
        assert!(o.status.success());
        let fresh = String::from_utf8(o.stdout).unwrap();
        assert!(
            fresh.contains("dcnc") && fresh.contains("message-format"),
            "{shell}"
        );
        if update {
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join(file), &fresh).unwrap();
        }
        let committed = fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(
            committed == fresh,
            "contrib/completions/{file} is stale: run `DCNC_UPDATE_COMPLETIONS=1 cargo test --test cli committed_completions_and_man_pages_are_current`"
        );
    }
    let committed = root().join("contrib/man");
    let tmp = tempfile::tempdir().unwrap();
    let target = if update {
        committed.clone()
    } else {
        tmp.path().to_path_buf()
    };
    if update {
        let _ = fs::remove_dir_all(&committed);
    }
    assert!(dcnc(&["man", target.to_str().unwrap()]).status.success());
    let names = |d: &Path| {
        let mut v: Vec<String> = fs::read_dir(d)
            .map(|r| {
                r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let fresh = names(&target);
    assert!(
        fresh.contains(&"dcnc.1".to_string()) && fresh.contains(&"dcnc-build.1".to_string()),
        "{fresh:?}"
    );
    assert_eq!(
        names(&committed),
        fresh,
        "contrib/man/ holds every page and no other (DCNC_UPDATE_COMPLETIONS=1 rewrites it)"
    );
    for page in fresh {
        assert!(
            fs::read(target.join(&page)).unwrap() == fs::read(committed.join(&page)).unwrap(),
            "contrib/man/{page} is stale: run `DCNC_UPDATE_COMPLETIONS=1 cargo test --test cli committed_completions_and_man_pages_are_current`"
        );
    }
    let o = dcnc(&["man"]);
    assert_eq!(
        o.stdout,
        fs::read(committed.join("dcnc.1")).unwrap(),
        "`dcnc man` prints dcnc.1"
    );
}

/// Replaces every placeholder of a `dcnc init` spec with a value, as a user would.
fn fill_placeholders(text: &str) -> String {
    let mut n = 0;
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("\"<fill me in: ") {
            out.push_str(&rest[..i]);
            let end = rest[i + 1..].find('"').expect("a closing quote") + i + 2;
            n += 1;
            out.push_str(&if rest[i..end].contains("fsid") {
                format!("\"{n:08x}-1111-4a2b-8c3d-{n:012x}\"")
            } else if rest[i..end].contains("disk") {
                "/dev/sdb".to_string()
            } else {
                format!("\"172.16.{n}.10\"")
            });
            rest = &rest[end..];
        }
        out.push_str(rest);
    }
    out
}

/// `dcnc init`: a starter spec whose placeholders are located DCN063 errors (and nothing else)
/// until filled in, which then builds, for every target and topology.
#[test]
fn init_writes_a_starter_that_builds_once_filled_in() {
    let tmp = tempfile::tempdir().unwrap();
    let targets = String::from_utf8(dcnc(&["targets", "--format", "json"]).stdout).unwrap();
    let targets: Vec<serde_json::Value> = serde_json::from_str(&targets).unwrap();
    for t in &targets {
        let target = t["id"].as_str().unwrap();
        for topology in ["multistore", "glance-cache"] {
            let dir = tmp.path().join(format!("{target}-{topology}"));
            let d = dir.to_str().unwrap();
            let args = [
                "init",
                d,
                "--target",
                target,
                "--topology",
                topology,
                "--edges",
                "3",
            ];
            let o = dcnc_env(&args, &[]);
            if topology == "glance-cache" && !t["operators"].is_null() {
                // RHOSO's DCN is multistore only: init refuses, writing nothing.
                assert_eq!(o.status.code(), Some(2), "{target} {topology}");
                assert!(String::from_utf8_lossy(&o.stderr).contains("only the multistore"));
                assert!(!dir.exists(), "{target} {topology}: nothing written");
                continue;
            }
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let spec = dir.join("dcn.yaml");
            let text = fs::read_to_string(&spec).unwrap();
            assert!(text.starts_with("# yaml-language-server: $schema=dcn.schema.json\n"));
            assert_eq!(
                fs::read_to_string(dir.join("dcn.schema.json")).unwrap(),
                String::from_utf8(dcnc(&["schema"]).stdout).unwrap()
            );
            let s = spec.to_str().unwrap();
            let args = ["check", s, "--message-format", "json"];
            let o = dcnc_env(&args, &[]);
            assert_eq!(
                o.status.code(),
                Some(1),
                "{target} {topology}: unfilled fails"
            );
            let holes: usize = (text.lines())
                .filter(|l| !l.trim_start().starts_with('#'))
                .map(|l| l.matches("\"<fill me in: ").count())
                .sum();
            let errors: Vec<_> = json_lines(&args, &o)
                .into_iter()
                .filter_map(|m| match m {
                    Message::Diagnostic(d) if d.severity == dcnc::diag::Severity::Error => Some(d),
                    _ => None,
                })
                .collect();
            assert_eq!(
                errors.len(),
                holes,
                "{target} {topology}: one error per placeholder"
            );
            let lines: Vec<&str> = text.lines().collect();
            for e in &errors {
                assert_eq!(e.code, "DCN063", "{target} {topology}: {e:?}");
                let line = lines[e.line.unwrap() as usize - 1];
                let col = e.column.unwrap() as usize - 1;
                assert!(
                    line[col..].starts_with("\"<fill me in: "),
                    "{e:?} points at {line}"
                );
            }
            fs::write(&spec, fill_placeholders(&text)).unwrap();
            let o = dcnc(&["check", s]);
            assert!(
                o.status.success(),
                "{target} {topology} filled: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let out = dir.join("deploy");
            let o = dcnc(&["build", s, "-o", out.to_str().unwrap()]);
            assert!(o.status.success(), "{target} {topology}: builds");
        }
    }
    // The default starter and what `dcnc check` says of it, snapshot-tested.
    let dir = tmp.path().join("default");
    let o = dcnc_env(&["init", dir.to_str().unwrap()], &[]);
    let note = String::from_utf8(o.stderr)
        .unwrap()
        .replace(dir.to_str().unwrap(), "DIR");
    let spec = fs::read_to_string(dir.join("dcn.yaml")).unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_dcnc"))
        .args(["check", "dcn.yaml"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    settings().bind(|| {
        insta::assert_snapshot!("init@dcn.yaml", spec);
        insta::assert_snapshot!(
            "init@check",
            format!(
                "$ dcnc init DIR\n{note}\n$ dcnc check dcn.yaml\n{}",
                String::from_utf8(check.stderr).unwrap()
            )
        );
    });
    assert_eq!(
        fs::read_to_string(dir.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some(".*.dcnc-*")
    );
}

/// `dcnc init` never overwrites: an existing spec or schema stops it before it writes anything;
/// an existing .gitignore is kept and the line to add is shown.
#[test]
fn init_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    for existing in ["dcn.yaml", "dcn.schema.json"] {
        let _ = fs::remove_file(tmp.path().join("dcn.yaml"));
        let _ = fs::remove_file(tmp.path().join("dcn.schema.json"));
        fs::write(tmp.path().join(existing), "mine").unwrap();
        let o = dcnc(&["init", d]);
        assert_eq!(o.status.code(), Some(2), "{existing}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("exists"));
        assert_eq!(
            fs::read_to_string(tmp.path().join(existing)).unwrap(),
            "mine"
        );
        assert_eq!(
            fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "nothing else written"
        );
    }
    fs::remove_file(tmp.path().join("dcn.schema.json")).unwrap();
    fs::write(tmp.path().join(".gitignore"), "target/\n").unwrap();
    let o = dcnc_env(&["init", d], &[]);
    assert!(o.status.success());
    assert_eq!(
        fs::read_to_string(tmp.path().join(".gitignore")).unwrap(),
        "target/\n"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("add this line to it"));
    // A dangling symlink at the spec's name is not followed.
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(tmp.path().join("elsewhere"), tmp.path().join("dcn.yaml")).unwrap();
    let o = dcnc(&["init", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!tmp.path().join("elsewhere").exists());
}
