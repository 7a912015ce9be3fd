//! The deployment as a dependency graph of steps, and its order. TripleO's: deploy central,
//! export it, deploy each edge, (out of band) make each edge's client key at the edge, gather the
//! edges' Ceph clients, update central. RHOSO's: the control plane, each site's pre-Ceph data
//! plane, its Ceph (outside the operators), the secrets, the control plane's DCN update, each
//! site's post-Ceph data plane, host discovery and the zones.
//!
//! Edges of the graph are data dependencies: a step needs what its predecessors produced. The
//! order is a topological sort that prefers steps in the order they were added, so it is stable.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::kinds::Platform;
use crate::model::{Deployment, Topology};

/// What a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StepKind {
    /// The central Ceph cluster, deployed outside TripleO: check it answers and write its
    /// `client.openstack` key for the stacks that use it.
    ExternalCeph,
    /// Deploy the central stack with Glance on its own store.
    DeployCentral,
    /// Deploy the compute stack at the central site (on the external central cluster).
    DeployCompute,
    /// `openstack overcloud export` of the control plane (and its Ceph, where edges use it).
    ExportCentral,
    /// Deploy edge site `sites[i]`.
    DeployEdge(usize),
    /// Point edge `sites[i]`'s Nova at its local Glance and its Glance at its own store (out of band).
    ConfigureEdge(usize),
    /// Make central Glance's least-privilege client key on edge `sites[i]`'s own cluster, at the
    /// edge (out of band): only that client's keyring is then shipped to central.
    MakeEdgeKey(usize),
    /// Bring the edges' Ceph clients (conf + key) to central: `export ceph`, or generated keys.
    GatherEdgeClients,
    /// Give central Glance every edge store.
    UpdateCentral,
    /// RHOSO: apply the control plane before any Ceph cluster exists.
    ControlPlane,
    /// RHOSO: site `sites[i]`'s node set and its pre-Ceph deployment.
    PreCeph(usize),
    /// RHOSO: check what the site's Ceph cluster (deployed outside the operators) left for the
    /// secrets, and that the cluster answers.
    Ceph(usize),
    /// RHOSO: the Ceph client secrets from the files in the work directory.
    Secrets,
    /// RHOSO: the control plane with every site's GlanceAPI, cinder-volume, cell and mounts.
    UpdateControlPlane,
    /// RHOSO: site `sites[i]`'s node set with its Ceph secret, its services, its post-Ceph
    /// deployment.
    PostCeph(usize),
    /// RHOSO: `nova-manage cell_v2 discover_hosts`.
    DiscoverHosts,
    /// RHOSO: the host aggregate of site `sites[i]`'s zone.
    Aggregate(usize),
}

/// One node of the deployment graph.
#[derive(Clone, Debug)]
pub struct Step {
    pub kind: StepKind,
    /// Stable id, e.g. `deploy-dcn0`.
    pub id: String,
    /// What the step does, in a few words.
    pub title: String,
    /// The command that runs it, relative to the output directory.
    pub command: String,
    /// Where it runs: `undercloud`, or the nodes whose files it edits.
    pub host: String,
}

/// The steps of a deployment and their dependencies.
pub struct Plan {
    pub graph: DiGraph<Step, &'static str>,
    /// Every node, in the order to run them.
    pub order: Vec<NodeIndex>,
}

impl Plan {
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.order.iter().map(|&i| &self.graph[i])
    }
}

/// Builds the step graph of a checked deployment, by its target's platform.
pub fn plan(d: &Deployment) -> Plan {
    match d.target.platform {
        Platform::TripleO => tripleo_plan(d),
        Platform::Rhoso => rhoso_plan(d),
    }
}

/// Where RHOSO's steps run: wherever `oc` reaches the OpenShift cluster (and, for the Ceph
/// checks, the `ceph` CLI the clusters).
const RHOSO_HOST: &str = "workstation (oc)";

/// RHOSO's steps: every site's data plane is prepared and its Ceph deployed before the one
/// control plane update that gives every GlanceAPI its stores (a store whose conf is not yet in
/// the secret would point at a missing file), then each site's computes get their Ceph and cell.
fn rhoso_plan(d: &Deployment) -> Plan {
    let mut g: DiGraph<Step, &'static str> = DiGraph::new();
    let add =
        |g: &mut DiGraph<Step, &'static str>, kind, id: String, title: String, command: String| {
            g.add_node(Step {
                kind,
                id,
                title,
                command,
                host: RHOSO_HOST.to_string(),
            })
        };
    let cp = add(
        &mut g,
        StepKind::ControlPlane,
        "control-plane".into(),
        "the control plane, before any Ceph cluster".into(),
        "rhoso/deploy.sh control-plane".into(),
    );
    let secrets = add(
        &mut g,
        StepKind::Secrets,
        "secrets".into(),
        "the Ceph client secrets of every site".into(),
        "rhoso/secrets.sh".into(),
    );
    let update = add(
        &mut g,
        StepKind::UpdateControlPlane,
        "update-control-plane".into(),
        format!(
            "every site's GlanceAPI, cinder-volume and cell ({} zones)",
            d.sites.len()
        ),
        "rhoso/deploy.sh update".into(),
    );
    g.add_edge(secrets, update, "ceph secrets");
    g.add_edge(cp, update, "control plane");
    let discover = add(
        &mut g,
        StepKind::DiscoverHosts,
        "discover-hosts".into(),
        "map the new computes to their cells".into(),
        "rhoso/deploy.sh discover-hosts".into(),
    );
    for (i, s) in d.sites.iter().enumerate() {
        let az = s.az.as_deref().unwrap_or(s.name.as_str());
        let has_nodes = s
            .roles
            .iter()
            .any(|r| r.count > 0 && d.target.role(r.tht_role()).is_some_and(|info| info.compute));
        let ceph = add(
            &mut g,
            StepKind::Ceph(i),
            format!("ceph-{az}"),
            format!(
                "ceph cluster {} (cephadm, outside the operators): check it",
                s.cluster
            ),
            format!("rhoso/deploy.sh ceph {az}"),
        );
        g.add_edge(ceph, secrets, "client conf and keyring");
        if !has_nodes {
            g.add_edge(cp, ceph, "control plane");
            continue;
        }
        let pre = add(
            &mut g,
            StepKind::PreCeph(i),
            format!("pre-ceph-{az}"),
            format!("data plane of {az} before Ceph"),
            format!("rhoso/deploy.sh pre-ceph {az}"),
        );
        g.add_edge(cp, pre, "control plane");
        g.add_edge(pre, ceph, "nodes ready for ceph");
        let post = add(
            &mut g,
            StepKind::PostCeph(i),
            format!("post-ceph-{az}"),
            format!("data plane of {az}: ceph client, libvirt, nova"),
            format!("rhoso/deploy.sh post-ceph {az}"),
        );
        g.add_edge(update, post, "cell and glance of the zone");
        g.add_edge(post, discover, "computes");
        let agg = add(
            &mut g,
            StepKind::Aggregate(i),
            format!("aggregate-{az}"),
            format!("availability zone {az}"),
            format!("rhoso/deploy.sh aggregate {az}"),
        );
        g.add_edge(discover, agg, "compute services");
    }
    if g.neighbors_directed(discover, Direction::Incoming).count() == 0 {
        g.add_edge(update, discover, "cells");
    }
    let order = topo_order(&g);
    Plan { graph: g, order }
}

/// TripleO's step graph.
fn tripleo_plan(d: &Deployment) -> Plan {
    let mut b = Builder {
        g: DiGraph::new(),
        d,
        by_heat: d.target.multistore_by_heat,
        cdir: format!("stacks/{}", d.central().stack),
    };
    let (deploy_c, export_c) = b.central();
    let edge_deploys = b.edges(export_c);
    // Only multistore gives central the edge stores (and, without heat, edits confs by hand).
    if d.topology == Topology::Multistore && !edge_deploys.is_empty() {
        b.update_central(deploy_c, &edge_deploys);
    }
    let order = topo_order(&b.g);
    Plan { graph: b.g, order }
}

/// The graph being built, in the order steps are added (which the stable order prefers).
struct Builder<'a> {
    g: DiGraph<Step, &'static str>,
    d: &'a Deployment,
    by_heat: bool,
    /// Central's stack directory.
    cdir: String,
}

impl Builder<'_> {
    fn add(&mut self, kind: StepKind, id: String, title: String, command: String) -> NodeIndex {
        self.g.add_node(Step {
            host: host_of(kind, self.by_heat, self.d),
            kind,
            id,
            title,
            command,
        })
    }

    /// The external cluster (if any), central's deploy and export, and the central compute
    /// stack: `(deploy, export)`.
    fn central(&mut self) -> (NodeIndex, NodeIndex) {
        let d = self.d;
        let central = d.central();
        let cdir = self.cdir.clone();
        let external = d.external_central().then(|| {
            self.add(
                StepKind::ExternalCeph,
                format!("ceph-{}", central.cluster),
                format!(
                    "external ceph cluster {}: check it, write its client key",
                    central.cluster
                ),
                format!("{cdir}/external-ceph.sh"),
            )
        });
        let deploy_c = self.add(
            StepKind::DeployCentral,
            format!("deploy-{}", central.stack),
            format!(
                "deploy {} with glance on store {}",
                central.stack, central.store
            ),
            format!("{cdir}/deploy.sh"),
        );
        let export_c = self.add(
            StepKind::ExportCentral,
            format!("export-{}", central.stack),
            format!("export {} for the edge stacks", central.stack),
            format!("{cdir}/export.sh"),
        );
        self.g.add_edge(deploy_c, export_c, "deployed stack");
        if let Some(ext) = external {
            self.g.add_edge(ext, deploy_c, "external cluster and key");
        }
        if let Some(compute) = &d.central_compute {
            let n = self.add(
                StepKind::DeployCompute,
                format!("deploy-{}", compute.stack),
                format!(
                    "deploy central compute {} (ceph cluster {}, external)",
                    compute.stack, compute.cluster
                ),
                format!("stacks/{}/deploy.sh", compute.stack),
            );
            self.g.add_edge(export_c, n, "control plane export");
            if let Some(ext) = external {
                self.g.add_edge(ext, n, "external cluster and key");
            }
        }
        (deploy_c, export_c)
    }

    /// Each edge's deploy (and, out of band, configure) step; returns the deploys.
    fn edges(&mut self, export_c: NodeIndex) -> Vec<NodeIndex> {
        let d = self.d;
        // Only where TripleO has no edge Glance services to point each node's Nova at its Glance
        // (`Target::edge_services`): no current table, since THT 12.7.0 has them too.
        let configure =
            d.topology == Topology::Multistore && !self.by_heat && !d.target.edge_services;
        let mut edge_deploys = Vec::new();
        for (i, e) in d.sites.iter().enumerate().skip(1) {
            let n = self.add(
                StepKind::DeployEdge(i),
                format!("deploy-{}", e.stack),
                format!("deploy edge {} (ceph cluster {})", e.stack, e.cluster),
                format!("stacks/{}/deploy.sh", e.stack),
            );
            self.g.add_edge(export_c, n, "control plane export");
            edge_deploys.push(n);
            if configure {
                let conf = self.add(
                    StepKind::ConfigureEdge(i),
                    format!("configure-{}", e.stack),
                    format!("point {}'s nova at its local glance", e.stack),
                    format!("stacks/{}/configure.sh", e.stack),
                );
                self.g.add_edge(n, conf, "deployed stack");
            }
        }
        edge_deploys
    }

    /// Gathering the edges' Ceph clients at central, then giving central Glance their stores.
    fn update_central(&mut self, deploy_c: NodeIndex, edge_deploys: &[NodeIndex]) {
        let (by_heat, cdir) = (self.by_heat, self.cdir.clone());
        // Out of band, each edge makes central Glance's client key on its own cluster; central
        // never holds an edge's admin key (audit finding 11).
        let mut edge_keys = Vec::new();
        if !by_heat {
            let d = self.d;
            for (&n, (i, e)) in edge_deploys.iter().zip(d.sites.iter().enumerate().skip(1)) {
                let key = self.add(
                    StepKind::MakeEdgeKey(i),
                    format!("glance-key-{}", e.stack),
                    format!(
                        "make client.{} on ceph cluster {}, for central glance",
                        d.client_user(e),
                        e.cluster
                    ),
                    format!("stacks/{}/glance-key.sh", e.stack),
                );
                self.g.add_edge(n, key, "edge ceph cluster");
                edge_keys.push(key);
            }
        }
        let gather = self.add(
            StepKind::GatherEdgeClients,
            "gather-edge-ceph-clients".to_string(),
            if by_heat {
                "export the edges' ceph clients for central".to_string()
            } else {
                "install the edges' glance keyrings at central, test them".to_string()
            },
            format!(
                "{cdir}/{}",
                if by_heat {
                    "export-edges.sh"
                } else {
                    "ceph-clients.sh"
                }
            ),
        );
        if by_heat {
            for &n in edge_deploys {
                self.g.add_edge(n, gather, "edge ceph cluster");
            }
        }
        for &k in &edge_keys {
            self.g.add_edge(k, gather, "edge client keyring");
        }
        let update = self.add(
            StepKind::UpdateCentral,
            format!("update-{}", self.d.central().stack),
            format!("give central glance the {} edge stores", edge_deploys.len()),
            if by_heat {
                format!("{cdir}/deploy.sh update")
            } else {
                format!("{cdir}/configure.sh")
            },
        );
        self.g.add_edge(gather, update, "edge ceph clients");
        self.g.add_edge(deploy_c, update, "deployed stack");
    }
}

/// Where a step runs: heat and exports on the undercloud; the proof of concept's out-of-band
/// edits on the nodes whose files they change.
fn host_of(kind: StepKind, by_heat: bool, d: &Deployment) -> String {
    match kind {
        StepKind::ConfigureEdge(i) => {
            format!("{} glance-api and nova-compute nodes", d.sites[i].stack)
        }
        StepKind::MakeEdgeKey(i) => format!("a {} ceph mon node", d.sites[i].stack),
        StepKind::GatherEdgeClients | StepKind::UpdateCentral if !by_heat => {
            format!("{} controllers", d.central().stack)
        }
        _ => "undercloud".to_string(),
    }
}

/// Kahn's algorithm, taking the lowest-numbered ready node first: deterministic, and it keeps the
/// order steps were added in wherever dependencies allow.
fn topo_order<N, E>(g: &DiGraph<N, E>) -> Vec<NodeIndex> {
    let mut indegree: Vec<usize> = g
        .node_indices()
        .map(|n| g.neighbors_directed(n, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<NodeIndex>> = g
        .node_indices()
        .filter(|n| indegree[n.index()] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(g.node_count());
    while let Some(Reverse(n)) = ready.pop() {
        order.push(n);
        for m in g.neighbors_directed(n, Direction::Outgoing) {
            indegree[m.index()] -= 1;
            if indegree[m.index()] == 0 {
                ready.push(Reverse(m));
            }
        }
    }
    assert_eq!(
        order.len(),
        g.node_count(),
        "the step graph is acyclic by construction"
    );
    order
}

/// The graph in Graphviz DOT.
pub fn to_dot(p: &Plan) -> String {
    let mut s = String::from("digraph dcn {\n  rankdir=LR;\n  node [shape=box];\n");
    for &n in &p.order {
        let step = &p.graph[n];
        let _ = writeln!(
            s,
            "  \"{}\" [label=\"{}\\n{}\"];",
            step.id,
            step.id,
            step.title.replace('"', "'")
        );
    }
    for &n in &p.order {
        let mut outs: Vec<_> = p.graph.edges_directed(n, Direction::Outgoing).collect();
        outs.sort_by_key(petgraph::visit::EdgeRef::target);
        for e in outs {
            let (a, b) = (&p.graph[n], &p.graph[petgraph::visit::EdgeRef::target(&e)]);
            let _ = writeln!(
                s,
                "  \"{}\" -> \"{}\" [label=\"{}\"];",
                a.id,
                b.id,
                e.weight()
            );
        }
    }
    s.push_str("}\n");
    s
}

/// The graph as a mermaid flowchart.
pub fn to_mermaid(p: &Plan) -> String {
    let mut s = String::from("flowchart LR\n");
    for &n in &p.order {
        let step = &p.graph[n];
        let _ = writeln!(
            s,
            "  n{}[\"{}<br/>{}\"]",
            n.index(),
            step.id,
            step.title.replace('"', "'")
        );
    }
    for &n in &p.order {
        let mut outs: Vec<_> = p.graph.neighbors_directed(n, Direction::Outgoing).collect();
        outs.sort();
        for m in outs {
            let _ = writeln!(s, "  n{} --> n{}", n.index(), m.index());
        }
    }
    s
}

/// The order as numbered lines: `1. deploy-control-plane  stacks/control-plane/deploy.sh`.
pub fn to_order(p: &Plan) -> String {
    let width = p.steps().map(|s| s.id.len()).max().unwrap_or(0);
    let mut s = String::new();
    for (i, step) in p.steps().enumerate() {
        let _ = writeln!(
            s,
            "{:>3}. {:<width$}  {}  (on {})",
            i + 1,
            step.id,
            step.command,
            step.host
        );
    }
    s
}
