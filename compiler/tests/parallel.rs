//! Rendering on several threads gives the same tree, byte for byte, as rendering on one: for
//! every good spec under `fixtures/` and `e2e/specs/` on every target it compiles for, and for
//! `scripts/gen-spec.py`'s specs around and well above the size from which the stacks are split
//! between threads.

use std::fs;
use std::path::{Path, PathBuf};

use dcnc::kinds::TargetName;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

const TARGETS: &[TargetName] = &[
    TargetName::Wallaby,
    TargetName::UssuriPoc,
    TargetName::Ussuri,
    TargetName::Tht18,
];

/// `scripts/gen-spec.py n`: a spec with `n` edges, each in its own subnet.
fn generated(n: usize) -> String {
    let o = std::process::Command::new("python3")
        .arg(root().join("scripts/gen-spec.py"))
        .arg(n.to_string())
        .output()
        .expect("python3 runs scripts/gen-spec.py");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn assert_same(name: &str, text: &str, target: TargetName) -> bool {
    let Ok(c) = dcnc::compile(text, Some(target)) else {
        return false;
    };
    let serial = dcnc::emit::emit_with(&c.deployment, &c.plan, 1);
    for threads in [2, 3, 8] {
        let parallel = dcnc::emit::emit_with(&c.deployment, &c.plan, threads);
        assert_eq!(
            serial.keys().collect::<Vec<_>>(),
            parallel.keys().collect::<Vec<_>>(),
            "{name} ({target:?}) on {threads} threads: other paths"
        );
        for (path, a) in &serial {
            assert!(
                parallel[path] == *a,
                "{name} ({target:?}) on {threads} threads: {path} differs"
            );
        }
    }
    assert_eq!(
        serial,
        dcnc::emit::emit(&c.deployment, &c.plan),
        "{name} ({target:?}) on the default threads"
    );
    true
}

#[test]
fn a_parallel_render_is_byte_identical_to_a_serial_one() {
    let mut compiled = 0;
    for dir in ["fixtures", "e2e/specs"] {
        for e in fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|e| e == "yaml") {
                let text = fs::read_to_string(&p).unwrap();
                for &t in TARGETS {
                    compiled += usize::from(assert_same(&p.display().to_string(), &text, t));
                }
            }
        }
    }
    assert!(compiled > 10, "only {compiled} fixture builds compiled");
    for n in [15, 16, 17, 120] {
        for &t in TARGETS {
            assert!(
                assert_same(&format!("generated {n}"), &generated(n), t),
                "the generated spec with {n} edges compiles for {t:?}"
            );
        }
    }
}
