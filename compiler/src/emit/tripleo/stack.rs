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
use crate::model::{Deployment, Site, SiteKind, SiteNetwork};
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
        let ctx = context! { roles => baremetal_roles(d, site), ..s.ctx.clone() };
        s.put_file(
            tree,
            "baremetal.yaml",
            render("tripleo/baremetal.yaml.j2", ctx),
        );
        if let Some(nets) = vip_networks(d, site) {
            let ctx = context! { vip_networks => v(&nets), ..s.ctx.clone() };
            s.put_file(
                tree,
                "vip_data.yaml",
                render("tripleo/vip_data.yaml.j2", ctx),
            );
        }
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

/// The networks with a VIP in THT's network isolation (network-data-samples/
/// default-network-isolation.yaml `vip: true`, 14.3.0 and 18.0.0 alike; Tenant has none).
const VIP_NETWORKS: [&str; 4] = ["External", "InternalApi", "Storage", "StorageMgmt"];

/// The stack's networks that get a VIP in its `vip_data.yaml` (besides ctlplane), on the site's
/// subnets; `None` when the stack keeps THT's `vip_data_default.yaml` (no `network_data`, whose
/// default networks have only the ctlplane VIP, or a client without `network vip provision`).
pub(crate) fn vip_networks<'a>(d: &Deployment, site: &'a Site) -> Option<Vec<&'a SiteNetwork>> {
    let provisions = d.target.client.is_some_and(|c| c.network_commands);
    (site.network_data.is_some() && provisions).then(|| {
        (site.networks.iter())
            .filter(|n| VIP_NETWORKS.contains(&n.name.as_str()))
            .collect()
    })
}

/// A network port of a role's nodes in `baremetal.yaml`: its Neutron name and the site's subnet.
#[derive(Serialize)]
struct BaremetalNetwork<'a> {
    network: &'a str,
    subnet: &'a str,
}

/// The roles of `baremetal.yaml`. With `network_data` (on a client with network provisioning),
/// each role's `defaults` give its nodes a port on every network of its THT role that the stack
/// is on, on the stack's subnet (tripleo-ansible 6.0.0 tripleo_overcloud_network_ports.py:309-345:
/// `subnet` picks one of a routed network's subnets, a network with several fails without it;
/// baremetal_deploy.py:369-385 merges `defaults.networks` into each instance, its own ctlplane
/// `fixed_ip` kept), and the `network_config` that `node provision --network-config` applies
/// (tripleo_generate_inventory_network_config.py:61-71: `template`, `default_route_network`,
/// default `['ctlplane']`, which tags the port the default route goes through:
/// tripleo_overcloud_network_ports.py:288-305, tripleo-common 18.0.0 inventory.py:175-179).
/// That is the file `openstack overcloud node extract provisioned` writes of a deployed stack
/// (python-tripleoclient 16.5.0 v1/overcloud_node.py:566-614, 20.0.0 :613-666).
fn baremetal_roles(d: &Deployment, site: &Site) -> Value {
    let ports = site.network_data.is_some() && d.target.client.is_some_and(|c| c.network_commands);
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
            let info = d.target.role(r.tht_role());
            let role_nets = info.map_or(&[][..], |i| i.networks);
            let networks: Vec<BaremetalNetwork> = (site.networks.iter())
                .filter(|n| role_nets.contains(&n.name.as_str()))
                .map(|n| BaremetalNetwork {
                    network: &n.name_lower,
                    subnet: &n.subnet,
                })
                .collect();
            // The role's default route network, where the stack is on it; else the control plane.
            let mut default_route: Vec<String> = (info
                .map_or(&[][..], |i| i.default_route_networks))
            .iter()
            .filter_map(|dr| site.networks.iter().find(|n| n.name == *dr))
            .map(|n| n.name_lower.clone())
            .collect();
            if default_route.is_empty() {
                default_route.push("ctlplane".into());
            }
            let network_config = ports.then(|| {
                context! {
                    template => &site.network_config_template,
                    default_route => default_route,
                }
            });
            context! {
                name => &r.name, count => r.count, nodes => v(&nodes),
                networks => ports.then(|| v(&networks)),
                network_config => network_config,
            }
        })
        .collect();
    Value::from(roles)
}
