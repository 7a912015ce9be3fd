//! Every stack's Ceph works as deployed: properties of the generated tree, over every spec under
//! `fixtures/` and `e2e/specs/` and every TripleO target (not only the targets a fixture's header
//! names: a fixture that does not compile for a target is skipped, one that does is checked).
//!
//! - A stack whose roles run Ceph OSDs gets the THT environment that deploys its own cluster.
//! - A stack without a cluster of its own (central on an external cluster, the central compute
//!   stack) gets the client environment and every parameter it needs: `CephExternalMonHost` (the
//!   cluster's mons), `CephClusterFSID`, `CephClusterName`, and a `CephClientKey` that a generated
//!   script writes into the file its deploy.sh passes.
//! - The THT environments of each deploy.sh are the ones `dcnc targets --format json` names for
//!   that kind of stack, in its order.
//!
//! The expectations are read from the target tables as `dcnc targets` prints them and from the
//! tree, not from the emitter's own functions.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use dcnc::emit::Tree;
use dcnc::kinds::Platform;
use dcnc::model::{Deployment, Site, SiteKind};
use dcnc::target::{self, Target};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every good spec: `fixtures/*.yaml` and `e2e/specs/*.yaml` (but the one meant to fail).
fn specs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["fixtures", "e2e/specs"] {
        for e in fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|e| e == "yaml") && !p.ends_with("bad-glance-user.yaml") {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

/// The targets a fixture's `# dcnc-test: targets=` header names (they must compile).
fn header_targets(text: &str) -> Vec<String> {
    (text.lines().take_while(|l| l.starts_with('#')))
        .filter_map(|l| l.strip_prefix("# dcnc-test: targets="))
        .flat_map(|t| t.split(',').map(|s| s.trim().to_string()))
        .collect()
}

/// `dcnc targets --format json`, by id.
fn printed_targets() -> BTreeMap<String, serde_json::Value> {
    let o = Command::new(env!("CARGO_BIN_EXE_dcnc"))
        .args(["targets", "--format", "json"])
        .output()
        .expect("dcnc runs");
    assert!(o.status.success());
    let all: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    (all.into_iter())
        .map(|t| (t["id"].as_str().unwrap().to_string(), t))
        .collect()
}

fn strs(v: &serde_json::Value) -> Vec<String> {
    (v.as_array().unwrap().iter())
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The `-e "${THT}/..."` files of a deploy.sh, in order.
fn tht_environments(deploy: &str) -> Vec<String> {
    (deploy.lines())
        .filter_map(|l| l.trim().strip_prefix("-e \"${THT}/"))
        .map(|f| f.trim_end_matches('"').to_string())
        .collect()
}

/// The `-e "$WORK/..."` files of a deploy.sh.
fn work_files(deploy: &str) -> Vec<String> {
    (deploy.lines())
        .filter_map(|l| l.trim().strip_prefix("-e \"$WORK/"))
        .map(|f| f.trim_end_matches('"').to_string())
        .collect()
}

fn file<'a>(tree: &'a Tree, path: &str, ctx: &str) -> &'a str {
    match tree.get(path) {
        Some(a) => &a.content,
        None => panic!("{ctx}: no {path} in the tree"),
    }
}

/// `parameter_defaults` of an env file of the tree.
fn parameters(tree: &Tree, path: &str, ctx: &str) -> serde_json::Map<String, serde_json::Value> {
    let doc: serde_json::Value = serde_saphyr::from_str(file(tree, path, ctx))
        .unwrap_or_else(|e| panic!("{ctx}: {path} is not YAML: {e}"));
    match doc.get("parameter_defaults") {
        Some(serde_json::Value::Object(m)) => m.clone(),
        _ => panic!("{ctx}: {path} has no parameter_defaults map"),
    }
}

/// The roles of `site` that run Ceph OSDs on at least one node.
fn osd_roles<'a>(t: &Target, site: &'a Site) -> Vec<&'a str> {
    (site.roles.iter())
        .filter(|r| r.count > 0 && t.role(r.tht_role()).is_some_and(|i| i.ceph_osd))
        .map(|r| r.name.as_str())
        .collect()
}

/// The mon addresses of a site as the spec gives them (ports and protocol prefixes kept: they
/// become ceph.conf's `mon host`).
fn mon_addrs(site: &Site) -> Vec<String> {
    (site.mons.iter()).map(|m| m.to_string()).collect()
}

fn check_stack(d: &Deployment, tree: &Tree, printed: &serde_json::Value, site: &Site, ctx: &str) {
    let t = d.target;
    let ctx = &format!("{ctx}: stack {}", site.stack);
    let dir = format!("stacks/{}", site.stack);
    let deploy = file(tree, &format!("{dir}/deploy.sh"), ctx);
    let envs = tht_environments(deploy);
    let own_env = printed["ceph_environment"].as_str().unwrap();
    let client_env = printed["external_ceph_environment"].as_str().unwrap();
    let own = envs.iter().any(|e| e == own_env);
    let client = envs.iter().any(|e| e == client_env);
    assert!(
        own != client,
        "{ctx}: exactly one of {own_env} and {client_env}, got {envs:?}"
    );

    // The THT environments are what `dcnc targets` says, in its order.
    let mut want = strs(&printed["base_environments"]);
    want.push(if own { own_env } else { client_env }.to_string());
    if site.kind != SiteKind::Central {
        want.push(printed["dcn_environment"].as_str().unwrap().to_string());
    }
    assert_eq!(envs, want, "{ctx}: THT environments vs `dcnc targets`");

    let osds = osd_roles(t, site);
    if !osds.is_empty() {
        assert!(
            own,
            "{ctx}: roles {osds:?} run Ceph OSDs, but deploy.sh passes {client_env}, which deploys no cluster"
        );
    }
    let params = parameters(tree, &format!("{dir}/env/ceph.yaml"), ctx);
    assert_eq!(params["CephClusterName"], site.cluster.as_str(), "{ctx}");
    assert_eq!(params["CephClusterFSID"], site.fsid.as_str(), "{ctx}");
    if own {
        assert!(
            !osds.is_empty(),
            "{ctx}: deploys its own cluster {} with no role that runs Ceph OSDs",
            site.cluster
        );
        assert!(
            !params.contains_key("CephExternalMonHost"),
            "{ctx}: its own cluster, but env/ceph.yaml sets CephExternalMonHost"
        );
        return;
    }
    // A client of a cluster deployed outside TripleO: mons and key.
    let mons = params
        .get("CephExternalMonHost")
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("{ctx}: {client_env} without CephExternalMonHost"));
    let got: Vec<&str> = mons.split(',').map(str::trim).collect();
    assert_eq!(got, mon_addrs(site), "{ctx}: CephExternalMonHost");
    let writes_key = |f: &str| {
        tree.iter().any(|(path, a)| {
            path.ends_with(".sh") && a.content.contains(f) && a.content.contains("CephClientKey:")
        })
    };
    let key_files = work_files(deploy);
    assert!(
        key_files.iter().any(|f| writes_key(f)),
        "{ctx}: {client_env} needs CephClientKey, but no generated script writes it into any of the $WORK files deploy.sh passes ({key_files:?})"
    );
}

#[test]
fn every_stack_gets_the_ceph_environment_it_deploys_with() {
    let printed = printed_targets();
    let mut checked = 0;
    let mut stacks = 0;
    for spec in specs() {
        let text = fs::read_to_string(&spec).unwrap();
        let name = spec.file_name().unwrap().to_string_lossy().into_owned();
        let must = header_targets(&text);
        for t in target::ALL
            .iter()
            .filter(|t| t.platform == Platform::TripleO)
        {
            let ctx = format!("{name} --target {}", t.id);
            let compiled = match dcnc::compile(&text, Some(t.name)) {
                Ok(c) => c,
                Err(diags) => {
                    assert!(
                        !must.iter().any(|m| m == t.id),
                        "{ctx}: its header names the target, but it does not compile: {diags:?}"
                    );
                    continue;
                }
            };
            let d = &compiled.deployment;
            let tree = compiled.emit();
            let printed = &printed[t.id];
            for site in d.sites.iter().chain(&d.central_compute) {
                check_stack(d, &tree, printed, site, &ctx);
                stacks += 1;
            }
            checked += 1;
        }
    }
    // Every fixture builds for at least the targets it names, and most for all four.
    assert!(
        checked >= 30,
        "only {checked} fixture/target pairs compiled"
    );
    eprintln!("{checked} fixture/target pairs, {stacks} stacks checked");
}

/// The property catches the bug it was written for: an edge given the client environment (as
/// every edge was when central's cluster was external) fails it.
#[test]
fn an_edge_on_the_client_environment_fails_the_property() {
    let text = fs::read_to_string(root().join("fixtures/external-central.yaml")).unwrap();
    let compiled = dcnc::compile(&text, Some(dcnc::kinds::TargetName::Wallaby)).unwrap();
    let d = &compiled.deployment;
    let mut tree = compiled.emit();
    let edge = &d.edges()[0];
    let path = format!("stacks/{}/deploy.sh", edge.stack);
    let art = tree.get_mut(&path).unwrap();
    art.content = art.content.replace(
        d.target.ceph_environment,
        d.target.external_ceph_environment,
    );
    let printed = printed_targets();
    let caught = std::panic::catch_unwind(|| {
        check_stack(d, &tree, &printed[d.target.id], edge, "broken");
    });
    let msg = caught.expect_err("the broken edge passes the property");
    let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("run Ceph OSDs"), "{msg}");
}
