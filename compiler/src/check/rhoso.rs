//! What RHOSO 18's operators reject or silently break, for targets with `operators`: zones that
//! are no DNS-1123 label or longer than the glance and cinder webhooks allow, what the tree cannot
//! carry (the glance-cache topology, a central compute stack, another cephx user than the one
//! whose keyring the secrets hold), an edge without the address of its GlanceAPI; and the
//! `rhoso:` settings (checked for every target, so a spec stays valid for all of them). Owns
//! DCN072 (names the operators reject), and DCN038 (not in target), DCN017 (client user) and
//! DCN028 (glance endpoint) for rhoso-18.

use std::net::IpAddr;

use super::nodes::{is_dns_label, is_hostname};
use super::{or_default, Checker};
use crate::diag::{Code, Span};
use crate::model::{parse_duration, RhosoSettings, Site, SiteKind, Topology};
use crate::spec::{defaults, Located, Spec};
use crate::target::Target;

/// The `rhoso:` settings, checked, with defaults.
pub(super) fn check_settings(c: &mut Checker, spec: &Spec) -> RhosoSettings {
    let r = &spec.rhoso;
    let namespace = object_name(
        c,
        &r.namespace,
        defaults::rhoso_namespace(),
        "namespace",
        true,
    );
    let control_plane = object_name(
        c,
        &r.control_plane,
        defaults::rhoso_control_plane(),
        "OpenStackControlPlane's name",
        false,
    );
    let secret = object_name(
        c,
        &r.secret,
        defaults::rhoso_secret(),
        "name of the password secret",
        false,
    );
    let storage_class = object_name(
        c,
        &r.storage_class,
        defaults::rhoso_storage_class(),
        "storage class",
        false,
    );
    let ssh_key_secret = object_name(
        c,
        &r.ssh_key_secret,
        defaults::rhoso_ssh_key_secret(),
        "name of the SSH key secret",
        false,
    );
    let ansible_user = ansible_user(c, &r.ansible_user);
    let timeout = timeout(c, r.timeout.as_ref().map(|t| (t.value.0.as_str(), t.span)));
    let central_glance_ip = r.central_glance_api.as_ref().and_then(|a| ip_address(c, a));
    let sshd_allowed_ranges = r
        .sshd_allowed_ranges
        .iter()
        .filter_map(|cidr| network(c, cidr))
        .collect();
    RhosoSettings {
        namespace,
        control_plane,
        secret,
        storage_class,
        ssh_key_secret,
        ansible_user,
        timeout,
        central_glance_ip,
        sshd_allowed_ranges,
    }
}

/// A Kubernetes name (its default when not given): a DNS-1123 label where `label`, else a
/// DNS-1123 subdomain (an object name).
fn object_name(
    c: &mut Checker,
    v: &Option<Located<String>>,
    default: &str,
    what: &str,
    label: bool,
) -> String {
    let (value, span) = or_default(v, default.to_string());
    let ok = if label {
        is_dns_label(&value)
    } else {
        is_hostname(&value)
    };
    if !ok {
        c.error(
            Code::OperatorName,
            span,
            format!("`{value}` cannot be the {what}"),
        )
        .help = Some(if label {
            "it must be a DNS-1123 label: at most 63 lower-case letters, digits and `-`, not starting or ending with `-`".into()
        } else {
            "it must be a Kubernetes object name (DNS-1123 subdomain): lower-case letters, digits, `-` and `.`".into()
        });
    }
    value
}

/// The data plane's Ansible user (its default when not given): a Linux user name.
fn ansible_user(c: &mut Checker, v: &Option<Located<String>>) -> String {
    let (ansible_user, user_span) = or_default(v, defaults::rhoso_ansible_user().to_string());
    let user_ok = ansible_user.len() <= 32
        && ansible_user.starts_with(|ch: char| ch.is_ascii_lowercase() || ch == '_')
        && ansible_user
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_' || ch == '-');
    if !user_ok {
        c.error(Code::OperatorName, user_span, format!("`{ansible_user}` is not a user name"))
            .help = Some("a Linux user name: a lower-case letter or `_`, then lower-case letters, digits, `_` or `-` (at most 32)".into());
    }
    ansible_user
}

/// The deploy's timeout (its default when not given) in seconds, as `<n>s`.
fn timeout(c: &mut Checker, given: Option<(&str, Span)>) -> String {
    let (timeout, timeout_span) = match given {
        Some((t, span)) => (t.to_string(), Some(span)),
        None => (defaults::rhoso_timeout().to_string(), None),
    };
    let secs = parse_duration(&timeout).filter(|s| *s > 0);
    if secs.is_none() {
        c.error(
            Code::BadQuantity,
            timeout_span,
            format!("`{timeout}` is not a timeout"),
        )
        .help = Some("write seconds or a number with a unit: `3600`, `90m`, `2h`".into());
    }
    format!("{}s", secs.unwrap_or(1))
}

/// The central GlanceAPI's address, normalised.
fn ip_address(c: &mut Checker, a: &Located<String>) -> Option<String> {
    let ip = a.value.trim().parse::<IpAddr>().ok();
    if ip.is_none() {
        c.error(
            Code::BadEndpoint,
            a.span,
            format!("`{}` is not an IP address", a.value),
        )
        .help = Some(
            "the MetalLB address of the central GlanceAPI's internal service, e.g. `172.17.0.80`"
                .into(),
        );
    }
    ip.map(|ip| ip.to_string())
}

/// One of `sshd_allowed_ranges`, normalised: an address and a prefix length.
fn network(c: &mut Checker, cidr: &Located<String>) -> Option<String> {
    let ok = cidr.value.split_once('/').and_then(|(ip, len)| {
        let ip: IpAddr = ip.parse().ok()?;
        let len: u8 = len.parse().ok()?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        (len <= max).then(|| format!("{ip}/{len}"))
    });
    if ok.is_none() {
        c.error(
            Code::WrongType,
            cidr.span,
            format!("`{}` is not a network (CIDR)", cidr.value),
        )
        .help = Some("write an address and a prefix length, e.g. `192.168.122.0/24`".into());
    }
    ok
}

/// Where a site's zone was written (its `az`, else its name), for central and the edges.
fn az_span(spec: &Spec, site: &Site) -> Option<Span> {
    match site.kind {
        SiteKind::Central => spec
            .central
            .az
            .as_ref()
            .or(spec.central.cluster.as_ref())
            .map(|l| l.span)
            .or(Some(spec.central.fsid.span)),
        _ => spec
            .edges
            .iter()
            .find(|e| e.name.value == site.name.as_str())
            .map(|e| e.az.as_ref().unwrap_or(&e.name).span),
    }
}

/// The rules of a target with operators (rhoso-18) over the checked sites.
pub(super) fn check_operators(
    c: &mut Checker,
    spec: &Spec,
    target: &Target,
    topology: Topology,
    sites: &[Site],
) {
    let Some(ops) = &target.operators else {
        return;
    };
    if topology != Topology::Multistore {
        let span = spec.topology.as_ref().map(|t| t.span);
        c.error(Code::NotInTarget, span, format!("target `{}` compiles only the multistore topology", target.id))
            .help = Some("RHOSO's DCN gives every site a Glance store on its own Ceph cluster; remove `topology: glance-cache`".into());
    }
    if let Some(compute) = &spec.central.compute {
        c.error(Code::NotInTarget, compute.span, format!("target `{}` has no central compute stack", target.id))
            .help = Some("on RHOSO the computes of the central site are its data plane node set: list them as roles of `central` (e.g. `Compute` with `nodes`) and remove `compute`".into());
    }
    if let Some(u) = spec
        .glance
        .client_user
        .as_ref()
        .filter(|u| u.value != "openstack")
    {
        c.error(Code::BadClientUser, u.span, format!("target `{}` uses the cephx user `openstack` on every cluster", target.id))
            .help = Some("its secrets hold `<cluster>.client.openstack.keyring`, which edpm_libvirt and every service read; remove `client_user`".into());
    }
    if let Some(by) = spec
        .glance
        .copy_image_by
        .as_ref()
        .filter(|b| b.value == crate::model::CopyImageBy::Member)
    {
        c.error(Code::NotInTarget, by.span, format!("target `{}` cannot let members copy images", target.id))
            .help = Some("the glance-operator writes Glance's policy itself: copy images to the edges as an admin with distribute-images.sh (`glance.distribute_images`), or remove `copy_image_by`".into());
    }
    let caps = spec
        .glance
        .caps
        .mon
        .as_ref()
        .or(spec.glance.caps.osd.as_ref());
    if let Some(caps) = caps {
        c.warning(Code::BadCaps, caps.span, format!("`glance.caps` are not used by target `{}`", target.id))
            .help = Some("you create client.openstack with cephadm (step ceph-<site> checks that it can read the pools); remove `glance.caps`".into());
    }
    for site in sites {
        let Some(az) = &site.az else { continue };
        let span = az_span(spec, site);
        let (max, sts) = match site.kind {
            SiteKind::Central => (ops.max_az_len.0, format!("glance-{az}-external-api")),
            _ => (ops.max_az_len.1, format!("glance-{az}-edge-api")),
        };
        if !is_dns_label(az) || az.len() > max {
            c.error(Code::OperatorName, span, format!("zone `{az}` cannot name a GlanceAPI and a cinder-volume"))
                .help = Some(format!(
                    "the zone is the key of the site's GlanceAPI and cinder-volume: a DNS-1123 label (lower-case letters, digits and `-`) of at most {max} characters here, so that StatefulSet `{sts}` with its pods' revision hash fits a 63-character label; set `az`"
                ));
        }
    }
    for (e, site) in spec.edges.iter().zip(sites.iter().skip(1)) {
        if e.name.value != site.name.as_str() {
            continue;
        }
        match (&e.glance_api, &site.glance_endpoint) {
            (None, _) => {
                c.error(Code::BadEndpoint, e.name.span, format!("edge `{}` has no `glance_api`", e.name.value))
                    .help = Some(format!("target `{}` makes the edge's GlanceAPI a MetalLB LoadBalancer that its computes reach: give its address, `glance_api: <IP on the internal API network>`", target.id));
            }
            (Some(api), Some(ep))
                if ep.port != target.edge_glance_port || ep.url.starts_with("https") =>
            {
                c.error(Code::BadEndpoint, api.span, format!("target `{}` takes only the address of the edge's GlanceAPI", target.id))
                    .help = Some(format!("its service listens on port {} behind TLS, which the operators set; write the IP alone", target.edge_glance_port));
            }
            _ => {}
        }
    }
}
