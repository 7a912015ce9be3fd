//! The deployment as a dependency graph of steps (deploy central, export it, deploy each edge,
//! (out of band) make each edge's client key at the edge, gather the edges' Ceph clients, update
//! central), and its order.
//!
//! Edges of the graph are data dependencies: a step needs what its predecessors produced. The
//! order is a topological sort that prefers steps in the order they were added, so it is stable.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

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

/// Builds the step graph of a checked deployment.
pub fn plan(d: &Deployment) -> Plan {
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
        let configure = d.topology == Topology::Multistore && !self.by_heat;
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
