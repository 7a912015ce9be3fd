//! One stack's directory (`stacks/<stack>/`): its heat environment files, `baremetal.yaml`
//! (provisioned flow), the glance-api.conf and nova.conf it gets, and `deploy.sh`; central's
//! scripts (and an edge's key script) come from `central`, an edge's configure script from
//! `confs`.

use minijinja::{context, Value};
use serde::Serialize;

use super::super::ceph::mon_list;
use super::super::stores::{stores_of, StoreRef};
use super::super::templates::{render, v};
use super::super::{put, Tree};
use super::EDGE_CEPH_EXPORT;
use super::{central, central_ceph_export, central_export, confs, external_key_file, hiera, Facts};
use crate::model::{Deployment, Site, SiteKind};
use crate::target::{CephTool, DeployFlow};

/// One stack being emitted, with what its files share.
pub(super) struct Stack<'a> {
    pub d: &'a Deployment,
    pub f: &'a Facts,
    pub site: &'a Site,
    pub dir: String,
    /// The stores its Glance sees, its own first.
    pub stores: Vec<StoreRef<'a>>,
    /// A client of the external central cluster rather than the deployer of its own.
    pub external_ceph: bool,
    /// The context of every template of the stack.
    pub ctx: Value,
}

impl Stack<'_> {
    pub fn put_file(&self, tree: &mut Tree, file: &str, content: String) {
        put(tree, format!("{}/{file}", self.dir), content);
    }

    pub fn remote(&self) -> &[StoreRef<'_>] {
        &self.stores[1..]
    }
}

/// Puts the files of the stack of `site` into `tree`.
pub(super) fn emit_stack(
    d: &Deployment,
    f: &Facts,
    base: &Value,
    index: usize,
    site: &Site,
    tree: &mut Tree,
) {
    let is_central = site.kind == SiteKind::Central;
    let external_ceph = !d.deploys_own_cluster(site);
    // Central Glance's own user on this edge's cluster, made by CephExtraKeys (heat targets).
    let extra_key = (site.kind == SiteKind::Edge && d.edge_extra_key()).then(|| {
        context! {
            user => d.client_user(site),
            key => v(&site.key),
        }
    });
    let ctx = context! {
        extra_key => extra_key,
        site => v(site), external_ceph => external_ceph,
        mon_ips => mon_list(site),
        ceph_ansible => d.target.ceph_tool == CephTool::CephAnsible,
        osd_hosts => site.osd_hosts(d.target),
        ..base.clone()
    };
    let s = Stack {
        d,
        f,
        site,
        dir: format!("stacks/{}", site.stack),
        stores: stores_of(d, site),
        external_ceph,
        ctx,
    };
    if d.target.flow == DeployFlow::Provisioned {
        let ctx = context! { roles => baremetal_roles(site), ..s.ctx.clone() };
        s.put_file(
            tree,
            "baremetal.yaml",
            render("tripleo/baremetal.yaml.j2", ctx),
        );
    }
    let own_files = env_files(&s, tree);
    let configured = match site.kind {
        SiteKind::Central => f.has_edges && !f.by_heat,
        SiteKind::Edge => f.configured_edges[index],
        SiteKind::Compute => false,
    };
    let confs = confs::emit_confs(&s, configured, tree);
    let update_files = update_files(&s, tree);
    let ceph_files = cephadm_files(&s, tree);
    deploy_script(&s, &own_files, &update_files, &ceph_files, tree);
    if is_central {
        central::emit_central(&s, &confs.glance, tree);
    } else if configured {
        confs::configure_edge(&s, &confs, tree);
    }
    if site.kind == SiteKind::Edge && f.has_edges && !f.by_heat {
        central::edge_key(&s, tree);
    }
}

/// The stack's own environment files, in `-e` order, put into the tree.
fn env_files(s: &Stack, tree: &mut Tree) -> Vec<&'static str> {
    let is_central = s.site.kind == SiteKind::Central;
    let mut own_files = vec!["env/overrides.yaml", "env/ceph.yaml"];
    if !is_central {
        own_files.push("env/az.yaml");
    }
    own_files.push("env/glance.yaml");
    let (parameters, hiera) = hiera::parameters(s);
    let ctx = context! { parameters => v(&parameters), hiera => hiera, ..s.ctx.clone() };
    s.put_file(
        tree,
        "env/overrides.yaml",
        render("tripleo/env/overrides.yaml.j2", ctx),
    );
    for file in &own_files[1..own_files.len() - 1] {
        let template = format!("tripleo/{file}.j2");
        s.put_file(tree, file, render(&template, s.ctx.clone()));
    }
    // Central's first deploy has its own store only; with heat, the edge stores come in the
    // update, from glance-multistore.yaml. Without heat, edges have no remote stores.
    let heat_remote: &[StoreRef] = if is_central || !s.f.by_heat {
        &[]
    } else {
        s.remote()
    };
    let ctx = context! { remote => v(heat_remote), ..s.ctx.clone() };
    s.put_file(
        tree,
        "env/glance.yaml",
        render("tripleo/env/glance.yaml.j2", ctx),
    );
    own_files
}

/// Central's update with the edge stores (heat): `env/glance-multistore.yaml`, put into the
/// tree, and the files `deploy.sh update` adds.
fn update_files(s: &Stack, tree: &mut Tree) -> Vec<String> {
    if !(s.site.kind == SiteKind::Central && s.f.by_heat && s.f.has_edges) {
        return Vec::new();
    }
    let ctx = context! { remote => v(s.remote()), ..s.ctx.clone() };
    let content = render("tripleo/env/glance-multistore.yaml.j2", ctx);
    s.put_file(tree, "env/glance-multistore.yaml", content);
    vec![
        format!("$WORK/{EDGE_CEPH_EXPORT}"),
        "$HERE/env/glance-multistore.yaml".into(),
    ]
}

/// What `openstack overcloud ceph deploy` of a cephadm stack gets from the tree, besides the
/// fsid: the OSD spec (`--osd-spec`, the spec's `osd_devices`) and the initial ceph.conf
/// (`--config`, the pool size), each put into the tree when the spec sets it.
#[derive(Default, Serialize)]
struct CephadmFiles {
    osd_spec: Option<&'static str>,
    config: Option<&'static str>,
}

fn cephadm_files(s: &Stack, tree: &mut Tree) -> CephadmFiles {
    let mut files = CephadmFiles::default();
    if s.d.target.ceph_tool != CephTool::Cephadm || s.external_ceph {
        return files;
    }
    if !s.site.osd_devices.is_empty() {
        let file = "osd-spec.yaml";
        s.put_file(
            tree,
            file,
            render("tripleo/osd-spec.yaml.j2", s.ctx.clone()),
        );
        files.osd_spec = Some(file);
    }
    if s.site.pool_size.is_some() {
        let file = "initial-ceph.conf";
        let content = render("tripleo/initial-ceph.conf.j2", s.ctx.clone());
        s.put_file(tree, file, content);
        files.config = Some(file);
    }
    files
}

fn deploy_script(
    s: &Stack,
    own_files: &[&str],
    update_files: &[String],
    ceph_files: &CephadmFiles,
    tree: &mut Tree,
) {
    let d = s.d;
    let tht_environments = d.target.environments(s.site.kind, s.external_ceph);
    let mut exports = Vec::new();
    if s.site.kind != SiteKind::Central {
        exports.push(central_export(d));
    }
    if s.site.kind == SiteKind::Edge && s.f.edges_use_central {
        exports.push(central_ceph_export(d));
    }
    if s.external_ceph {
        exports.push(external_key_file(d));
    }
    let ctx = context! {
        tht_environments => v(&tht_environments),
        exports => v(&exports),
        own_files => v(own_files),
        update_files => v(update_files),
        ceph_files => v(ceph_files),
        ..s.ctx.clone()
    };
    s.put_file(tree, "deploy.sh", render("tripleo/deploy.sh.j2", ctx));
}

/// A role's nodes for `openstack overcloud node provision`: its host names, node tags and, where
/// the spec lists its nodes, fixed ctlplane addresses. The tag is the role's hint with `%index%`
/// expanded, which node provision does not do itself.
#[derive(Serialize)]
struct BaremetalNode {
    hostname: String,
    tag: Option<String>,
    ctlplane_ip: Option<String>,
}

fn baremetal_roles(site: &Site) -> Value {
    let roles: Vec<Value> = (site.roles.iter())
        .filter(|r| r.count > 0)
        .map(|r| {
            let nodes: Vec<BaremetalNode> = (0..r.count)
                .map(|i| BaremetalNode {
                    hostname: r.hostname(site.stack.as_str(), i),
                    tag: (r.hint.as_ref()).map(|h| h.replace("%index%", &i.to_string())),
                    ctlplane_ip: (r.nodes.get(i as usize)).map(|n| n.ctlplane_ip.to_string()),
                })
                .collect();
            context! { name => &r.name, count => r.count, nodes => v(&nodes) }
        })
        .collect();
    Value::from(roles)
}
