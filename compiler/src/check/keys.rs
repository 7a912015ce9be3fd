//! Where cephx keys come from: key references (`key: {env|file}`), all edges alike, and the mon
//! ports `openstack overcloud export ceph` loses. Owns DCN033 (key source) and DCN014 (bad mon)
//! for the ports.

use super::text::check_abs_path;
use super::{Checker, SiteSpans};
use crate::diag::Code;
use crate::model::*;
use crate::spec::{self, Located, Spec};
use crate::target::Target;

pub(super) fn check_key(c: &mut Checker, e: &spec::Edge, target: &Target) -> Option<KeySource> {
    let k = e.key.as_ref()?;
    if !target.heat {
        return None; // a TripleO input: the operators' secrets are made from cephadm's files
    }
    if !target.multistore_by_heat {
        c.error(
            Code::KeySource,
            k.span,
            format!("target `{}` makes its keys itself", target.id),
        )
        .help = Some(
            "each edge's glance-key.sh makes its glance key on the edge's cluster; remove `key`"
                .into(),
        );
        return None;
    }
    check_key_ref(c, k)
}

/// A key reference: exactly one of an environment variable name or an absolute file path.
pub(super) fn check_key_ref(c: &mut Checker, k: &Located<spec::KeyRef>) -> Option<KeySource> {
    match (&k.value.env, &k.value.file) {
        (Some(var), None) => {
            let ok = var.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_')
                && var
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
            if !ok {
                c.error(
                    Code::KeySource,
                    k.span,
                    format!("`{var}` is not an environment variable name"),
                );
                return None;
            }
            Some(KeySource::Env(var.clone()))
        }
        (None, Some(path)) => {
            let path =
                check_abs_path(c, (path, Some(k.span)), "file", "key file", Code::KeySource)?;
            Some(KeySource::File(path.to_string()))
        }
        _ => {
            c.error(
                Code::KeySource,
                k.span,
                "a key reference names exactly one of `env` or `file`".into(),
            )
            .help = Some(
                "e.g. `key: {env: DCN0_CEPH_KEY}` or `key: {file: /root/keys/dcn0.key}`".into(),
            );
            None
        }
    }
}

/// `openstack overcloud export ceph` writes only the mons' IPs (from the deploy's inventory), so a
/// port other than Ceph's defaults (3300, 6789) never reaches the sites that import that export.
pub(super) fn check_exported_ports(
    c: &mut Checker,
    spec: &Spec,
    target: &Target,
    sites: &[Site],
    spans: &[SiteSpans],
) {
    if !target.multistore_by_heat {
        return;
    }
    let keys_by_ref = spec.edges.iter().any(|e| e.key.is_some());
    let edges_use_central = sites.iter().skip(1).any(|e| e.remote_stores.contains(&0));
    for (i, (site, spans)) in sites.iter().zip(spans).enumerate() {
        let exported = if i == 0 {
            edges_use_central && spec.central.external.is_none()
        } else {
            !keys_by_ref
        };
        if !exported {
            continue;
        }
        if let Some((_, span)) = site
            .mons
            .iter()
            .zip(&spans.mons)
            .find(|(m, _)| m.port.is_some_and(|p| p != 3300 && p != 6789))
        {
            c.warning(Code::BadMon, *span, format!("the port of this mon of `{}` is lost by `openstack overcloud export ceph`", site.name))
                .help = Some("that export carries the mons' IPs only, so its readers try the default ports 3300 and 6789; run the mons on those, or give the edges' keys by reference (`key`), which dcnc writes with the ports".into());
        }
    }
}

/// Edges give keys all by reference or all through `export ceph`: the two cannot be mixed,
/// since central receives them in one `CephExternalMultiConfig`.
pub(super) fn check_key_mix(c: &mut Checker, spec: &Spec) {
    let with: Vec<&spec::Edge> = spec.edges.iter().filter(|e| e.key.is_some()).collect();
    if with.is_empty() || with.len() == spec.edges.len() {
        return;
    }
    for e in spec.edges.iter().filter(|e| e.key.is_none()) {
        c.error(Code::KeySource, e.name.span, format!("edge `{}` has no `key`, but other edges do", e.name.value))
            .help = Some("central gets every edge key in one CephExternalMultiConfig: give each edge a `key`, or none".into());
    }
}
