//! TripleO's output tree: per stack the heat environment files, `deploy.sh` (and
//! `baremetal.yaml`), the glance-api.conf and nova.conf it gets, and at central the export, key
//! and configure scripts; at the top the README, `deploy-all.sh`, the graph and the client confs.
//! Templates under `compiler/templates/tripleo/`.

mod central;
mod confs;
mod hiera;
mod stack;

use minijinja::{context, Value};

use super::templates::{render, v};
use super::{ceph, put, steps, stores, StackRef, Tree};
use crate::graph::{self, Plan, StepKind};
use crate::kinds::CopyImageBy;
use crate::model::{ContainerImages, Deployment, Site, SiteKind, Topology};
use crate::target::{CephTool, DeployFlow};

/// What the deployment and its plan say about the tree as a whole, looked up once.
struct Facts {
    /// Central learns the edge stores from heat (else generated scripts do it).
    by_heat: bool,
    cache_topology: bool,
    /// Edges that use the central store need central's ceph export.
    edges_use_central: bool,
    /// Central is updated with the edges' stores.
    has_edges: bool,
    /// Which sites have a configure step: `has_step` per site is O(sites x steps).
    configured_edges: Vec<bool>,
}

impl Facts {
    fn of(d: &Deployment, plan: &Plan) -> Facts {
        let mut configured_edges = vec![false; d.sites.len()];
        for s in plan.steps() {
            if let StepKind::ConfigureEdge(i) = s.kind {
                configured_edges[i] = true;
            }
        }
        Facts {
            by_heat: d.target.multistore_by_heat,
            cache_topology: d.topology == Topology::GlanceCache,
            edges_use_central: d.edges().iter().any(|e| e.remote_stores.contains(&0)),
            has_edges: plan.steps().any(|s| s.kind == StepKind::UpdateCentral),
            configured_edges,
        }
    }
}

/// The context every TripleO template starts from.
fn base_context(d: &Deployment, f: &Facts) -> Value {
    context! {
        cache_topology => f.cache_topology,
        has_edges => f.has_edges,
        region => &d.region,
        target => d.target.id,
        tht_version => d.target.tht_version,
        client_export => crate::target::CEPH_CLIENT_EXPORT,
        tht => &d.tht,
        work_dir => &d.work_dir,
        conf_dir => &d.ceph_conf_dir,
        glance => v(&d.glance),
        by_heat => f.by_heat,
        // TripleO points each edge node's Nova at its Glance (GlanceApiEdge, HAproxyEdge)
        edge_services => d.target.edge_services,
        client_mount_timeout => d.client_mount_timeout,
        config_download_dir => d.target.config_download_dir,
        nova_glance_option => d.target.nova_glance_option,
        nova_download_guard => d.target.nova_download_guard,
        nova_download_guard_by_hiera => d.target.nova_download_guard_by_hiera,
        show_locations_parameter => d.target.show_locations_parameter,
        provisioned => d.target.flow == DeployFlow::Provisioned,
        client => v(&d.target.client),
        // `container_images`: the user's own file, or none (deploy.sh generates it)
        container_images_file => match &d.container_images {
            ContainerImages::File(p) => Some(p.as_str()),
            ContainerImages::Prepare => None,
        },
        // cephadm's `overcloud ceph deploy` runs before the stack (Target::ceph_tool)
        deployed_ceph => d.target.ceph_tool == CephTool::Cephadm,
        // `export ceph` finds each stack's playbooks without --config-download-dir there
        // (16.5.0 and 20.0.0 v1/overcloud_export_ceph.py:94-103)
        per_stack_config_download =>
            d.target.config_download_dir == "$HOME/overcloud-deploy/$STACK/config-download",
    }
}

/// Puts every file of TripleO's tree into `tree`, rendering the stacks on up to `threads`
/// threads (each into a tree of its own, merged at the end: the result does not depend on the
/// number of threads or on which thread rendered what).
pub(super) fn emit(d: &Deployment, plan: &Plan, tree: &mut Tree, threads: usize) {
    let facts = Facts::of(d, plan);
    let base = base_context(d, &facts);
    // One directory per stack: the sites, then the central compute stack.
    let stacks: Vec<(usize, &Site)> = (d.sites.iter().enumerate())
        .chain(d.central_compute.iter().map(|s| (0, s)))
        .collect();
    super::parallel::for_each(
        &stacks,
        threads,
        tree,
        |tree| {
            top_level(d, plan, &base, tree);
            put(
                tree,
                "verify-addresses.sh".into(),
                verify_addresses(d, &facts, &base),
            );
        },
        |&(index, site), tree| stack::emit_stack(d, &facts, &base, index, site, tree),
    );
}

/// The top level: the README, the order, the graph and the client confs.
fn top_level(d: &Deployment, plan: &Plan, base: &Value, tree: &mut Tree) {
    let steps = steps::step_views(plan);
    let central = d.central();
    let central_stores: Vec<&str> = stores::stores_of(d, central).iter().map(|s| s.id).collect();
    // which images each stack's Glance stores raw (THT's import plugin rule), for the README
    let cow_rows: Vec<Value> = d
        .sites
        .iter()
        .map(|site| {
            let import = d.target.image_import(&site.parameters, true);
            context! {
                stack => site.stack.as_str(), raw => import.converts_to_raw(),
                plugins => format!("[{}]", import.plugins.join(",")),
            }
        })
        .collect();
    put(
        tree,
        "README.md".into(),
        render(
            "tripleo/README.md.j2",
            context! {
                central => v(central),
                edges => v(d.edges()),
                steps => v(&steps),
                central_stores => central_stores.join(", "),
                cow_rows => cow_rows,
                copy_at_boot => d.target.nova_copies_to_store,
                copy_by_member => d.glance.copy_image_by == CopyImageBy::Member,
                ..base.clone()
            },
        ),
    );
    put(
        tree,
        "deploy-all.sh".into(),
        render(
            "common/deploy-all.sh.j2",
            context! { steps => v(&steps), order => graph::to_order(plan), ..base.clone() },
        ),
    );
    if d.topology == Topology::Multistore {
        let stores: Vec<String> = d.sites.iter().map(|s| s.store.to_string()).collect();
        put(
            tree,
            "distribute-images.sh".into(),
            render(
                "common/distribute-images.sh.j2",
                context! {
                    stores => stores,
                    images => d.glance.distribute_images.clone(),
                    copy_at_boot => d.target.nova_copies_to_store,
                    ..base.clone()
                },
            ),
        );
    }
    put(tree, "graph.dot".into(), graph::to_dot(plan));
    put(tree, "graph.mmd".into(), graph::to_mermaid(plan));
    for site in &d.sites {
        put(
            tree,
            format!("ceph/{}.conf", site.cluster),
            ceph::client_conf(d, site),
        );
    }
}

/// `verify-addresses.sh`: the spec's mons and glance_api checked against the deployed ones
/// (audit finding 12: nothing makes TripleO use them). Mons come from TripleO's own export of a
/// cluster (`export ceph`), where the tree has one that is not made from the spec.
fn verify_addresses(d: &Deployment, f: &Facts, base: &Value) -> String {
    let keys_by_ref = d.edges().iter().any(|e| e.key.is_some());
    let sites: Vec<Value> = d
        .sites
        .iter()
        .map(|site| {
            let (from, skip): (Option<String>, Option<String>) = if !d.deploys_own_cluster(site) {
                let why = "its cluster is deployed outside TripleO; external-ceph.sh asks these mons for its fsid";
                (None, Some(why.into()))
            } else if !f.by_heat {
                let why = match site.kind {
                    SiteKind::Edge => "this target exports no Ceph; ceph-clients.sh asks these mons for the cluster's fsid".to_string(),
                    _ => format!("this target exports no Ceph: compare mon host of ceph/{}.conf with the deployed /etc/ceph/{}.conf", site.cluster, site.cluster),
                };
                (None, Some(why))
            } else if site.kind == SiteKind::Central {
                match f.edges_use_central {
                    true => (Some(central_ceph_export(d)), None),
                    false => (None, Some("no edge uses central's cluster: no export of it is made".into())),
                }
            } else if keys_by_ref {
                let why = format!("with keys given by reference, {EDGE_CEPH_EXPORT} is written from the spec, not exported by TripleO");
                (None, Some(why))
            } else if f.has_edges {
                (Some(EDGE_CEPH_EXPORT.to_string()), None)
            } else {
                (None, Some("central takes no edge store: no export of the edges is made".into()))
            };
            context! {
                name => site.name.as_str(), cluster => site.cluster.as_str(),
                store => site.store.as_str(),
                mons => site.mons.iter().map(|m| m.ip.to_string()).collect::<Vec<_>>(),
                mons_from => from, mons_skip => skip,
                glance => site.glance_endpoint.as_ref().map(|e| e.url.clone()),
            }
        })
        .collect();
    render(
        "tripleo/verify-addresses.sh.j2",
        context! { sites => sites, ..base.clone() },
    )
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

/// The step that applies `file` of `stack`'s directory (see [`super::owner`]).
pub(super) fn owner(d: &Deployment, stack: StackRef, file: &str) -> StepKind {
    let by_heat = d.target.multistore_by_heat;
    let configured = !by_heat && !d.target.edge_services;
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
            "configure.sh" | "glance-api.conf" | "nova.conf" if configured => {
                StepKind::ConfigureEdge(index)
            }
            "glance-key.sh" => StepKind::MakeEdgeKey(index),
            _ => StepKind::DeployEdge(index),
        }
    }
}
