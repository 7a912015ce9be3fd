//! Bounded resources (reliability audit 3.17–3.19): a small spec cannot make dcnc generate an
//! unbounded tree. Each case failed before the bounds: it was accepted, and `build` used
//! gigabytes (3.19: a 10 MB `edge_defaults` value copied into 100 edges: 2.4 GB RSS).

use dcnc::diag::Code;

// An OSD disk and one copy: the sites pass the Ceph checks (DCN060, DCN061) at any size.
const CENTRAL: &str = "ceph: {osd_devices: [/dev/sdb], pool_default_size: 1}\ncentral:\n  fsid: 6a9c7e52-2b1f-4e0a-9c55-1d2f3a4b5c60\n  mons: [10.0.0.1]\n";

fn edges(n: usize) -> String {
    let mut text = String::from("edges:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - name: e{i}\n    fsid: 00000000-0000-4000-8000-{i:012x}\n    mons: [10.1.{}.{}]\n    glance_api: 10.2.0.1\n",
            i / 250,
            i % 250 + 1
        ));
    }
    text
}

/// The error codes of `text`, with their lines.
fn errors(text: &str) -> Vec<(Code, u32)> {
    match dcnc::compile(text, None) {
        Ok(_) => Vec::new(),
        Err(diags) => (diags.iter())
            .filter(|d| d.severity == dcnc::diag::Severity::Error)
            .map(|d| (d.code, d.span.map_or(0, |s| s.line)))
            .collect(),
    }
}

#[test]
fn a_value_copied_into_every_edge_is_bounded_in_total() {
    // 60 KB fits one parameter; copied into 300 edge stacks it is 18 MB of environment files.
    let blob = "x".repeat(60 * 1024);
    let text = format!(
        "{CENTRAL}edge_defaults:\n  parameters:\n    Blob: {blob}\n{}",
        edges(300)
    );
    assert_eq!(errors(&text), [(Code::TooLarge, 7)]);
    // The same value at 200 edges (12 MB) is fine.
    let text = format!(
        "{CENTRAL}edge_defaults:\n  parameters:\n    Blob: {blob}\n{}",
        edges(200)
    );
    assert_eq!(errors(&text), []);
}

#[test]
fn one_parameter_value_is_bounded() {
    let blob = "x".repeat(65 * 1024);
    let text = format!("{CENTRAL}  parameters:\n    Blob: {blob}\n{}", edges(1));
    assert_eq!(errors(&text), [(Code::TooLarge, 6)]);
}

#[test]
fn node_counts_are_bounded_per_role_and_per_stack() {
    let roles = |counts: &[(&str, u64)]| {
        let list: Vec<String> = (counts.iter())
            .map(|(n, c)| format!("{{name: {n}, count: {c}}}"))
            .collect();
        format!(
            "target: tht-18\n{CENTRAL}  roles: [{}]\n{}",
            list.join(", "),
            edges(1)
        )
    };
    assert_eq!(
        errors(&roles(&[("Controller", 4_000_000_000), ("ComputeHCI", 1)])),
        [(Code::TooLarge, 6)]
    );
    assert_eq!(
        errors(&roles(&[("Controller", 3), ("ComputeHCI", 1000)])),
        [(Code::TooLarge, 6)]
    );
    assert_eq!(
        errors(&roles(&[("Controller", 3), ("ComputeHCI", 997)])),
        []
    );
}
