//! Emitting: renders a checked deployment and its plan into the files of the output tree, in
//! memory. Templates live in `compiler/templates/` and are parsed once per process.
//!
//! Invariant: emit does no I/O and is deterministic: the same deployment gives the same bytes.

mod filters;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use minijinja::{context, Environment, Value};
use serde::Serialize;

use crate::graph::{self, Plan, StepKind};
use crate::model::{Deployment, Site, SiteKind};
use crate::target::DeployFlow;

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub content: String,
    /// Unix permission bits: 0o755 for scripts, 0o644 otherwise.
    pub mode: u32,
}

/// The whole output tree: relative path -> file, sorted.
pub type Tree = BTreeMap<String, Artifact>;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "macros.j2",
    "README.md.j2",
    "deploy-all.sh.j2",
    "ceph.conf.j2",
    "glance-api.conf.j2",
    "nova.conf.j2",
    "deploy.sh.j2",
    "export.sh.j2",
    "export-edges.sh.j2",
    "external-ceph.sh.j2",
    "baremetal.yaml.j2",
    "ceph-clients.sh.j2",
    "configure-central.sh.j2",
    "configure-edge.sh.j2",
    "env/overrides.yaml.j2",
    "env/ceph.yaml.j2",
    "env/az.yaml.j2",
    "env/glance.yaml.j2",
    "env/glance-multistore.yaml.j2",
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
        env.add_filter("ini_bool", filters::ini_bool);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name} does not parse: {e:#}"));
        }
        env
    })
}

/// A serializable value for a template context.
fn v<T: Serialize + ?Sized>(x: &T) -> Value {
    Value::from(minijinja::value::Serde(x))
}

fn render(name: &str, ctx: Value) -> String {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| panic!("template {name} failed to render: {e:#}"))
}

/// A Glance store as one consumer (a site's Glance) sees it.
#[derive(Serialize)]
struct StoreRef<'a> {
    id: &'a str,
    description: &'a str,
    cluster: &'a str,
    /// The cephx user this consumer uses on the store's cluster.
    user: String,
}

/// The stores `consumer`'s Glance has: its own first, then the others in site order.
fn stores_of<'a>(d: &'a Deployment, consumer: &'a Site) -> Vec<StoreRef<'a>> {
    let store = |s: &'a Site| StoreRef {
        id: s.store.as_str(),
        description: &s.store_description,
        cluster: s.cluster.as_str(),
        user: match (consumer.kind, s.kind) {
            (SiteKind::Central, SiteKind::Edge) => d.client_user(s),
            _ => "openstack".to_string(),
        },
    };
    std::iter::once(store(consumer))
        .chain(consumer.remote_stores.iter().map(|&i| store(&d.sites[i])))
        .collect()
}

/// A step as the top-level script and README show it.
#[derive(Serialize, Clone, Debug)]
struct StepView {
    id: String,
    host: String,
    command: String,
    command_words: String,
    needs: Vec<String>,
}

fn step_views(p: &Plan) -> Vec<StepView> {
    p.order
        .iter()
        .map(|&n| {
            let s = &p.graph[n];
            let mut words = s.command.split(' ');
            let script = words.next().unwrap_or_default();
            let args: Vec<&str> = words.collect();
            let mut needs: Vec<String> = p
                .graph
                .neighbors_directed(n, petgraph::Direction::Incoming)
                .map(|m| format!("`{}`", p.graph[m].id))
                .collect();
            needs.sort();
            StepView {
                id: s.id.clone(),
                host: s.host.clone(),
                command: s.command.clone(),
                command_words: std::iter::once(format!("\"$HERE/{script}\""))
                    .chain(args.iter().map(|a| filters::sh(a)))
                    .collect::<Vec<_>>()
                    .join(" "),
                needs,
            }
        })
        .collect()
}

/// A site's mons as `CephExternalMonHost` and `external_cluster_mon_ips` take them: `a,b,c`.
fn mon_list(site: &Site) -> String {
    let mons: Vec<String> = site.mons.iter().map(ToString::to_string).collect();
    mons.join(",")
}

/// Export file names, in `DCNC_WORK_DIR`.
fn central_export(d: &Deployment) -> String {
    format!("{}-export.yaml", d.central().stack)
}
fn central_ceph_export(d: &Deployment) -> String {
    format!("{}-ceph-export.yaml", d.central().cluster)
}
const EDGE_CEPH_EXPORT: &str = "edge-ceph-export.yaml";
/// The external central cluster's `CephClientKey`, written by external-ceph.sh.
fn external_key_file(d: &Deployment) -> String {
    format!("{}-external-ceph.yaml", d.central().cluster)
}

/// Renders every file of the output tree.
pub fn emit(d: &Deployment, plan: &Plan) -> Tree {
    let mut tree = Tree::new();
    let mut put = |path: String, content: String| {
        let mode = if path.ends_with(".sh") { 0o755 } else { 0o644 };
        tree.insert(path, Artifact { content, mode });
    };
    let by_heat = d.target.multistore_by_heat;
    let cache_topology = d.topology == crate::model::Topology::GlanceCache;
    // Edges that use the central store need central's ceph export.
    let edges_use_central = d.edges().iter().any(|e| e.remote_stores.contains(&0));
    let has_step = |kind: StepKind| plan.steps().any(|s| s.kind == kind);
    let has_edges = has_step(StepKind::UpdateCentral);
    // Which sites have a configure step, looked up once: `has_step` per site is O(sites x steps).
    let mut configured_edges = vec![false; d.sites.len()];
    for s in plan.steps() {
        if let StepKind::ConfigureEdge(i) = s.kind {
            configured_edges[i] = true;
        }
    }
    let base = context! {
        cache_topology => cache_topology,
        has_edges => has_edges,
        region => &d.region,
        target => d.target.id,
        tht_version => d.target.tht_version,
        tht => &d.tht,
        work_dir => &d.work_dir,
        conf_dir => &d.ceph_conf_dir,
        glance => v(&d.glance),
        by_heat => by_heat,
        pool_default_size => d.pool_default_size,
        client_mount_timeout => d.client_mount_timeout,
        config_download_dir => d.target.config_download_dir,
        nova_glance_option => d.target.nova_glance_option,
        nova_download_guard => d.target.nova_download_guard,
        show_locations_parameter => d.target.show_locations_parameter,
        provisioned => d.target.flow == DeployFlow::Provisioned,
    };

    // Top level: order, graph, client confs.
    let steps = step_views(plan);
    let central = d.central();
    put(
        "README.md".into(),
        render(
            "README.md.j2",
            context! {
                central => v(central),
                edges => v(d.edges()),
                steps => v(&steps),
                central_stores => stores_of(d, central).iter().map(|s| s.id).collect::<Vec<_>>().join(", "),
                ..base.clone()
            },
        ),
    );
    put(
        "deploy-all.sh".into(),
        render(
            "deploy-all.sh.j2",
            context! { steps => v(&steps), order => graph::to_order(plan), ..base.clone() },
        ),
    );
    put("graph.dot".into(), graph::to_dot(plan));
    put("graph.mmd".into(), graph::to_mermaid(plan));
    for site in &d.sites {
        put(
            format!("ceph/{}.conf", site.cluster),
            render("ceph.conf.j2", context! { c => v(site), ..base.clone() }),
        );
    }

    // One directory per stack: the sites, then the central compute stack.
    let stacks = (d.sites.iter().enumerate()).chain(d.central_compute.iter().map(|s| (0, s)));
    for (index, site) in stacks {
        let dir = format!("stacks/{}", site.stack);
        let stores = stores_of(d, site);
        let remote = &stores[1..];
        let is_central = site.kind == SiteKind::Central;
        let is_compute = site.kind == SiteKind::Compute;
        // A client of the external central cluster rather than the deployer of its own.
        let external_ceph = is_compute || (is_central && d.external_central());
        let site_ctx = context! {
            site => v(site), external_ceph => external_ceph,
            mon_ips => mon_list(site),
            ..base.clone()
        };

        let mut own_files = vec!["env/overrides.yaml", "env/ceph.yaml"];
        if !is_central {
            own_files.push("env/az.yaml");
        }
        own_files.push("env/glance.yaml");
        if d.target.flow == DeployFlow::Provisioned {
            put(
                format!("{dir}/baremetal.yaml"),
                render(
                    "baremetal.yaml.j2",
                    context! { roles => baremetal_roles(site), ..site_ctx.clone() },
                ),
            );
        }
        put(
            format!("{dir}/env/overrides.yaml"),
            render("env/overrides.yaml.j2", site_ctx.clone()),
        );
        put(
            format!("{dir}/env/ceph.yaml"),
            render("env/ceph.yaml.j2", site_ctx.clone()),
        );
        if !is_central {
            put(
                format!("{dir}/env/az.yaml"),
                render("env/az.yaml.j2", site_ctx.clone()),
            );
        }
        // Central's first deploy has its own store only; with heat, the edge stores come in the
        // update, from glance-multistore.yaml. Without heat, edges have no remote stores.
        let heat_remote: &[StoreRef] = if is_central || !by_heat { &[] } else { remote };
        put(
            format!("{dir}/env/glance.yaml"),
            render(
                "env/glance.yaml.j2",
                context! { remote => v(heat_remote), ..site_ctx.clone() },
            ),
        );

        let configured = match site.kind {
            SiteKind::Central => has_edges && !by_heat,
            SiteKind::Edge => configured_edges[index],
            SiteKind::Compute => false,
        };
        let applied_by = if configured {
            "configure.sh applies it."
        } else {
            "TripleO renders this from the env files; it is here for review and validation."
        };
        let glance_conf = render(
            "glance-api.conf.j2",
            context! { stores => v(&stores), applied_by => applied_by, ..site_ctx.clone() },
        );
        // Central's swift store in the glance-cache topology is TripleO's alone.
        if !(is_central && cache_topology) {
            put(format!("{dir}/glance-api.conf"), glance_conf.clone());
        }
        // The compute stack's Nova is pointed at its Glance by THT's GlanceApiEdge, at an
        // address only TripleO knows; edges name theirs in the spec.
        let nova_conf = (site.kind == SiteKind::Edge).then(|| {
            let with = |has: fn(&crate::target::RoleInfo) -> bool| -> Vec<String> {
                (site.roles.iter())
                    .filter(|r| r.count > 0 && d.target.role(&r.name).is_some_and(has))
                    .map(|r| r.name.clone())
                    .collect()
            };
            render(
                "nova.conf.j2",
                context! {
                    applied_by => applied_by,
                    edge_services => d.target.edge_services,
                    glance_roles => with(|r| r.edge_glance),
                    haproxy_roles => with(|r| r.edge_haproxy),
                    ..site_ctx.clone()
                },
            )
        });
        if let Some(n) = &nova_conf {
            put(format!("{dir}/nova.conf"), n.clone());
        }

        let tht_environments = d.target.environments(site.kind, d.external_central());
        let mut exports = Vec::new();
        if !is_central {
            exports.push(central_export(d));
        }
        if site.kind == SiteKind::Edge && edges_use_central {
            exports.push(central_ceph_export(d));
        }
        if external_ceph {
            exports.push(external_key_file(d));
        }
        let update_files: Vec<String> = if is_central && by_heat && has_edges {
            put(
                format!("{dir}/env/glance-multistore.yaml"),
                render(
                    "env/glance-multistore.yaml.j2",
                    context! { remote => v(remote), ..site_ctx.clone() },
                ),
            );
            vec![
                format!("$WORK/{EDGE_CEPH_EXPORT}"),
                "$HERE/env/glance-multistore.yaml".into(),
            ]
        } else {
            Vec::new()
        };
        put(
            format!("{dir}/deploy.sh"),
            render(
                "deploy.sh.j2",
                context! {
                    tht_environments => v(&tht_environments),
                    exports => v(&exports),
                    own_files => v(&own_files),
                    update_files => v(&update_files),
                    ..site_ctx.clone()
                },
            ),
        );

        if is_central {
            let mut central_exports = vec![central_export(d)];
            // An external cluster is no stack to export: external-ceph.sh writes its client.
            if edges_use_central && !d.external_central() {
                central_exports.push(central_ceph_export(d));
            }
            put(
                format!("{dir}/export.sh"),
                render(
                    "export.sh.j2",
                    context! { exports => v(&central_exports), ..site_ctx.clone() },
                ),
            );
            if let Some(key) = &site.key {
                put(
                    format!("{dir}/external-ceph.sh"),
                    render(
                        "external-ceph.sh.j2",
                        context! {
                            key => v(key), key_file => external_key_file(d),
                            key_users => std::iter::once(site).chain(&d.central_compute).map(|s| s.stack.to_string()).collect::<Vec<_>>(),
                            edge_export => edges_use_central.then(|| central_ceph_export(d)),
                            pools => [d.glance.pool.to_string(), "volumes".into(), "vms".into()],
                            ..site_ctx.clone()
                        },
                    ),
                );
            }
            if has_edges {
                let edges: Vec<Value> = d
                    .edges()
                    .iter()
                    .map(|e| {
                        context! {
                            stack => e.stack.as_str(), cluster => e.cluster.as_str(), name => e.name.as_str(),
                            fsid => e.fsid.as_str(), mons => v(&e.mons), user => d.client_user(e),
                            mon_ips => mon_list(e),
                            key => v(&e.key),
                        }
                    })
                    .collect();
                if by_heat {
                    put(
                        format!("{dir}/export-edges.sh"),
                        render(
                            "export-edges.sh.j2",
                            context! {
                                edges => edges.clone(), edge_export => EDGE_CEPH_EXPORT,
                                keys_by_ref => d.edges().iter().any(|e| e.key.is_some()),
                                client_user => &d.glance.client_user, ..site_ctx.clone()
                            },
                        ),
                    );
                } else {
                    put(
                        format!("{dir}/ceph-clients.sh"),
                        render(
                            "ceph-clients.sh.j2",
                            context! { edges => edges, ..site_ctx.clone() },
                        ),
                    );
                    put(
                        format!("{dir}/configure.sh"),
                        render(
                            "configure-central.sh.j2",
                            context! { stores => v(&stores), fragment => strip_comments(&glance_conf), ..site_ctx.clone() },
                        ),
                    );
                }
            }
        } else if configured {
            put(
                format!("{dir}/configure.sh"),
                render(
                    "configure-edge.sh.j2",
                    context! {
                        glance_fragment => strip_comments(&glance_conf),
                        nova_fragment => strip_comments(nova_conf.as_deref().unwrap_or_default()),
                        ..site_ctx.clone()
                    },
                ),
            );
        }
    }
    tree
}

/// A role's nodes for `openstack overcloud node provision`: its host names and node tags. The
/// tag is the role's hint with `%index%` expanded, which node provision does not do itself.
#[derive(Serialize)]
struct BaremetalNode {
    hostname: String,
    tag: String,
}

fn baremetal_roles(site: &Site) -> Value {
    let roles: Vec<Value> = (site.roles.iter())
        .filter(|r| r.count > 0)
        .map(|r| {
            let nodes: Vec<BaremetalNode> = (0..r.count)
                .map(|i| BaremetalNode {
                    hostname: format!("{}-{}-{i}", site.stack, r.name.to_lowercase()),
                    tag: r.hint.replace("%index%", &i.to_string()),
                })
                .collect();
            context! { name => &r.name, count => r.count, nodes => v(&nodes) }
        })
        .collect();
    Value::from(roles)
}

/// An INI fragment without its comment lines, for embedding in a script.
fn strip_comments(ini: &str) -> String {
    let mut out = String::with_capacity(ini.len());
    for line in ini.lines().filter(|l| !l.starts_with('#')) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A stack of the output tree: the site `d.sites[i]`, or the central compute stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackRef {
    Site(usize),
    Compute,
}

/// The step that applies `file` of the directory of `d.sites[index]` (`stacks/<stack>/<file>`):
/// what must run again when the file changes. Files outside `stacks/` (README, graph,
/// deploy-all.sh, the client confs that scripts embed or TripleO writes) belong to no step.
pub fn owner(d: &Deployment, stack: StackRef, file: &str) -> StepKind {
    let by_heat = d.target.multistore_by_heat;
    let StackRef::Site(index) = stack else {
        return StepKind::DeployCompute;
    };
    if index == 0 {
        match file {
            "external-ceph.sh" => StepKind::ExternalCeph,
            "export.sh" => StepKind::ExportCentral,
            "export-edges.sh" | "ceph-clients.sh" => StepKind::GatherEdgeClients,
            "env/glance-multistore.yaml" | "configure.sh" => StepKind::UpdateCentral,
            "glance-api.conf" if d.sites.len() > 1 => StepKind::UpdateCentral,
            _ => StepKind::DeployCentral,
        }
    } else {
        match file {
            "configure.sh" | "glance-api.conf" | "nova.conf" if !by_heat => {
                StepKind::ConfigureEdge(index)
            }
            _ => StepKind::DeployEdge(index),
        }
    }
}
