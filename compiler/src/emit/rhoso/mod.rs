//! RHOSO 18's output tree (`rhoso/`): a kustomize tree of custom resources for the
//! openstack-k8s-operators, one availability zone per site. The control plane before Ceph
//! (`control-plane/`) and its DCN update (`control-plane-dcn/`: every site's GlanceAPI with its
//! stores, cinder-volume, Nova cell and Ceph mounts), per site its nova settings and data plane
//! services, node set and pre- and post-Ceph deployments (`sites/<az>/`), `secrets.sh` (the Ceph
//! client secrets from cephadm's files, never in the tree) and `deploy.sh` (one command per
//! step, each waiting for its resource's condition). At the top the README, `deploy-all.sh`, the
//! graph and `distribute-images.sh`. Templates under `compiler/templates/rhoso/`; the service
//! configs come from the shared `stores_of`, `nova_image_at` and `common/` macros.

use std::collections::HashMap;

use minijinja::{context, Value};
use serde::Serialize;

use super::nova::nova_image_at;
use super::templates::{render, v};
use super::{put, steps, stores, Tree};
use crate::graph::{self, Plan, StepKind};
use crate::model::{Deployment, Site, SiteKind};
use crate::target::Operators;

/// Where the operators mount each site's Ceph secret in its GlanceAPI, cinder-volume and
/// ansible pods, and where the services read their cluster confs.
const CEPH_DIR: &str = "/etc/ceph";

/// A data plane node as the node set names it.
#[derive(Serialize)]
struct NodeView {
    hostname: String,
    ip: String,
}

/// One Ceph client secret: its name and the clusters whose conf and keyring it holds.
#[derive(Serialize)]
struct SecretView {
    name: String,
    clusters: Vec<String>,
    what: String,
}

/// A site as the rhoso templates see it: its zone and the names the operators derive from it.
#[derive(Serialize)]
struct SiteView<'a> {
    name: &'a str,
    kind: &'static str,
    /// The availability zone: the key of its GlanceAPI and cinder-volume.
    az: &'a str,
    cluster: &'a str,
    fsid: &'a str,
    store: &'a str,
    /// Its Nova cell (`cell1` for central, then one per edge in order).
    cell: String,
    /// Its subnet in each network of the NetConfig (`subnet1`...).
    subnet: String,
    nodeset: String,
    /// The secret its GlanceAPI and cinder-volume mount at /etc/ceph (the clusters of its stores).
    secret: String,
    /// The extraMounts volume name of that secret.
    volume: String,
    /// The secret its node set's ansible runs mount: its own cluster only.
    node_secret: String,
    replicas: u32,
    /// The MetalLB address of its GlanceAPI's internal service.
    lb_ip: Option<String>,
    glance_url: String,
    nodes: Vec<NodeView>,
    hci: bool,
    networks: Vec<&'static str>,
    pre_services: Vec<String>,
    post_services: Vec<String>,
    stores: Vec<stores::StoreRef<'a>>,
    glance_conf: String,
    cinder_conf: String,
    nova_conf: String,
}

/// The site's zone (checked: every site has one on this platform).
pub(super) fn az(site: &Site) -> &str {
    site.az.as_deref().unwrap_or(site.name.as_str())
}

fn site_view<'a>(d: &'a Deployment, ops: &Operators, index: usize, site: &'a Site) -> SiteView<'a> {
    let az = az(site);
    let central = site.kind == SiteKind::Central;
    let cell = format!("cell{}", index + 1);
    let glance_url = format!(
        "https://glance-{az}-internal.{}.svc:{}",
        d.rhoso.namespace, d.target.edge_glance_port
    );
    let roles = site.roles.iter().filter(|r| r.count > 0);
    let compute_roles: Vec<_> = roles
        .filter(|r| d.target.role(r.tht_role()).is_some_and(|i| i.compute))
        .collect();
    let hci = compute_roles
        .iter()
        .any(|r| d.target.role(r.tht_role()).is_some_and(|i| i.ceph_osd));
    let nodes = (compute_roles.iter())
        .flat_map(|r| r.nodes.iter())
        .map(|n| NodeView {
            hostname: n.hostname.clone(),
            ip: n.ctlplane_ip.to_string(),
        })
        .collect();
    let pre_services = (ops.pre_ceph_services.iter())
        .filter(|s| hci || **s != "ceph-hci-pre")
        .map(|s| s.to_string())
        .collect();
    let post_services = (ops.post_ceph_services.iter())
        .map(|s| s.replace("{cell}", &cell).replace("{az}", az))
        .collect();
    let mut networks = vec!["ctlplane", "internalapi", "storage", "tenant"];
    if hci {
        networks.push("storagemgmt");
    }
    let lb_ip = match site.kind {
        SiteKind::Central => d.rhoso.central_glance_ip.clone(),
        _ => site.glance_endpoint.as_ref().map(|e| e.ip.to_string()),
    };
    let mut nova = nova_image_at(d, site, &glance_url, CEPH_DIR);
    nova.valid_interfaces = Some("internal");
    nova.cinder_catalog_info = Some("volumev3:cinderv3:internalURL");
    let mut view = SiteView {
        name: site.name.as_str(),
        kind: if central { "central" } else { "edge" },
        az,
        cluster: site.cluster.as_str(),
        fsid: site.fsid.as_str(),
        store: site.store.as_str(),
        subnet: format!("subnet{}", index + 1),
        nodeset: format!("edpm-{az}"),
        secret: if central {
            "ceph-conf-files".to_string()
        } else {
            format!("ceph-conf-files-{az}")
        },
        volume: if central {
            "ceph".to_string()
        } else {
            format!("ceph-{az}")
        },
        node_secret: format!("ceph-nodes-{az}"),
        replicas: if central {
            ops.glance_replicas.0
        } else {
            ops.glance_replicas.1
        },
        lb_ip,
        glance_url,
        nodes,
        hci,
        networks,
        pre_services,
        post_services,
        cell,
        stores: stores::stores_of(d, site),
        glance_conf: String::new(),
        cinder_conf: String::new(),
        nova_conf: render("rhoso/nova.conf.j2", context! { n => v(&nova) })
            .trim()
            .to_string(),
    };
    let ctx = context! {
        s => v(&view),
        glance => v(&d.glance),
        conf_dir => CEPH_DIR,
        show_locations_parameter => d.target.show_locations_parameter,
    };
    view.glance_conf = render("rhoso/glance.conf.j2", ctx.clone())
        .trim()
        .to_string();
    view.cinder_conf = render("rhoso/cinder-volume.conf.j2", ctx)
        .trim()
        .to_string();
    view
}

/// The secrets `secrets.sh` makes: each GlanceAPI's (the clusters of its stores, so central's
/// holds every site's and an edge's only central's and its own) and each node set's (its own
/// cluster only: the computes of a site use no other).
fn secrets(sites: &[SiteView]) -> Vec<SecretView> {
    let apis = sites.iter().map(|s| SecretView {
        name: s.secret.clone(),
        clusters: s.stores.iter().map(|st| st.cluster.to_string()).collect(),
        what: if s.kind == "central" {
            format!("GlanceAPI and cinder-volume {}: every site", s.az)
        } else {
            format!(
                "GlanceAPI and cinder-volume {}: central and its own only",
                s.az
            )
        },
    });
    let nodes = sites
        .iter()
        .filter(|s| !s.nodes.is_empty())
        .map(|s| SecretView {
            name: s.node_secret.clone(),
            clusters: vec![s.cluster.to_string()],
            what: format!("the computes of {}: its own cluster only", s.az),
        });
    apis.chain(nodes).collect()
}

/// A kustomization of `resources`, patched by `patches`.
fn kustomization(what: &str, resources: &[String], patches: &[&str]) -> String {
    render(
        "rhoso/kustomization.yaml.j2",
        context! { what => what, resources => v(resources), patches => v(patches) },
    )
}

/// Puts every file of RHOSO's tree into `tree`.
pub(super) fn emit(d: &Deployment, plan: &Plan, tree: &mut Tree) {
    let ops = d
        .target
        .operators
        .as_ref()
        .expect("a target of the rhoso platform has its operators' table");
    let sites: Vec<SiteView> = (d.sites.iter().enumerate())
        .map(|(i, s)| site_view(d, ops, i, s))
        .collect();
    let steps = steps::step_views(plan);
    let pools = pools(d);
    let base = context! {
        rhoso => v(&d.rhoso),
        glance => v(&d.glance),
        sites => v(&sites),
        central => v(&sites[0]),
        region => &d.region,
        work_dir => &d.work_dir,
        target => d.target.id,
        openstack => ops.openstack,
        pools => v(&pools),
        steps => v(&steps),
        first_step => "control-plane",
        update_step => "update-control-plane",
    };
    let r = |name: &str, extra: Value| render(name, context! { ..extra, ..base.clone() });
    control_plane_files(tree, &r);
    let mut top: Vec<String> = vec!["control-plane-dcn".into()];
    for s in sites.iter().filter(|s| !s.nodes.is_empty()) {
        site_files(tree, &r, s);
        top.push(format!("sites/{}/post-ceph", s.az));
        top.push(format!("sites/{}/pre-ceph/deployment.yaml", s.az));
    }
    let p = "rhoso/";
    put(
        tree,
        format!("{p}kustomization.yaml"),
        kustomization(
            "everything at its final state, for review (`kubectl kustomize rhoso/`)",
            &top,
            &[],
        ),
    );
    let ceph_secrets = secrets(&sites);
    put(
        tree,
        format!("{p}secrets.sh"),
        r(
            "rhoso/secrets.sh.j2",
            context! { step => "secrets", secrets => v(&ceph_secrets) },
        ),
    );
    put(
        tree,
        format!("{p}deploy.sh"),
        r(
            "rhoso/deploy.sh.j2",
            context! { secrets => v(&ceph_secrets) },
        ),
    );
    put(
        tree,
        "README.md".into(),
        r("rhoso/README.md.j2", context! {}),
    );
    put(
        tree,
        "deploy-all.sh".into(),
        r(
            "common/deploy-all.sh.j2",
            context! { order => graph::to_order(plan), by_heat => true },
        ),
    );
    let store_ids: Vec<String> = d.sites.iter().map(|s| s.store.to_string()).collect();
    put(
        tree,
        "distribute-images.sh".into(),
        r(
            "common/distribute-images.sh.j2",
            context! {
                stores => store_ids,
                images => d.glance.distribute_images.clone(),
                copy_at_boot => d.target.nova_copies_to_store,
            },
        ),
    );
    put(tree, "graph.dot".into(), graph::to_dot(plan));
    put(tree, "graph.mmd".into(), graph::to_mermaid(plan));
}

/// Renders a template with the tree's base context and `extra`.
type Render<'a> = dyn Fn(&str, Value) -> String + 'a;

/// The pools the cephx user's osd caps name: each site's Nova ephemeral pool, cinder's and Glance's.
fn pools(d: &Deployment) -> Vec<String> {
    let mut pools: Vec<String> = Vec::new();
    for s in &d.sites {
        let n = nova_image_at(d, s, "", CEPH_DIR);
        for p in n
            .rbd
            .map(|r| r.pool)
            .into_iter()
            .chain(["volumes".to_string(), d.glance.pool.to_string()])
        {
            if !pools.contains(&p) {
                pools.push(p);
            }
        }
    }
    pools
}

/// The control plane before Ceph and with every site (`control-plane/`, `control-plane-dcn/`).
fn control_plane_files(tree: &mut Tree, r: &Render) {
    let p = "rhoso/";
    put(
        tree,
        format!("{p}control-plane/openstackcontrolplane.yaml"),
        r("rhoso/control-plane.yaml.j2", context! {}),
    );
    put(
        tree,
        format!("{p}control-plane/kustomization.yaml"),
        kustomization(
            "the control plane before Ceph (step control-plane)",
            &["openstackcontrolplane.yaml".into()],
            &[],
        ),
    );
    put(
        tree,
        format!("{p}control-plane-dcn/control-plane-dcn.yaml"),
        r("rhoso/control-plane-dcn.yaml.j2", context! {}),
    );
    put(
        tree,
        format!("{p}control-plane-dcn/kustomization.yaml"),
        kustomization(
            "the control plane with every site (step update-control-plane)",
            &["../control-plane".into()],
            &["control-plane-dcn.yaml"],
        ),
    );
}

/// A site's directory: its services, node set, and pre- and post-Ceph deployments.
fn site_files(tree: &mut Tree, r: &Render, s: &SiteView) {
    let p = "rhoso/";
    let dir = format!("{p}sites/{}", s.az);
    let ctx = || context! { s => v(s) };
    put(
        tree,
        format!("{dir}/services/site-services.yaml"),
        r("rhoso/site-services.yaml.j2", ctx()),
    );
    put(
        tree,
        format!("{dir}/services/kustomization.yaml"),
        kustomization(
            &format!("the nova settings and data plane services of {}", s.az),
            &["site-services.yaml".into()],
            &[],
        ),
    );
    put(
        tree,
        format!("{dir}/nodeset/nodeset.yaml"),
        r("rhoso/nodeset.yaml.j2", ctx()),
    );
    put(
        tree,
        format!("{dir}/nodeset/kustomization.yaml"),
        kustomization(
            &format!("the node set of {}", s.az),
            &["nodeset.yaml".into()],
            &[],
        ),
    );
    let deployment = |what: &str, name: String, services: &[String]| {
        r(
            "rhoso/deployment.yaml.j2",
            context! { s => v(s), what => what, name => name, services => v(services) },
        )
    };
    put(
        tree,
        format!("{dir}/pre-ceph/deployment.yaml"),
        deployment(
            &format!(
                "The data plane of {} before its Ceph cluster (step pre-ceph-{}).",
                s.az, s.az
            ),
            format!("pre-ceph-{}", s.az),
            &s.pre_services,
        ),
    );
    put(
        tree,
        format!("{dir}/pre-ceph/kustomization.yaml"),
        kustomization(
            &format!(
                "the node set of {} and its pre-Ceph deployment (step pre-ceph-{})",
                s.az, s.az
            ),
            &["../nodeset".into(), "deployment.yaml".into()],
            &[],
        ),
    );
    put(
        tree,
        format!("{dir}/post-ceph/nodeset-ceph.yaml"),
        r("rhoso/nodeset-ceph.yaml.j2", ctx()),
    );
    put(
        tree,
        format!("{dir}/post-ceph/deployment.yaml"),
        deployment(
            &format!(
                "The data plane of {} with its Ceph cluster, cell and Glance (step post-ceph-{}).",
                s.az, s.az
            ),
            format!("post-ceph-{}", s.az),
            &s.post_services,
        ),
    );
    put(
        tree,
        format!("{dir}/post-ceph/kustomization.yaml"),
        kustomization(
            &format!("the node set of {} with its Ceph secret, its services and its post-Ceph deployment (step post-ceph-{})", s.az, s.az),
            &["../nodeset".into(), "../services".into(), "deployment.yaml".into()],
            &["nodeset-ceph.yaml"],
        ),
    );
}

/// The step that applies `path` of RHOSO's tree, if one does. `control-plane/` is the base of
/// `control-plane-dcn/`: once the sites exist, a change to it is applied by the update (applying
/// `control-plane/` alone would take the sites' parts away again). The node set is applied by
/// the pre-Ceph step (and again, with its Ceph secret, by the post-Ceph one: `plan` follows it).
pub(super) fn owner(site_of_az: &HashMap<&str, usize>, path: &str) -> Option<StepKind> {
    let rest = path.strip_prefix("rhoso/")?;
    if rest.starts_with("control-plane/") || rest.starts_with("control-plane-dcn/") {
        return Some(StepKind::UpdateControlPlane);
    }
    if rest == "secrets.sh" {
        return Some(StepKind::Secrets);
    }
    let (az, part) = rest.strip_prefix("sites/")?.split_once('/')?;
    let i = *site_of_az.get(az)?;
    match part.split_once('/')?.0 {
        "nodeset" | "pre-ceph" => Some(StepKind::PreCeph(i)),
        "services" | "post-ceph" => Some(StepKind::PostCeph(i)),
        _ => None,
    }
}
