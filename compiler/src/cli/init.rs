//! `dcnc init [DIR]`: a commented starter `dcn.yaml` (from `compiler/templates/init/`), the
//! spec's JSON schema beside it for editors, and a `.gitignore` for dcnc's temporary directories.
//! Every value only the user knows is a placeholder that `dcnc check` reports (DCN063) until it
//! is filled in; the optional fields are comments with their defaults, taken from the schema, so
//! they cannot drift from it. Nothing that exists is overwritten.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use super::message::{FileLine, Message};
use super::output::{Failure, Reporter};
use crate::kinds::TargetName;

/// `dcnc init`'s arguments.
#[derive(clap::Args)]
pub struct InitArgs {
    /// The directory of the config repository (made if missing)
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// How many edge sites to start with (named dcn0, dcn1, ...)
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(0..=500))]
    edges: u16,
    /// The release target
    #[arg(long, value_parser = super::args::target_parser())]
    target: Option<TargetName>,
    /// How edges get images
    #[arg(long, value_enum)]
    topology: Option<TopologyArg>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum TopologyArg {
    /// Every site's Ceph is a Glance store; images are copied to the edges
    Multistore,
    /// Central Glance on swift; an image cache in each edge's Glance
    GlanceCache,
}

const TEMPLATE: &str = include_str!("../../templates/init/dcn.yaml.j2");

/// What `dcnc build` leaves beside an output directory that is not the tree: the stat record of
/// the last build (local state of this checkout: a clone has none and checks by hashing) and
/// what an interrupted build leaves (the next build removes it); a config repository ignores
/// them.
const GITIGNORE: &str = "# Left beside an output directory by `dcnc build`: .NAME.dcnc-stat, the record of the last\n# build in this checkout (local state: a clone has none, and checks by reading the files), and\n# what an interrupted build leaves (the next build removes it). Never commit them.\n.*.dcnc-*\n";

pub fn init(r: Reporter, a: InitArgs) -> ExitCode {
    let target = crate::target::Target::get(a.target.unwrap_or_else(crate::spec::defaults::target));
    // A target of the operators (rhoso-18) compiles only multistore (check/rhoso.rs).
    if target.operators.is_some() && matches!(a.topology, Some(TopologyArg::GlanceCache)) {
        let text = format!(
            "target `{}` compiles only the multistore topology: leave out --topology glance-cache",
            target.id
        );
        r.failure(&Failure::new("usage", None, text));
        return r.finish(2, |_| {});
    }
    let spec = match starter(&a) {
        Ok(s) => s,
        Err(e) => {
            r.failure(&Failure::new("template", None, e));
            return r.finish(2, |_| {});
        }
    };
    let schema = crate::spec::json_schema();
    let files: [(&str, &str); 2] = [("dcn.yaml", &spec), ("dcn.schema.json", &schema)];
    // Refuse before writing anything, so a refusal leaves the directory as it was.
    for (name, _) in files {
        let path = a.dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok() {
            r.failure(&Failure::new(
                "exists",
                Some(&path),
                format!(
                    "{} exists; dcnc init writes only into a directory without dcn.yaml and dcn.schema.json",
                    path.display()
                ),
            ));
            return r.finish(2, |_| {});
        }
    }
    let mut written = Vec::new();
    let gitignore = a.dir.join(".gitignore");
    let mut todo: Vec<(&str, &str)> = files.to_vec();
    if std::fs::symlink_metadata(&gitignore).is_err() {
        todo.push((".gitignore", GITIGNORE));
    }
    if let Err(e) = std::fs::create_dir_all(&a.dir) {
        r.failure(&Failure::new(
            "io",
            Some(&a.dir),
            format!("{}: {e}", a.dir.display()),
        ));
        return r.finish(2, |_| {});
    }
    for (name, text) in todo {
        match super::files::create(&a.dir, name, text.as_bytes()) {
            Ok(p) => written.push(p),
            Err(e) => {
                let path = a.dir.join(name);
                r.failure(&Failure::new(
                    "io",
                    Some(&path),
                    format!("{}: {e}", path.display()),
                ));
                return r.finish(2, |_| {});
            }
        }
    }
    if r.json() {
        for p in &written {
            r.message(&Message::File(FileLine {
                path: p.display().to_string(),
            }));
        }
    }
    r.text(&note(
        &a.dir,
        &written,
        gitignore.exists() && !written.contains(&gitignore),
    ));
    r.finish(0, |_| {})
}

/// What to do next, for people.
fn note(dir: &Path, written: &[PathBuf], kept_gitignore: bool) -> String {
    let spec = dir.join("dcn.yaml");
    let shown: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    let mut s = format!("wrote {}\n\nNext:\n", shown.join(", "));
    s.push_str(&format!(
        "  1. fill in every \"<fill me in: ...>\" in {0}; `dcnc check {0}` lists those left,\n     then the warnings to answer (`dcnc explain CODE`): CI denies them\n",
        spec.display()
    ));
    s.push_str(&format!(
        "  2. dcnc build {} -o {}\n",
        spec.display(),
        dir.join("deploy").display()
    ));
    s.push_str("  3. commit dcn.yaml, dcn.schema.json, .gitignore and deploy/ (its .dcnc-manifest too):\n     CI runs `dcnc check dcn.yaml --deny-warnings` and `dcnc build dcn.yaml -o deploy --check`\n  4. check before each commit: dcnc's pre-commit hooks `dcnc-check` and `dcnc-build-check`\n     (the book's how-to \"Commit generated configs and check them in CI\")\n");
    if kept_gitignore {
        s.push_str(&format!(
            "\n{} exists and was kept; add this line to it:\n  .*.dcnc-*\n",
            dir.join(".gitignore").display()
        ));
    }
    s
}

/// One optional field as a comment line: `name: default  # what it is`.
fn field_line(name: &str, p: &Value) -> String {
    let default = match p.get("default") {
        Some(Value::String(v)) if plain(v) => v.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    let about = p
        .get("description")
        .and_then(Value::as_str)
        .map(first_sentence)
        .unwrap_or_default();
    let head = if default.is_empty() {
        format!("{name}:")
    } else {
        format!("{name}: {default}")
    };
    if about.is_empty() {
        head
    } else {
        format!("{head:<40} # {about}")
    }
}

/// True when `s` reads back as the same string in a plain YAML scalar.
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./$+".contains(c))
        && !s.starts_with(['-', '.'])
        && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(&s)
        && s.parse::<f64>().is_err()
}

/// The first sentence of a description, on one line (a period ends it only before a capital).
fn first_sentence(d: &str) -> String {
    let one = d.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = one
        .match_indices(". ")
        .find(|(i, _)| one[i + 2..].starts_with(|c: char| c.is_uppercase()))
        .map(|(i, _)| i + 1);
    end.map_or(one.clone(), |e| one[..e].to_string())
}

/// The optional fields of an object of the schema, but `skip`.
fn optional(schema: &Value, def: &Value, skip: &[&str]) -> Vec<Value> {
    let def = match def.get("$ref").and_then(Value::as_str) {
        Some(r) => schema
            .pointer(&format!("/$defs/{}", r.trim_start_matches("#/$defs/")))
            .unwrap_or(def),
        None => def,
    };
    let required: Vec<&str> = def
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(props) = def.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            if required.contains(&name.as_str()) || skip.contains(&name.as_str()) {
                continue;
            }
            out.push(serde_json::json!({ "line": field_line(name, p) }));
        }
    }
    out
}

/// The starter spec for these arguments.
fn starter(a: &InitArgs) -> Result<String, String> {
    let schema: Value =
        serde_json::from_str(&crate::spec::json_schema()).map_err(|e| e.to_string())?;
    let def = |name: &str| {
        schema
            .pointer(&format!("/$defs/{name}"))
            .cloned()
            .unwrap_or_default()
    };
    let top_prop = |name: &str| {
        schema
            .pointer(&format!("/properties/{name}"))
            .cloned()
            .unwrap_or_default()
    };
    let target_table =
        crate::target::Target::get(a.target.unwrap_or_else(crate::spec::defaults::target));
    let target = target_table.id;
    let topology = match a.topology {
        Some(TopologyArg::GlanceCache) => Some("glance-cache"),
        Some(TopologyArg::Multistore) | None => None,
    };
    // A target of the operators (rhoso-18) reaches the nodes of each compute role at addresses
    // only the user knows (check/nodes.rs).
    let listed_nodes = target_table.operators.is_some();
    let roles = |site: &str, defaults: &[(&str, u32)]| -> Vec<Value> {
        (defaults.iter())
            .map(|&(name, count)| {
                let compute = target_table.role(name).is_some_and(|i| i.compute);
                let nodes: Vec<String> = (0..count)
                    .filter(|_| compute)
                    .map(|i| {
                        format!(
                            "<fill me in: the control plane address of {site}'s {name} node {i}>"
                        )
                    })
                    .collect();
                serde_json::json!({ "name": name, "count": count, "nodes": nodes })
            })
            .collect()
    };
    let edge_roles: Vec<Vec<Value>> = (0..a.edges)
        .map(|i| roles(&format!("dcn{i}"), crate::spec::defaults::EDGE_ROLES))
        .collect();
    let edges: Vec<String> = (0..a.edges).map(|i| format!("dcn{i}")).collect();
    // ceph-ansible makes OSDs only on the disks it is told (DCN061): only the user knows them.
    let osd_devices = target_table.ceph_tool == crate::target::CephTool::CephAnsible;
    let ctx = serde_json::json!({
        "target": target,
        "topology": topology,
        "top": optional(&schema, &schema, &["target", "topology", "glance", "ceph", "central", "edge_defaults", "edges"]),
        "glance": optional(&schema, &top_prop("glance"), &[]),
        "ceph": optional(&schema, &top_prop("ceph"), if osd_devices { &["osd_devices"] } else { &[] }),
        "central": optional(&schema, &def("Central"), if listed_nodes { &["roles"] } else { &[] }),
        "edge_defaults": optional(&schema, &top_prop("edge_defaults"), &[]),
        "edge": optional(&schema, &def("Edge"), if listed_nodes { &["glance_api", "roles"] } else { &["glance_api"] }),
        "edges": edges,
        "listed_nodes": listed_nodes,
        "central_roles": roles("central", crate::spec::defaults::CENTRAL_ROLES),
        "edge_roles": edge_roles,
        "glance_api": !target_table.edge_services,
        "osd_devices": osd_devices,
    });
    let mut env = minijinja::Environment::new();
    env.add_template("init/dcn.yaml.j2", TEMPLATE)
        .map_err(|e| e.to_string())?;
    let mut text = env
        .get_template("init/dcn.yaml.j2")
        .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
        .map_err(|e| e.to_string())?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}
