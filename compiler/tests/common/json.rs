//! `--message-format json` output, read against the documented schema: every stdout line must be
//! one JSON object valid under `schema/dcnc-messages.schema.json` (by a JSON Schema validator,
//! boon, draft 2020-12) and readable as `dcnc::cli::message::Message`, with nothing on stderr
//! and one `summary` line last that carries the process's exit code. Shared by the tests that run
//! the binary (`#[path = "common/json.rs"] mod json;`): each of their runs without
//! `--message-format` is run again with `--message-format json` and read by [`json_twin`].

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use dcnc::cli::message::Message;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The committed message schema, compiled once per test thread (`committed_schema_is_current`
/// in tests/cli.rs keeps it what the `Message` type generates).
fn compile_schema() -> (boon::Schemas, boon::SchemaIndex) {
    let path = root().join("schema/dcnc-messages.schema.json");
    let mut schemas = boon::Schemas::new();
    let index = boon::Compiler::new()
        .compile(path.to_str().unwrap(), &mut schemas)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (schemas, index)
}

thread_local! {
    static SCHEMA: (boon::Schemas, boon::SchemaIndex) = compile_schema();
}

/// Why `value` is not a line of the schema, if it is not.
fn schema_error(value: &serde_json::Value) -> Option<String> {
    SCHEMA.with(|(schemas, index)| {
        schemas
            .validate(value, *index)
            .err()
            .map(|e| format!("{e:#}"))
    })
}

/// Every stdout line of a `--message-format json` run, checked against the schema and read as
/// the documented message type: nothing on stderr, and a last `summary` line with the process's
/// exit code. Panics, naming the command and the line, on anything else.
pub fn json_lines<S: AsRef<OsStr>>(args: &[S], o: &Output) -> Vec<Message> {
    let args: Vec<String> = (args.iter())
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    assert!(
        o.stderr.is_empty(),
        "{args:?}: nothing on stderr, got {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8(o.stdout.clone()).expect("JSON is UTF-8");
    assert!(stdout.ends_with('\n'), "{args:?}: lines end with a newline");
    let lines: Vec<Message> = (stdout.lines())
        .map(|l| {
            let value: serde_json::Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{args:?}: not a JSON line ({e}): {l}"));
            if let Some(e) = schema_error(&value) {
                panic!("{args:?}: a line not of schema/dcnc-messages.schema.json ({e}): {l}");
            }
            serde_json::from_value(value)
                .unwrap_or_else(|e| panic!("{args:?}: not a message line ({e}): {l}"))
        })
        .collect();
    let summaries = (lines.iter())
        .filter(|m| matches!(m, Message::Summary(_)))
        .count();
    assert_eq!(summaries, 1, "{args:?}: one summary");
    match lines.last() {
        Some(Message::Summary(s)) => assert_eq!(
            Some(i32::from(s.exit_code)),
            o.status.code(),
            "{args:?}: the summary's exit code"
        ),
        other => panic!("{args:?}: the last line is the summary, not {other:?}"),
    }
    lines
}

/// Runs the binary with `args` and `--message-format json` (in `dir`, with `env`), and checks
/// that it exits as `plain` (the same command's run without the flag) did and speaks only JSON.
pub fn json_twin<S: AsRef<OsStr>>(
    args: &[S],
    dir: &Path,
    env: &[(&str, &str)],
    plain: &Output,
) -> Vec<Message> {
    let mut a: Vec<&OsStr> = args.iter().map(|s| s.as_ref()).collect();
    a.extend([OsStr::new("--message-format"), OsStr::new("json")]);
    let mut c = Command::new(env!("CARGO_BIN_EXE_dcnc"));
    c.args(&a).current_dir(dir).stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("dcnc runs");
    assert_eq!(
        o.status.code(),
        plain.status.code(),
        "{a:?}: the same exit code as without --message-format json"
    );
    json_lines(&a, &o)
}
