//! Checking: turns a parsed [`Spec`] into a validated [`Deployment`], applying defaults and
//! reporting every problem at once, each located at the value that causes it.
//!
//! Invariant: check does no I/O and never stops at the first problem.
//!
//! One file per concern, each naming the codes it owns: `globals` (settings of the whole
//! deployment), `glance` (Glance settings, staging), `cache` (the edge image cache), `ceph` (the
//! OSD disks and hosts of each cluster TripleO deploys), `topology`, `fields` (the
//! fields every site has), `sites` (central, the edges, the central compute stack), `roles`,
//! `params` (pass-through heat parameters), `keys` (key references), `across` (rules between
//! sites, and which stores each Glance uses), `images` (how images reach the edges and boot
//! there), `nodes` (the nodes roles list), `rhoso` (what RHOSO's operators need, and the `rhoso:`
//! settings), `text` (what a free-form string may hold, by where it goes), `values` (pass-through
//! values as data), `placeholder` (the `dcnc init` placeholders, DCN063). This file owns DCN032 (no edges).

mod across;
mod cache;
mod ceph;
mod fields;
mod glance;
mod globals;
mod images;
mod keys;
mod networks;
mod nodes;
mod params;
pub mod placeholder;
mod rhoso;
mod roles;
mod sites;
mod text;
mod topology;
mod values;

pub use params::owned_parameter;
pub(crate) use params::{OWNED_HIERA, OWNED_POLICIES};
pub(crate) use text::never as hidden_char;

use crate::diag::{Code, Diagnostic, Span};
use crate::model::{Deployment, Site, Topology};
use crate::spec::{defaults, Located, Spec, TargetName};
use crate::target::Target;

/// Collects the diagnostics of one check run.
struct Checker {
    diags: Vec<Diagnostic>,
}

impl Checker {
    fn error(&mut self, code: Code, span: impl Into<Option<Span>>, msg: String) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, span, msg));
        self.diags.last_mut().expect("just pushed")
    }

    fn warning(
        &mut self,
        code: Code,
        span: impl Into<Option<Span>>,
        msg: String,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::warning(code, span, msg));
        self.diags.last_mut().expect("just pushed")
    }

    /// Parses a located name into its newtype, reporting `code` when it is invalid.
    fn name<T>(
        &mut self,
        value: &str,
        span: Option<Span>,
        what: &str,
        code: Code,
        parse: fn(&str) -> Option<T>,
        rule: &str,
    ) -> Option<T> {
        let parsed = parse(value);
        if parsed.is_none() {
            self.error(code, span, format!("invalid {what} `{value}`"))
                .help = Some(format!("a {what} is {rule}"));
        }
        parsed
    }
}

/// A value from the spec or its default; `span` is where it was written, if it was.
fn or_default<T: Clone>(v: &Option<Located<T>>, default: T) -> (T, Option<Span>) {
    match v {
        Some(l) => (l.value.clone(), Some(l.span)),
        None => (default, None),
    }
}

/// Where the names of one site were written, for cross-site diagnostics.
#[derive(Default, Clone)]
struct SiteSpans {
    name: Option<Span>,
    stack: Option<Span>,
    cluster: Option<Span>,
    store: Option<Span>,
    az: Option<Span>,
    fsid: Option<Span>,
    /// One span per parsed mon address, in order.
    mons: Vec<Span>,
}

/// Checks a spec, for `target` if given, else for the spec's own target. Returns the deployment
/// when there is no error, and every diagnostic found.
pub fn check(spec: &Spec, target: Option<TargetName>) -> (Option<Deployment>, Vec<Diagnostic>) {
    let mut c = Checker { diags: Vec::new() };
    let target = Target::get(
        target
            .or(spec.target.as_ref().map(|t| t.value))
            .unwrap_or(defaults::target()),
    );
    let topology = spec
        .topology
        .as_ref()
        .map_or(defaults::topology(), |t| t.value);
    let glance = glance::check_glance(&mut c, spec, target);
    topology::check_topology(&mut c, spec, topology, target);
    let (mut sites, site_spans) = check_sites(&mut c, spec, target, glance.as_ref());
    keys::check_key_mix(&mut c, spec);
    let central_compute = match (&spec.central.compute, sites.first()) {
        (Some(compute), Some(central)) => {
            sites::check_compute(&mut c, compute, central, &sites, &spec.central.ntp, target)
        }
        _ => None,
    };
    // Cross-site rules run over every site that checked out, so they are reported together with
    // the problems that kept other sites out; resolving stores needs all of them.
    across::check_across_sites(&mut c, &sites, &site_spans);
    if sites.len() == spec.edges.len() + 1 && topology == Topology::Multistore {
        across::resolve_stores(&mut c, spec, target, &mut sites);
        keys::check_exported_ports(&mut c, spec, target, &sites, &site_spans);
    }
    if let Some(glance) = &glance {
        images::check_images(&mut c, spec, target, topology, &sites, glance);
    }
    ceph::check_ceph(&mut c, spec, target, &mut sites);
    values::check_total_size(&mut c, spec);
    nodes::check_unique_nodes(&mut c, spec);
    nodes::check_nodes_needed(&mut c, spec, target, &sites);
    rhoso::check_operators(&mut c, spec, target, topology, &sites);
    let rhoso = rhoso::check_settings(&mut c, spec);
    let globals = globals::check_globals(&mut c, spec);
    let container_images = globals::check_container_images(&mut c, spec, target);

    let mut diags = c.diags;
    crate::diag::sort(&mut diags);
    // `edge_defaults` is checked once per edge: report each of its problems once.
    diags.dedup();
    if crate::diag::has_errors(&diags) {
        return (None, diags);
    }
    let deployment = Deployment {
        target,
        topology,
        region: globals.region,
        tht: globals.tht,
        work_dir: globals.work_dir,
        glance: glance.expect("no errors means glance settings are valid"),
        ceph_conf_dir: globals.ceph_conf_dir,
        client_mount_timeout: globals.client_mount_timeout,
        sites,
        central_compute,
        rhoso,
        container_images: container_images.expect("no errors means container_images is valid"),
    };
    (Some(deployment), diags)
}

/// Central and the edges, in spec order, with where their names were written. A site with an
/// error is left out; the staging rule needs central's roles, so it runs between them.
fn check_sites(
    c: &mut Checker,
    spec: &Spec,
    target: &'static Target,
    glance: Option<&crate::model::GlanceSettings>,
) -> (Vec<Site>, Vec<SiteSpans>) {
    let mut sites = Vec::with_capacity(spec.edges.len() + 1);
    let mut site_spans = Vec::with_capacity(spec.edges.len() + 1);
    if let Some((site, spans)) = sites::check_central(c, &spec.central, target) {
        sites.push(site);
        site_spans.push(spans);
    }
    if target.heat {
        // The staging share is TripleO's (GlanceStagingNfsShare); RHOSO's APIs have their own.
        glance::check_staging(c, spec, sites.first(), glance, target);
    }
    if spec.edges.is_empty() {
        c.warning(Code::NoEdges, None, "the spec has no edge site".into())
            .help = Some("add sites under `edges:`; each needs `name`, `fsid` and `mons`".into());
    }
    let shared = params::check_shared(c, &spec.edge_defaults.parameters);
    for edge in &spec.edges {
        if let Some((site, spans)) = sites::check_edge(c, spec, (edge, &shared), target) {
            sites.push(site);
            site_spans.push(spans);
        }
    }
    (sites, site_spans)
}
