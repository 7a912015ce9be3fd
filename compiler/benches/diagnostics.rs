//! Benchmarks of diagnostic rendering (reliability finding 3.20: rendering was quadratic in the
//! length of a line, 37 s for a 900 KB spec): every format over a 1 MB spec with an error on
//! every line, and over a 300 KB spec whose 100,000 errors sit on one line.
//!
//!     cargo bench --bench diagnostics              # full run
//!     cargo bench --bench diagnostics -- --quick   # smoke
//!
//! `human` is measured without the CLI's cap on the diagnostics shown, so it shows the
//! renderer's own cost; `human_capped` is what `dcnc check` prints.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use dcnc::diag::{self, Diagnostic, Style};

const HEAD: &str = "central:\n  fsid: 6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60\n  mons: [10.0.0.1]\nedges:\n  - name: dcn0\n    fsid: 7b0d8f63-3c20-4f1b-8d66-2e304b5c6d71\n    mons: [172.16.13.10]\n    glance_api: 172.16.13.212\n";

/// An unknown import method on every line, up to `bytes`.
fn per_line(bytes: usize) -> String {
    let mut s = format!("{HEAD}glance:\n  import_methods:\n");
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&format!("    - zz{i}\n"));
        i += 1;
    }
    s
}

/// `n` unknown import methods on one line.
fn one_line(n: usize) -> String {
    format!(
        "{HEAD}glance: {{import_methods: [{}]}}\n",
        vec!["zz"; n].join(",")
    )
}

fn diagnostics(text: &str) -> Vec<Diagnostic> {
    match dcnc::compile(text, None) {
        Err(d) => d,
        Ok(c) => c.diagnostics,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--quick") || !args.iter().any(|a| a == "--bench");
    let mut c = Criterion::default()
        .without_plots()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(if smoke { 100 } else { 500 }))
        .measurement_time(Duration::from_millis(if smoke { 300 } else { 3000 }))
        .configure_from_args();
    let cases = [
        ("per_line_1MB", per_line(1_000_000)),
        ("one_line_100k", one_line(100_000)),
    ];
    for (name, text) in &cases {
        let diags = diagnostics(text);
        assert!(diags.len() > 50_000, "{name}: {} diagnostics", diags.len());
        let mut g = c.benchmark_group(format!("render/{name}"));
        g.sampling_mode(SamplingMode::Flat)
            .throughput(Throughput::Elements(diags.len() as u64));
        let uncapped = Style::default();
        let capped = Style {
            color: false,
            limit: Some(dcnc::cli::HUMAN_LIMIT),
        };
        g.bench_function("human", |b| {
            b.iter(|| diag::render_human("f.yaml", black_box(text), &diags, uncapped))
        });
        g.bench_function("human_capped", |b| {
            b.iter(|| diag::render_human("f.yaml", black_box(text), &diags, capped))
        });
        g.bench_function("short", |b| {
            b.iter(|| diag::render_short("f.yaml", black_box(&diags)))
        });
        g.bench_function("github", |b| {
            b.iter(|| diag::render_github("f.yaml", black_box(&diags)))
        });
        g.bench_function("json", |b| {
            b.iter(|| diag::render_json("f.yaml", black_box(&diags)))
        });
        g.finish();
    }
    c.final_summary();
}
