//! Central's scripts: `export.sh` (`openstack overcloud export`), `external-ceph.sh` (the key of
//! an external central cluster), and, once there are edges, how their Ceph clients reach central:
//! `export-edges.sh` (heat) or, in the proof of concept, each edge's `glance-key.sh` (the key
//! made on the edge's own cluster), then central's `ceph-clients.sh` and `configure.sh`.

use minijinja::{context, Value};

use super::super::ceph::mon_list;
use super::super::templates::{render, v};
use super::super::Tree;
use super::confs::strip_comments;
use super::stack::Stack;
use super::{central_ceph_export, central_export, external_key_file, EDGE_CEPH_EXPORT};

/// Puts central's scripts into the tree; `glance_conf` is its rendered glance-api.conf.
pub(super) fn emit_central(s: &Stack, glance_conf: &str, tree: &mut Tree) {
    let d = s.d;
    let mut central_exports = vec![central_export(d)];
    // An external cluster is no stack to export: external-ceph.sh writes its client.
    if s.f.edges_use_central && !d.external_central() {
        central_exports.push(central_ceph_export(d));
    }
    let ctx = context! { exports => v(&central_exports), ..s.ctx.clone() };
    s.put_file(tree, "export.sh", render("tripleo/export.sh.j2", ctx));
    if s.site.key.is_some() {
        external_ceph(s, tree);
    }
    if s.f.has_edges {
        edge_clients(s, glance_conf, tree);
    }
}

/// `external-ceph.sh`: checks the external central cluster and writes its key for the stacks
/// that use it.
fn external_ceph(s: &Stack, tree: &mut Tree) {
    let d = s.d;
    let key_users: Vec<String> = std::iter::once(s.site)
        .chain(&d.central_compute)
        .map(|s| s.stack.to_string())
        .collect();
    let ctx = context! {
        key => v(&s.site.key), key_file => external_key_file(d),
        // central's cluster: TripleO's `openstack` user, with its caps
        own_caps => false,
        key_users => key_users,
        edge_export => s.f.edges_use_central.then(|| central_ceph_export(d)),
        pools => [d.glance.pool.to_string(), "volumes".into(), "vms".into()],
        ..s.ctx.clone()
    };
    s.put_file(
        tree,
        "external-ceph.sh",
        render("tripleo/external-ceph.sh.j2", ctx),
    );
}

/// How the edges' Ceph clients (conf and key) reach central Glance.
fn edge_clients(s: &Stack, glance_conf: &str, tree: &mut Tree) {
    let d = s.d;
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
    if s.f.by_heat {
        let ctx = context! {
            edges => edges, edge_export => EDGE_CEPH_EXPORT,
            keys_by_ref => d.edges().iter().any(|e| e.key.is_some()),
            // central Glance's own user: the caps its edges made it with (CephExtraKeys)
            own_caps => d.edge_extra_key(),
            client_user => &d.glance.client_user, ..s.ctx.clone()
        };
        s.put_file(
            tree,
            "export-edges.sh",
            render("tripleo/export-edges.sh.j2", ctx),
        );
    } else {
        let ctx = context! { edges => edges, ..s.ctx.clone() };
        s.put_file(
            tree,
            "ceph-clients.sh",
            render("tripleo/ceph-clients.sh.j2", ctx),
        );
        let ctx = context! {
            stores => v(&s.stores), fragment => strip_comments(glance_conf), ..s.ctx.clone()
        };
        s.put_file(
            tree,
            "configure.sh",
            render("tripleo/configure-central.sh.j2", ctx),
        );
    }
}

/// `glance-key.sh` of an edge (the proof of concept): run on the edge, it makes central Glance's
/// least-privilege client on the edge's own cluster and writes only that client's keyring, which
/// the operator ships to central for `ceph-clients.sh` (the seed's playbook made the key on the
/// DCN node the same way).
pub(super) fn edge_key(s: &Stack, tree: &mut Tree) {
    let user = s.d.client_user(s.site);
    let ctx = context! {
        user => &user,
        keyring => format!("{}.client.{user}.keyring", s.site.cluster),
        central_stack => s.d.central().stack.as_str(),
        ..s.ctx.clone()
    };
    s.put_file(
        tree,
        "glance-key.sh",
        render("tripleo/glance-key.sh.j2", ctx),
    );
}
