//! The template environment: every template under `compiler/templates/` compiled into the binary
//! (`TEMPLATES`), parsed once per process, with dcnc's filters; and rendering one of them.
//!
//! Templates are named by their path under `compiler/templates/`: `common/…` for what every
//! platform shares, `tripleo/…` for TripleO's artifacts, `rhoso/…` for RHOSO 18's.

use std::sync::OnceLock;

use minijinja::{Environment, Value};
use serde::Serialize;

use super::filters;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = templates![
    "common/macros.j2",
    "common/ceph.conf.j2",
    "common/glance.j2",
    "common/nova.j2",
    "common/distribute-images.sh.j2",
    "common/deploy-all.sh.j2",
    "tripleo/macros.j2",
    "tripleo/README.md.j2",
    "tripleo/verify-addresses.sh.j2",
    "tripleo/glance-api.conf.j2",
    "tripleo/nova.conf.j2",
    "tripleo/deploy.sh.j2",
    "tripleo/export.sh.j2",
    "tripleo/export-edges.sh.j2",
    "tripleo/external-ceph.sh.j2",
    "tripleo/baremetal.yaml.j2",
    "tripleo/vip_data.yaml.j2",
    "tripleo/osd-spec.yaml.j2",
    "tripleo/initial-ceph.conf.j2",
    "tripleo/ceph-clients.sh.j2",
    "tripleo/glance-key.sh.j2",
    "tripleo/configure-central.sh.j2",
    "tripleo/configure-edge.sh.j2",
    "tripleo/env/overrides.yaml.j2",
    "tripleo/env/ceph.yaml.j2",
    "tripleo/env/az.yaml.j2",
    "tripleo/env/glance.yaml.j2",
    "tripleo/env/glance-multistore.yaml.j2",
    "rhoso/macros.j2",
    "rhoso/README.md.j2",
    "rhoso/control-plane.yaml.j2",
    "rhoso/control-plane-dcn.yaml.j2",
    "rhoso/glance.conf.j2",
    "rhoso/cinder-volume.conf.j2",
    "rhoso/nova.conf.j2",
    "rhoso/site-services.yaml.j2",
    "rhoso/nodeset.yaml.j2",
    "rhoso/nodeset-ceph.yaml.j2",
    "rhoso/deployment.yaml.j2",
    "rhoso/kustomization.yaml.j2",
    "rhoso/secrets.sh.j2",
    "rhoso/deploy.sh.j2",
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .build()
                .expect("default delimiters are valid"),
        );
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("yaml", filters::yaml);
        env.add_filter("sh", |s: String| filters::sh(&s));
        env.add_filter("sh_default", |s: String| filters::sh_default(&s));
        env.add_filter("ini", filters::ini);
        env.add_filter("heredoc", |s: String, d: String| filters::heredoc(&s, &d));
        env.add_filter("ini_bool", filters::ini_bool);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} does not parse: {e:#}"));
        }
        env
    })
}

/// A serializable value for a template context.
pub(crate) fn v<T: Serialize + ?Sized>(x: &T) -> Value {
    Value::from(minijinja::value::Serde(x))
}

/// Renders template `name` (its path under `compiler/templates/`) with `ctx`.
pub(crate) fn render(name: &str, ctx: Value) -> String {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| panic!("template {name} failed to render: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every template file under `compiler/templates/` is listed, so none is silently left out
    /// (but `init/`: the starter spec of `dcnc init`, which `cli/init.rs` includes).
    #[test]
    fn every_template_file_is_listed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("templates dir") {
                let path = entry.expect("dir entry").path();
                if path.is_dir() {
                    if path != root.join("init") {
                        dirs.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "j2") {
                    let rel = path.strip_prefix(&root).expect("under root");
                    files.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        files.sort();
        let mut listed: Vec<String> = TEMPLATES.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(files, listed);
    }
}
