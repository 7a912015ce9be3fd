//! The sites: central, each edge, and the central compute stack, each turned into a
//! `model::Site` from its own fields and the defaults. Owns DCN029 (site name), DCN023 (stack
//! name), DCN028 (glance endpoint), DCN027 (no glance at an edge), DCN012 (duplicate) for
//! availability zones and the compute stack, DCN011 (cluster is a stack) for the compute stack,
//! and DCN036 (wrong topology) for Ceph roles on an external cluster.

use std::collections::BTreeMap;

use super::fields::{check_common, check_ntp, check_path};
use super::keys::{check_key, check_key_ref};
use super::networks::{check_networks, NetworkFields};
use super::params::{apply_shared, check_parameters, Shared, Stack};
use super::roles::{check_roles, default_roles};
use super::text::{check_text, Kind};
use super::{or_default, Checker, SiteSpans};
use crate::diag::{Code, Span};
use crate::model::*;
use crate::spec::{self, defaults, Located, Spec};
use crate::target::Target;

pub(super) fn check_central(
    c: &mut Checker,
    s: &spec::Central,
    target: &Target,
) -> Option<(Site, SiteSpans)> {
    let mut spans = SiteSpans::default();
    let (stack, stack_span) = or_default(&s.stack, defaults::central_stack().to_string());
    spans.stack = stack_span;
    spans.name = stack_span;
    let stack_name = stack_name(c, &stack, stack_span);
    let cluster = or_default(&s.cluster, defaults::central_cluster().to_string());
    let az = central_az(c, s, &cluster.0, &mut spans);
    let common = check_common(c, cluster, &s.fsid, &s.mons, &s.store, &mut spans);
    let roles = central_roles(c, s, &stack, target);
    let key = s
        .external
        .as_ref()
        .and_then(|e| check_key_ref(c, &e.value.key));
    let mut parameters = BTreeMap::new();
    let this = Stack {
        name: &stack,
        kind: SiteKind::Central,
        target,
        roles: role_names(s.roles.as_deref()),
    };
    check_parameters(c, &s.parameters, &this, &mut parameters);
    let ntp = s.ntp.iter().map(|n| check_ntp(c, n)).collect();
    let environment_files = s
        .environment_files
        .iter()
        .map(|p| check_path(c, p, "environment_files"))
        .collect();
    let roles_file = s
        .roles_file
        .as_ref()
        .map(|p| check_path(c, p, "roles_file"));
    let network_data = s
        .network_data
        .as_ref()
        .map(|p| check_path(c, p, "network_data"));
    let (networks, network_config_template) = check_networks(
        c,
        &NetworkFields {
            networks: s.networks.as_ref(),
            template: s.network_config_template.as_ref(),
            network_data: network_data.is_some(),
            roles_file: roles_file.is_some(),
        },
        &stack,
        &roles,
        target,
    );
    let site = Site {
        kind: SiteKind::Central,
        name: SiteName::parse(stack_name.as_ref()?.as_str())?,
        stack: stack_name?,
        cluster: common.cluster?,
        fsid: common.fsid?,
        mons: common.mons,
        store: common.store?,
        store_description: common.description,
        // TripleO's control plane stack keeps Nova's default zone; RHOSO's central site is a zone.
        az: target.operators.is_some().then_some(az),
        glance_endpoint: None,
        key,
        remote_stores: Vec::new(),
        roles,
        osd_devices: Vec::new(),
        pool_size: None,
        roles_file,
        network_data,
        networks,
        network_config_template,
        environment_files,
        ntp,
        parameters,
    };
    Some((site, spans))
}

/// Central's zone: `az`, else its cluster's name.
fn central_az(c: &mut Checker, s: &spec::Central, cluster: &str, spans: &mut SiteSpans) -> String {
    let (az, az_span) = or_default(&s.az, cluster.to_string());
    spans.az = az_span.or(s.cluster.as_ref().map(|l| l.span));
    check_text(c, &az, spans.az, "az", Kind::Zone);
    if az == "nova" {
        c.error(
            Code::Duplicate,
            spans.az,
            format!("`{az}` cannot be the central availability zone"),
        )
        .help = Some("central needs its own zone, not the default `nova`".into());
    }
    az
}

/// The role names a stack's spec lists (none: the default roles, which THT ships).
fn role_names(roles: Option<&[spec::Role]>) -> Vec<&str> {
    roles
        .unwrap_or_default()
        .iter()
        .map(|r| r.name.value.as_str())
        .collect()
}

fn stack_name(c: &mut Checker, stack: &str, span: Option<Span>) -> Option<StackName> {
    c.name(
        stack,
        span,
        "stack name",
        Code::BadStackName,
        StackName::parse,
        StackName::RULE,
    )
}

/// Central's roles; an external cluster needs no Ceph nodes at central.
fn central_roles(
    c: &mut Checker,
    s: &spec::Central,
    stack: &str,
    target: &Target,
) -> Vec<RoleCount> {
    let external = s.external.as_ref();
    let roles = match &s.roles {
        Some(r) => check_roles(c, r, stack, SiteKind::Central, target),
        None if external.is_some() => {
            let mut roles = default_roles(SiteKind::Central, stack);
            roles.retain(|r| target.role(r.tht_role()).is_some_and(|i| !i.ceph_osd));
            roles
        }
        None => default_roles(SiteKind::Central, stack),
    };
    if let (Some(ext), Some(list)) = (external, &s.roles) {
        for r in list {
            if target.role(r.tht_role()).is_some_and(|i| i.ceph_osd) {
                c.error(Code::WrongTopology, r.name.span, format!("role `{}` runs Ceph OSDs, but central's cluster is external", r.name.value))
                    .help = Some(format!("with `central.external` (line {}) TripleO deploys no Ceph at central (its client environment leaves CephOSD unset), so these nodes would run no OSD: use `Controller` and `Compute`", ext.span.line));
            }
        }
    }
    roles
}

/// A stack's own role list (every role known) gives no node a Glance API (GlanceApiEdge).
fn runs_no_glance(listed: &[spec::Role], roles: &[RoleCount], target: &Target) -> bool {
    let all_known = listed.iter().all(|r| target.role(r.tht_role()).is_some());
    let glance_nodes: u64 = (roles.iter())
        .filter(|r| target.role(r.tht_role()).is_some_and(|i| i.edge_glance))
        .map(|r| u64::from(r.count))
        .sum();
    all_known && glance_nodes == 0
}

/// Pass-through settings of a stack: `(parameters, environment files, network data)`.
type PassThrough = (
    BTreeMap<String, serde_json::Value>,
    Vec<String>,
    Option<String>,
);

pub(super) fn check_edge(
    c: &mut Checker,
    spec: &Spec,
    (e, shared): (&spec::Edge, &Shared),
    target: &'static Target,
) -> Option<(Site, SiteSpans)> {
    let mut spans = SiteSpans {
        name: Some(e.name.span),
        ..SiteSpans::default()
    };
    let name = c.name(
        &e.name.value,
        Some(e.name.span),
        "site name",
        Code::BadName,
        SiteName::parse,
        SiteName::RULE,
    );
    let (stack, stack_span) = or_default(&e.stack, e.name.value.clone());
    spans.stack = stack_span.or(spans.name);
    let stack_name = stack_name(c, &stack, spans.stack);
    let common = check_common(
        c,
        or_default(&e.cluster, e.name.value.clone()),
        &e.fsid,
        &e.mons,
        &e.store,
        &mut spans,
    );
    let az = edge_az(c, e, &mut spans);
    let (port, _) = or_default(&spec.edge_defaults.glance_port, target.edge_glance_port);
    let endpoint = edge_endpoint(c, e, port, target);
    let roles = edge_roles(c, spec, e, &stack, target);
    let this = Stack {
        name: &e.name.value,
        kind: SiteKind::Edge,
        target,
        roles: role_names(e.roles.as_deref().or(spec.edge_defaults.roles.as_deref())),
    };
    let (parameters, environment_files, network_data) =
        edge_pass_through(c, spec, e, (&this, shared));
    let (networks, network_config_template) = check_networks(
        c,
        &NetworkFields {
            networks: e.networks.as_ref(),
            template: e.network_config_template.as_ref(),
            network_data: network_data.is_some(),
            roles_file: false,
        },
        &stack,
        &roles,
        target,
    );
    let site = Site {
        kind: SiteKind::Edge,
        name: name?,
        stack: stack_name?,
        cluster: common.cluster?,
        fsid: common.fsid?,
        mons: common.mons,
        store: common.store?,
        store_description: common.description,
        az: Some(az),
        glance_endpoint: endpoint,
        key: check_key(c, e, target),
        remote_stores: Vec::new(),
        roles,
        osd_devices: Vec::new(),
        pool_size: None,
        roles_file: None,
        network_data,
        networks,
        network_config_template,
        environment_files,
        ntp: spec.central.ntp.iter().map(|n| n.value.clone()).collect(),
        parameters,
    };
    Some((site, spans))
}

/// The address of an edge's local Glance: required where dcnc points Nova at it itself.
fn edge_endpoint(c: &mut Checker, e: &spec::Edge, port: u16, target: &Target) -> Option<Endpoint> {
    let Some(api) = &e.glance_api else {
        // Without heat (rhoso-18) the target's own check says what the address is for.
        if !target.edge_services && target.heat {
            c.error(Code::BadEndpoint, e.name.span, format!("edge `{}` has no `glance_api`", e.name.value))
                .help = Some(format!("target `{}` has no edge Glance services: its configure.sh points the site's Nova at this address; add `glance_api: <IP of the site's Glance>`", target.id));
        }
        return None;
    };
    let endpoint = Endpoint::parse(api.value.trim(), port);
    if endpoint.is_none() {
        c.error(Code::BadEndpoint, api.span, format!("`{}` is not a glance API address", api.value))
            .help = Some("write the IP of the site's local Glance, optionally with a port or as a URL: `172.16.13.212`, `http://172.16.13.212:9292`".into());
    }
    endpoint
}

fn edge_az(c: &mut Checker, e: &spec::Edge, spans: &mut SiteSpans) -> String {
    let (az, az_span) = or_default(&e.az, e.name.value.clone());
    spans.az = az_span.or(spans.name);
    check_text(c, &az, spans.az, "az", Kind::Zone);
    if az == "nova" {
        c.error(
            Code::Duplicate,
            spans.az,
            format!("`{az}` cannot be an edge availability zone"),
        )
        .help =
            Some("each edge needs its own zone, not the default `nova`; use the site name".into());
    }
    az
}

/// An edge's roles (its own, else `edge_defaults.roles`, else the default), which must give a
/// node the site's Glance.
fn edge_roles(
    c: &mut Checker,
    spec: &Spec,
    e: &spec::Edge,
    stack: &str,
    target: &Target,
) -> Vec<RoleCount> {
    let role_list = e.roles.as_ref().or(spec.edge_defaults.roles.as_ref());
    let roles = match role_list {
        Some(r) => check_roles(c, r, stack, SiteKind::Edge, target),
        None => default_roles(SiteKind::Edge, stack),
    };
    // Where the platform runs the edge's Glance off the nodes (rhoso-18: on OpenShift) no role
    // needs to.
    if target.heat && role_list.is_some_and(|l| runs_no_glance(l, &roles, target)) {
        let span = e
            .roles
            .as_ref()
            .and_then(|r| r.first())
            .map(|r| r.name.span)
            .unwrap_or(e.name.span);
        c.error(Code::NoGlanceAtEdge, span, format!("no node at edge `{}` runs glance", e.name.value))
            .help = Some("give `DistributedComputeHCI` or `DistributedCompute` a count of at least 1; nova at the edge needs its local glance".into());
    }
    roles
}

/// An edge's parameters, environment files and network data, over `edge_defaults`.
fn edge_pass_through(
    c: &mut Checker,
    spec: &Spec,
    e: &spec::Edge,
    (this, shared): (&Stack, &Shared),
) -> PassThrough {
    let defaults = &spec.edge_defaults;
    let mut parameters = BTreeMap::new();
    apply_shared(c, shared, this, &mut parameters);
    check_parameters(c, &e.parameters, this, &mut parameters);
    let environment_files = defaults
        .environment_files
        .iter()
        .chain(&e.environment_files)
        .map(|p| check_path(c, p, "environment_files"))
        .collect();
    let network_data = e
        .network_data
        .as_ref()
        .or(defaults.network_data.as_ref())
        .map(|p| check_path(c, p, "network_data"));
    (parameters, environment_files, network_data)
}

/// The compute stack at the central site: a client of central's (external) cluster whose Glance
/// serves the central store. Its stack and zone must differ from every site's.
pub(super) fn check_compute(
    c: &mut Checker,
    compute: &Located<spec::CentralCompute>,
    central: &Site,
    sites: &[Site],
    ntp: &[Located<String>],
    target: &Target,
) -> Option<Site> {
    let s = &compute.value;
    let stack = stack_name(c, &s.stack.value, Some(s.stack.span));
    check_compute_stack(c, &s.stack, sites);
    let az = compute_az(c, s, sites);
    let roles = compute_roles(c, s, target);
    let mut parameters = BTreeMap::new();
    let this = Stack {
        name: &s.stack.value,
        kind: SiteKind::Compute,
        target,
        roles: role_names(s.roles.as_deref()),
    };
    check_parameters(c, &s.parameters, &this, &mut parameters);
    let environment_files = s
        .environment_files
        .iter()
        .map(|p| check_path(c, p, "environment_files"))
        .collect();
    let network_data = s
        .network_data
        .as_ref()
        .map(|p| check_path(c, p, "network_data"));
    let (networks, network_config_template) = check_networks(
        c,
        &NetworkFields {
            networks: s.networks.as_ref(),
            template: s.network_config_template.as_ref(),
            network_data: network_data.is_some(),
            roles_file: false,
        },
        &s.stack.value,
        &roles,
        target,
    );
    let stack = stack?;
    Some(Site {
        kind: SiteKind::Compute,
        name: SiteName::parse(stack.as_str())?,
        stack,
        cluster: central.cluster.clone(),
        fsid: central.fsid.clone(),
        mons: central.mons.clone(),
        store: central.store.clone(),
        store_description: central.store_description.clone(),
        az: Some(az),
        glance_endpoint: None,
        key: central.key.clone(),
        remote_stores: Vec::new(),
        roles,
        osd_devices: Vec::new(),
        pool_size: None,
        roles_file: None,
        network_data,
        networks,
        network_config_template,
        environment_files,
        ntp: ntp.iter().map(|n| n.value.clone()).collect(),
        parameters,
    })
}

/// The compute stack's name is no other stack's and no Ceph cluster's.
fn check_compute_stack(c: &mut Checker, stack: &Located<String>, sites: &[Site]) {
    if sites.iter().any(|x| x.stack.as_str() == stack.value) {
        c.error(
            Code::Duplicate,
            stack.span,
            format!("stack `{}` is used twice", stack.value),
        )
        .help = Some("the central compute stack needs its own heat stack name".into());
    }
    if sites.iter().any(|x| x.cluster.as_str() == stack.value) {
        c.error(
            Code::ClusterIsStack,
            stack.span,
            format!("stack `{}` is also the name of a Ceph cluster", stack.value),
        )
        .help = Some(
            "TripleO names Ceph files after the cluster; name the stack e.g. `central-compute`"
                .into(),
        );
    }
}

fn compute_az(c: &mut Checker, s: &spec::CentralCompute, sites: &[Site]) -> String {
    let (az, az_span) = or_default(&s.az, s.stack.value.clone());
    let az_span = az_span.unwrap_or(s.stack.span);
    let fine = check_text(c, &az, Some(az_span), "az", Kind::Zone);
    if az == "nova" {
        c.error(
            Code::Duplicate,
            az_span,
            format!("`{az}` cannot be an availability zone of the central compute stack"),
        )
        .help = Some("give it its own zone, not the default `nova`; e.g. its stack name".into());
    } else if fine && sites.iter().any(|x| x.az.as_deref() == Some(az.as_str())) {
        c.error(
            Code::Duplicate,
            az_span,
            format!("availability zone `{az}` is used twice"),
        )
        .help = Some("every site needs its own zone".into());
    }
    az
}

/// The compute stack's roles: no Ceph OSDs (the cluster is external), and a Glance.
fn compute_roles(c: &mut Checker, s: &spec::CentralCompute, target: &Target) -> Vec<RoleCount> {
    let stack = &s.stack;
    let roles = match &s.roles {
        Some(r) => check_roles(c, r, &stack.value, SiteKind::Compute, target),
        None => default_roles(SiteKind::Compute, &stack.value),
    };
    let Some(list) = &s.roles else {
        return roles;
    };
    for r in list {
        if target.role(r.tht_role()).is_some_and(|i| i.ceph_osd) {
            c.error(Code::WrongTopology, r.name.span, format!("role `{}` runs Ceph OSDs, but the central compute stack uses the external cluster", r.name.value))
                .help = Some("use `DistributedCompute` (and `DistributedComputeScaleOut`)".into());
        }
    }
    if target.heat && runs_no_glance(list, &roles, target) {
        let span = list.first().map_or(stack.span, |r| r.name.span);
        c.error(
            Code::NoGlanceAtEdge,
            span,
            format!("no node of stack `{}` runs glance", stack.value),
        )
        .help = Some(
            "give `DistributedCompute` a count of at least 1; its nova needs a local glance".into(),
        );
    }
    roles
}
