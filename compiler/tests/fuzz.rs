//! A stable-Rust fuzzer over parse -> check -> graph -> emit, and the property that anything
//! `check` accepts builds, byte-identically twice.
//!
//! Inputs are mutations of every fixture (byte flips, line splices, duplicated and dropped
//! lines, interesting tokens) and specs generated from the grammar with random values. Any panic
//! fails the test and prints the input; save it under `fixtures/fuzz/` (those always run first).
//! The budget is `DCNC_FUZZ_SECS` seconds (default 3; CI runs 60).

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: small, deterministic, good enough to drive mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn corpus() -> Vec<String> {
    let mut out = Vec::new();
    for dir in [
        "fixtures",
        "fixtures/bad",
        "fixtures/changes",
        "fixtures/fuzz",
    ] {
        let Ok(entries) = fs::read_dir(root().join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for p in paths {
            if p.extension().is_some_and(|e| e == "yaml") {
                let bytes = fs::read(&p).unwrap();
                if bytes.len() < 200_000 {
                    out.push(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
    }
    out
}

const TOKENS: &[&str] = &[
    "",
    "~",
    "null",
    "true",
    "no",
    "0",
    "-1",
    "4294967296",
    "1e309",
    "[]",
    "{}",
    "[[[",
    "]]",
    "&a",
    "*a",
    "<<: *a",
    "!!binary",
    "'",
    "\"",
    "\\",
    "\t",
    "\u{0}",
    "\u{feff}",
    "é",
    "../..",
    "/etc/passwd",
    "os_glance_x",
    "client.x",
    "osd: profile rbd",
    "a-b",
    "::",
    "[::1]:99999",
    "255.255.255.256",
    "172.16.0.1:0",
    "http://",
    "DistributedComputeHCI",
    "control-plane",
    "central",
    "dcn0",
    "%index%",
    "$HOME",
    "`id`",
    "'; rm -rf /; '",
    "${X}",
    "{cluster}",
];

/// Hostile text for string fields, as YAML scalars (escapes give control characters): the
/// fuzzer then checks that whatever `check` accepts renders (the emit filters refuse what they
/// cannot carry, which would panic) and writes.
const HOSTILE: &[&str] = &[
    r#""x\ny""#,
    r#""a\rb""#,
    r#""x\r[DEFAULT]\rdebug = True""#,
    r#""\u001b[31mred""#,
    r#""x\u007fy""#,
    r#""\u0085""#,
    r#""a\u2028b""#,
    r#""\u202eevil""#,
    r#""\ttab""#,
    r#""$(touch /tmp/dcnc-fuzz-pwned)""#,
    r#""$(touch${IFS}/tmp/dcnc-fuzz-pwned)""#,
    r#""`id`""#,
    r#""x}""#,
    r#""x\\""#,
    r#""a # b""#,
    r#""a: b""#,
    r#""*x""#,
    r#""&x""#,
    r#""!x""#,
    r#""]""#,
    r#""[x]""#,
    r#""INI""#,
    r#""CONF""#,
    r#""${IFS}""#,
    r#""$HOME/x""#,
    r#""  pad  ""#,
    r#""'q'""#,
    r#""\"q\"""#,
    r#""1e20""#,
    "1e20",
    "18446744073709551616",
    r#""AQBvaBFZAAAAABAA9VHgwCg3rWn8fMaX8KL01A==""#,
    r#""ünïcødé ☃ 𝄞""#,
];

fn mutate(rng: &mut Rng, input: &str, corpus: &[String]) -> String {
    let mut lines: Vec<String> = input.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(4) {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = rng.below(lines.len());
        match rng.below(8) {
            0 => {
                // flip a byte, keeping the text valid UTF-8
                let mut b = lines[i].clone().into_bytes();
                if !b.is_empty() {
                    let j = rng.below(b.len());
                    b[j] = b[j].wrapping_add(1 + rng.below(40) as u8);
                }
                lines[i] = String::from_utf8_lossy(&b).into_owned();
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                lines.remove(i);
            }
            3 => {
                // replace the value after a colon
                if let Some((k, _)) = lines[i].clone().split_once(": ") {
                    let v = if rng.below(2) == 0 {
                        rng.pick(TOKENS)
                    } else {
                        rng.pick(HOSTILE)
                    };
                    lines[i] = format!("{k}: {v}");
                }
            }
            4 => {
                let other = rng.pick(corpus);
                let src: Vec<&str> = other.lines().collect();
                if !src.is_empty() {
                    let j = rng.below(src.len());
                    let n = 1 + rng.below(6);
                    for (k, l) in src[j..(j + n).min(src.len())].iter().enumerate() {
                        lines.insert((i + k).min(lines.len()), l.to_string());
                    }
                }
            }
            5 => {
                // change indentation
                let l = lines[i].trim_start().to_string();
                lines[i] = format!("{}{l}", " ".repeat(rng.below(9)));
            }
            6 => {
                let pos = rng.below(lines[i].len() + 1);
                if lines[i].is_char_boundary(pos) {
                    let t = *rng.pick(TOKENS);
                    lines[i].insert_str(pos, t);
                }
            }
            _ => {
                lines.truncate(i);
            }
        }
    }
    lines.join("\n")
}

/// A random spec from the grammar: mostly valid, sometimes slightly off.
fn generate(rng: &mut Rng) -> String {
    let val = |rng: &mut Rng, good: &str| -> String {
        if rng.below(12) == 0 {
            rng.pick(TOKENS).to_string()
        } else {
            good.to_string()
        }
    };
    // A string field: hostile a third of the time.
    let text = |rng: &mut Rng, good: &str| -> String {
        if rng.below(3) == 0 {
            rng.pick(HOSTILE).to_string()
        } else {
            good.to_string()
        }
    };
    let mut s = String::new();
    if rng.below(2) == 0 {
        s.push_str(&format!("target: {}\n", {
            let t = *rng.pick(&["wallaby", "ussuri-poc", "ussuri", "tht-18"]);
            val(rng, t)
        }));
    }
    for (field, good) in [
        ("region", "regionOne"),
        ("tht", "/usr/share/tht"),
        ("work_dir", "$HOME/w"),
    ] {
        if rng.below(3) == 0 {
            s.push_str(&format!("{field}: {}\n", text(rng, good)));
        }
    }
    if rng.below(3) == 0 {
        s.push_str(&format!("ceph:\n  conf_dir: {}\n", text(rng, "/etc/ceph")));
    }
    if rng.below(3) == 0 {
        s.push_str(&format!(
            "glance:\n  import_methods: [{}]\n  client_user: {}\n",
            val(rng, "glance-direct, copy-image"),
            {
                let u = *rng.pick(&["openstack", "'{cluster}.glance'"]);
                val(rng, u)
            }
        ));
    }
    s.push_str(&format!(
        "central:\n  fsid: {}\n  mons: [{}]\n",
        val(rng, "6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60"),
        val(rng, "10.0.0.1")
    ));
    if rng.below(3) == 0 {
        s.push_str(&format!(
            "  cluster: {}\n  stack: {}\n",
            val(rng, "central"),
            val(rng, "control-plane")
        ));
    }
    if rng.below(3) == 0 {
        s.push_str(&format!(
            "  store: {{description: {}}}\n  ntp: [{}]\n  environment_files: [{}]\n",
            text(rng, "central store"),
            text(rng, "pool.ntp.org"),
            text(rng, "/home/stack/x.yaml")
        ));
    }
    let n = rng.below(6);
    if n > 0 {
        s.push_str("edges:\n");
    }
    for i in 0..n {
        let name = val(rng, &format!("dcn{i}"));
        s.push_str(&format!(
            "  - name: {name}\n    fsid: {}\n    mons: [{}]\n    glance_api: {}\n",
            val(rng, &format!("00000000-0000-4000-8000-{:012x}", i + 1)),
            val(rng, &format!("10.1.{i}.1")),
            val(rng, &format!("10.2.{i}.1"))
        ));
        if rng.below(4) == 0 {
            s.push_str(&format!("    stores: [{}]\n", val(rng, "central")));
        }
        if rng.below(4) == 0 {
            s.push_str(&format!(
                "    roles:\n      - {{name: {}, count: {}, hint: {}, flavor: {}}}\n",
                val(rng, "DistributedComputeHCI"),
                val(rng, "1"),
                text(rng, "h-%index%"),
                text(rng, "baremetal")
            ));
        }
        if rng.below(4) == 0 {
            s.push_str(&format!(
                "    az: {}\n    store: {{description: {}}}\n",
                text(rng, &format!("az{i}")),
                text(rng, "edge store")
            ));
        }
        if rng.below(4) == 0 {
            s.push_str(&format!(
                "    parameters:\n      ExtraText: {}\n      ExtraMap: {{k: [{}]}}\n",
                text(rng, "t"),
                text(rng, "n")
            ));
        }
        if rng.below(5) == 0 {
            s.push_str(&format!(
                "    parameters:\n      {}: {}\n",
                val(rng, "CinderVolumeCluster"),
                val(rng, &name)
            ));
        }
    }
    s
}

/// Runs the whole in-memory pipeline; returns whether the spec was accepted.
fn exercise(text: &str) -> bool {
    match dcnc::compile(text, None) {
        Ok(c) => {
            let a = c.emit();
            let b = dcnc::compile(text, None).expect("accepted twice").emit();
            assert!(a == b, "two builds of one spec differ");
            let _ = dcnc::graph::to_dot(&c.plan);
            // The costlier checks on a sample: planning, and writing the tree to disk.
            if a.len() % 7 == 0 {
                let p = dcnc::plan::plan_change(&c, &c);
                assert!(p.run.is_empty(), "a spec against itself needs nothing");
                let dir = tempfile::tempdir().unwrap();
                let out = dir.path().join("out");
                dcnc::write::write_tree(&a, &out, false).expect("an accepted tree writes");
                assert!(dcnc::write::check_tree(&a, &out).unwrap().is_clean());
            }
            true
        }
        Err(diags) => {
            assert!(!diags.is_empty(), "rejected without a diagnostic");
            assert!(
                dcnc::diag::has_errors(&diags),
                "rejected with warnings only"
            );
            let _ = dcnc::diag::render_human("f.yaml", text, &diags, Default::default());
            let _ = dcnc::diag::render_json("f.yaml", &diags);
            let _ = dcnc::diag::render_short("f.yaml", &diags);
            let _ = dcnc::diag::render_github("f.yaml", &diags);
            false
        }
    }
}

#[test]
fn fuzz_the_pipeline() {
    let secs: u64 = std::env::var("DCNC_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("DCNC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let corpus = corpus();
    assert!(corpus.len() > 10, "the fixtures are the seed corpus");
    let mut rng = Rng(seed);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut runs, mut accepted) = (0u64, 0u64);
    // The corpus itself first, then mutations and generated specs until the budget is spent.
    let mut queue: Vec<String> = corpus.clone();
    loop {
        let input = match queue.pop() {
            Some(i) => i,
            None if Instant::now() >= deadline => break,
            None if runs % 2 == 0 => generate(&mut rng),
            None => {
                let base = rng.pick(&corpus).clone();
                mutate(&mut rng, &base, &corpus)
            }
        };
        let result = catch_unwind(AssertUnwindSafe(|| exercise(&input)));
        match result {
            Ok(ok) => accepted += ok as u64,
            Err(_) => panic!(
                "dcnc panicked on this input (save it under fixtures/fuzz/):\n-----\n{input}\n-----"
            ),
        }
        runs += 1;
    }
    println!("fuzz: {runs} executions in {secs} s, {accepted} accepted, seed {seed}, 0 crashes");
    assert!(
        accepted > 0 && accepted < runs,
        "the inputs reach both outcomes"
    );
}
