//! Entries dcnc adds to map parameters a spec may pass through too, merged into the spec's own:
//! the hiera of heat's `ExtraConfig` (overcloud.j2.yaml: "Additional hiera configuration to inject
//! into the cluster") for what a release has no parameter for, and Glance policies
//! (`GlanceApiPolicies`, which puppet-glance's `glance::policy` writes to policy.yaml). Check
//! rejects a spec that sets the same keys (`check::params::OWNED_HIERA`, `OWNED_POLICIES`).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::stack::Stack;
use crate::model::{CopyImageBy, SiteKind, Topology};

/// dcnc's hiera for the stack, as `ExtraConfig` entries.
fn own_hiera(s: &Stack) -> Map<String, Value> {
    let d = s.d;
    let mut h = Map::new();
    // 12.7.0 has no NovaDisableImageDownloadToRbd: the same guard through puppet-nova's
    // nova::workarounds, which nova::compute includes.
    if s.site.kind == SiteKind::Edge
        && d.target.nova_download_guard_by_hiera
        && d.topology == Topology::Multistore
    {
        h.insert(
            "nova::workarounds::never_download_image_if_on_rbd".into(),
            json!(true),
        );
    }
    // With enabled_backends (always, with GlanceBackendID) Glance stages into
    // [os_glance_staging_store], which no TripleO release sets, not at node_staging_uri where
    // THT mounts GlanceStagingNfsShare: point the staging store at the share (puppet-glance's
    // glance::config, which puppet-tripleo's glance api profile includes).
    if let Some(dir) = staging_dir(s) {
        h.insert(
            "glance::config::glance_api_config".into(),
            json!({"os_glance_staging_store/filesystem_store_datadir": {"value": dir}}),
        );
    }
    h
}

/// Where THT mounts `GlanceStagingNfsShare` on the stack's Glance nodes (central's, when the
/// spec names a share): the path of `GlanceNodeStagingUri`, default
/// `file:///var/lib/glance/staging` ("Mount Node Staging Location" strips `file://`).
pub(super) fn staging_dir(s: &Stack) -> Option<String> {
    if s.site.kind != SiteKind::Central || s.d.glance.staging_nfs_share.is_none() {
        return None;
    }
    let uri = match s.site.parameters.get("GlanceNodeStagingUri") {
        Some(Value::String(u)) => u.clone(),
        _ => "file:///var/lib/glance/staging".to_string(),
    };
    Some(uri.strip_prefix("file://").unwrap_or(&uri).to_string())
}

/// The `GlanceApiPolicies` entry that lets members copy images into a store: Nova's copy at boot
/// (wallaby, tht-18) runs with the booting user's token; Glance's default is `role:admin`.
pub(crate) const COPY_IMAGE_POLICY: &str = "role:admin or role:member";

/// dcnc's Glance policies for the stack, as `GlanceApiPolicies` entries.
fn own_policies(s: &Stack) -> Map<String, Value> {
    let mut p = Map::new();
    if s.d.topology == Topology::Multistore && s.d.glance.copy_image_by == CopyImageBy::Member {
        p.insert(
            "dcnc-copy-image".into(),
            json!({"key": "copy_image", "value": COPY_IMAGE_POLICY}),
        );
    }
    p
}

/// Merges `add` into `into`, objects recursively (check keeps their leaves apart).
fn merge(into: &mut Map<String, Value>, add: Map<String, Value>) {
    for (k, v) in add {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// The stack's pass-through parameters with dcnc's entries merged into `ExtraConfig` and
/// `GlanceApiPolicies`, and what dcnc added (hiera keys, policy names).
pub(super) fn parameters(s: &Stack) -> (BTreeMap<String, Value>, Vec<String>) {
    let mut params = s.site.parameters.clone();
    let mut added = Vec::new();
    for (param, own) in [
        ("ExtraConfig", own_hiera(s)),
        ("GlanceApiPolicies", own_policies(s)),
    ] {
        if own.is_empty() {
            continue;
        }
        added.extend(own.iter().map(|(k, v)| match v.get("key") {
            Some(Value::String(policy)) => format!("{param} {policy}"),
            _ => format!("{param} {k}"),
        }));
        let entry = params
            .entry(param.into())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(user) = entry {
            merge(user, own);
        }
    }
    (params, added)
}
